/**
 * The prompt line: a small line editor over ink's useInput/usePaste. Enter sends; pasted text —
 * bracketed paste, or a chunk of several characters that carries newlines — stays one message with
 * its newlines; `\` then Enter, or Ctrl-J, adds a newline by hand; ↑/↓ walk the input history.
 */
import React, {useRef, useState} from 'react';
import {Box, Text, useInput, usePaste} from 'ink';

export interface PromptInputProps {
  /** Keys go to this input only while it is active (an approval prompt takes them otherwise). */
  isActive: boolean;
  /** Earlier inputs, oldest first. */
  history: readonly string[];
  onSubmit(text: string): void;
  /** Ctrl-C that did not just clear a non-empty line (or any Ctrl-C while `busy`). */
  onInterrupt(): void;
  /** Ctrl-D on an empty line. */
  onEof(): void;
  onEscape?(): void;
  /** While work runs, Ctrl-C always goes to onInterrupt (it cancels the work, the line is kept). */
  busy: boolean;
  placeholder?: string;
}

interface Line {
  text: string;
  cursor: number;
}

function normalise(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/\r/g, '\n');
}

export function PromptInput(props: PromptInputProps): React.JSX.Element {
  const [line, setLineState] = useState<Line>({text: '', cursor: 0});
  // Several key events can arrive before React re-renders: edit through a ref, render from state.
  const ref = useRef<Line>(line);
  const hist = useRef<{index: number | null; draft: string}>({index: null, draft: ''});
  const set = (l: Line) => {
    ref.current = l;
    setLineState(l);
  };
  const insert = (s: string) => {
    const {text, cursor} = ref.current;
    set({text: text.slice(0, cursor) + s + text.slice(cursor), cursor: cursor + s.length});
  };
  const submit = () => {
    const {text} = ref.current;
    if (text.trim().length === 0) return;
    hist.current = {index: null, draft: ''};
    set({text: '', cursor: 0});
    props.onSubmit(text.replace(/\s+$/, ''));
  };

  usePaste(
    (text) => {
      insert(normalise(text));
    },
    {isActive: props.isActive},
  );

  useInput(
    (input, key) => {
      const {text, cursor} = ref.current;
      if (key.ctrl && input === 'c') {
        if (!props.busy && text.length > 0) set({text: '', cursor: 0});
        else props.onInterrupt();
        return;
      }
      if (key.ctrl && input === 'd') {
        if (text.length === 0) props.onEof();
        else if (cursor < text.length) set({text: text.slice(0, cursor) + text.slice(cursor + 1), cursor});
        return;
      }
      if (key.escape) {
        props.onEscape?.();
        return;
      }
      if (key.return) {
        if (key.meta || text.slice(0, cursor).endsWith('\\')) {
          // `\` + Enter (or Alt-Enter): a newline instead of sending
          const before = key.meta ? text.slice(0, cursor) : text.slice(0, cursor - 1);
          set({text: `${before}\n${text.slice(cursor)}`, cursor: before.length + 1});
          return;
        }
        submit();
        return;
      }
      if (input === '\n') {
        insert('\n');
        return;
      }
      if (key.upArrow || key.downArrow) {
        const h = props.history;
        if (h.length === 0) return;
        const state = hist.current;
        let index = state.index;
        if (key.upArrow) {
          if (index === null) {
            state.draft = text;
            index = h.length - 1;
          } else index = Math.max(0, index - 1);
        } else {
          if (index === null) return;
          index = index + 1;
        }
        if (index >= h.length) {
          state.index = null;
          set({text: state.draft, cursor: state.draft.length});
        } else {
          state.index = index;
          const v = h[index] ?? '';
          set({text: v, cursor: v.length});
        }
        return;
      }
      if (key.leftArrow) return set({text, cursor: Math.max(0, cursor - 1)});
      if (key.rightArrow) return set({text, cursor: Math.min(text.length, cursor + 1)});
      if (key.home || (key.ctrl && input === 'a')) return set({text, cursor: 0});
      if (key.end || (key.ctrl && input === 'e')) return set({text, cursor: text.length});
      if (key.ctrl && input === 'u') return set({text: text.slice(cursor), cursor: 0});
      if (key.ctrl && input === 'k') return set({text: text.slice(0, cursor), cursor});
      if (key.ctrl && input === 'w') {
        const before = text.slice(0, cursor).replace(/\S+\s*$/, '');
        return set({text: before + text.slice(cursor), cursor: before.length});
      }
      if (key.backspace) {
        if (cursor === 0) return;
        return set({text: text.slice(0, cursor - 1) + text.slice(cursor), cursor: cursor - 1});
      }
      if (key.delete) {
        if (cursor >= text.length) return;
        return set({text: text.slice(0, cursor) + text.slice(cursor + 1), cursor});
      }
      if (key.ctrl || key.meta || key.tab || input.length === 0) return;
      if (input.length > 1 && /[\r\n]/.test(input)) {
        // a chunk of several characters: typed text and Enter arriving together (also a line typed
        // ahead before the terminal went raw, which ends in \n), or an unbracketed paste
        const body = input.replace(/\r?\n$|\r$/, '');
        if (!/[\r\n]/.test(body)) {
          insert(body);
          submit();
          return;
        }
        insert(normalise(input));
        return;
      }
      insert(input);
    },
    {isActive: props.isActive},
  );

  const {text, cursor} = line;
  const dim = !props.isActive;
  if (text.length === 0) {
    return (
      <Box>
        <Text color={dim ? 'gray' : 'cyan'} bold>
          {'› '}
        </Text>
        {props.isActive ? <Text inverse> </Text> : null}
        {props.placeholder ? <Text color="gray">{props.isActive ? '' : ' '}{props.placeholder}</Text> : null}
      </Box>
    );
  }
  const before = text.slice(0, cursor);
  const at = text.slice(cursor, cursor + 1);
  const after = text.slice(cursor + 1);
  // a newline under the cursor is drawn as a blank cell, then the line break
  const cursorCell = at === '' ? ' ' : at === '\n' ? ' \n' : at;
  return (
    <Box>
      <Text color={dim ? 'gray' : 'cyan'} bold>
        {'› '}
      </Text>
      <Box flexDirection="column" flexGrow={1}>
        <Text>
          {before}
          {props.isActive ? <Text inverse>{cursorCell}</Text> : cursorCell}
          {after}
        </Text>
      </Box>
    </Box>
  );
}
