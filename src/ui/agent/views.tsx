/** The TUI's views: history items, the live region, the approval prompt and the status line. */
import React from 'react';
import {Box, Text, useInput} from 'ink';
import type {ApprovalRequest} from '../../agents/session-api.js';
import {
  approvalPreview,
  argsSummary,
  classifyDiffLine,
  foldNote,
  foldOutput,
  formatMs,
  statusLine,
  type DiffLineKind,
} from './format.js';
import type {Item, PlanStep, StatusView, ToolView, ViewState} from './state.js';

/** Lines of a tool's output shown under the call. */
export const RESULT_LINES = 4;
/** Lines of a diff (or a new file) shown in an approval prompt before it is folded. */
export const DIFF_LINES = 60;
/** Lines of a thought shown. */
const THOUGHT_LINES = 3;

const DIFF_COLOR: Record<DiffLineKind, string | undefined> = {
  header: undefined,
  hunk: 'cyan',
  add: 'green',
  del: 'red',
  context: undefined,
};

function Folded({text, lines, color, dim}: {text: string; lines: number; color?: string; dim?: boolean}): React.JSX.Element | null {
  const f = foldOutput(text, lines);
  if (f.lines.length === 0) return null;
  return (
    <Box flexDirection="column" paddingLeft={2}>
      {f.lines.map((l, i) => (
        <Text key={i} color={color} dimColor={dim} wrap="truncate-end">
          {l.length > 0 ? l : ' '}
        </Text>
      ))}
      {f.hidden > 0 ? <Text color="gray">{foldNote(f)}</Text> : null}
    </Box>
  );
}

const DECISION_TEXT = {approved: 'approved', refused: 'refused', always: 'approved (always)'} as const;

export function ToolLine({tool, live}: {tool: ToolView; live?: boolean}): React.JSX.Element {
  const r = tool.result;
  const mark = r ? (r.ok ? '✓' : '✗') : live ? '…' : '·';
  const color = r ? (r.ok ? 'green' : 'red') : 'yellow';
  const decision = tool.decision && tool.by === 'user' ? ` [${DECISION_TEXT[tool.decision]}]` : tool.decision === 'refused' ? ' [refused]' : '';
  return (
    <Box flexDirection="column">
      <Text>
        <Text color={color}>{mark} </Text>
        <Text bold>{tool.name}</Text>
        <Text> {argsSummary(tool.name, tool.args)}</Text>
        {decision ? <Text color={tool.decision === 'refused' ? 'red' : 'gray'}>{decision}</Text> : null}
        {r ? <Text color="gray"> {formatMs(r.ms)}</Text> : null}
      </Text>
      {r ? <Folded text={r.output} lines={RESULT_LINES} color={r.ok ? undefined : 'red'} dim={r.ok} /> : null}
      {r?.truncated ? (
        <Box paddingLeft={2}>
          <Text color="gray">(the model saw this output cut to its budget)</Text>
        </Box>
      ) : null}
    </Box>
  );
}

const STEP_MARK = {pending: '☐', in_progress: '▸', done: '☑', skipped: '⊘'} as const;

export function PlanView({steps, title = 'plan'}: {steps: readonly PlanStep[]; title?: string}): React.JSX.Element {
  const done = steps.filter((s) => s.status === 'done').length;
  return (
    <Box flexDirection="column">
      <Text color="magenta" bold>
        {title} ({done}/{steps.length})
      </Text>
      {steps.map((s, i) => (
        <Text key={i} color={s.status === 'done' ? 'green' : s.status === 'in_progress' ? 'yellow' : s.status === 'skipped' ? 'gray' : undefined}>
          {'  '}
          {STEP_MARK[s.status]} {i + 1}. {s.text}
        </Text>
      ))}
    </Box>
  );
}

export function ItemView({item}: {item: Item}): React.JSX.Element {
  switch (item.kind) {
    case 'session':
      return (
        <Box flexDirection="column">
          <Text color="gray">
            june coding-agent · session {item.session}
            {item.resumed ? ' (resumed)' : ''} · {item.model} ({item.backend})
          </Text>
          <Text color="gray">workspace {item.workspace} · /help for commands</Text>
          {item.sandbox && !item.sandbox.available ? <Text color="yellow">! sandbox unavailable: {item.sandbox.detail}</Text> : null}
        </Box>
      );
    case 'user':
      return (
        <Box marginTop={1}>
          <Text color="cyan" bold>
            {'› '}
          </Text>
          <Text bold>{item.text}</Text>
        </Box>
      );
    case 'command':
      return (
        <Box marginTop={1}>
          <Text color="gray">› {item.text}</Text>
        </Box>
      );
    case 'assistant':
      return (
        <Box marginTop={item.continued ? 0 : 1}>
          <Text>{item.text}</Text>
        </Box>
      );
    case 'thought':
      return (
        <Box flexDirection="column">
          <Text color="gray" italic>
            thinking
          </Text>
          <Folded text={item.text} lines={THOUGHT_LINES} dim />
        </Box>
      );
    case 'plan':
      return <PlanView steps={item.steps} />;
    case 'tool':
      return <ToolLine tool={item.tool} />;
    case 'reflection':
      return (
        <Box flexDirection="column">
          <Text color={item.ok ? 'green' : 'yellow'}>
            {item.ok ? '✓' : '↻'} reflect{item.revision ? ` (revision ${item.revision})` : ''}:{' '}
            {item.checks.length === 0 ? 'no checks' : item.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}`).join(', ')}
            {item.verdict ? ` · judge: ${item.verdict.done ? 'done' : 'not done'} — ${item.verdict.reason}` : ''}
          </Text>
          {item.checks
            .filter((c) => !c.ok)
            .map((c, i) => (
              <Folded key={i} text={c.output} lines={RESULT_LINES} color="red" />
            ))}
        </Box>
      );
    case 'final':
      return (
        <Box flexDirection="column" marginTop={1}>
          <Text color="green" bold>
            answer
          </Text>
          <Text>{item.text}</Text>
        </Box>
      );
    case 'done': {
      const good = item.reason === 'finished';
      const words = item.reason.replace(/_/g, ' ');
      return (
        <Text color={good ? 'green' : item.reason === 'interrupted' ? 'yellow' : 'red'}>
          {good ? '✓' : '■'} {words} · {item.toolCalls} tool call{item.toolCalls === 1 ? '' : 's'} · {item.tokens} tokens · {formatMs(item.ms)}
        </Text>
      );
    }
    case 'error':
      return (
        <Text color="red">
          ✗ {item.code}: {item.message}
          {item.hint ? <Text color="gray"> — {item.hint}</Text> : null}
        </Text>
      );
    case 'info':
      return <Text color="gray">{item.text}</Text>;
    case 'compaction':
      return (
        <Text color="gray">
          ⇣ context {item.how === 'elide' ? 'trimmed (old tool output elided)' : 'summarised'}: {item.before} → {item.after} tokens
        </Text>
      );
  }
}

/**
 * A view that fails to draw (an event shaped in a way no view expected) becomes one red line; the
 * rest of the screen, and the session, go on.
 */
export class DrawGuard extends React.Component<{children: React.ReactNode}, {error: string | null}> {
  override state: {error: string | null} = {error: null};
  static getDerivedStateFromError(err: unknown): {error: string} {
    return {error: err instanceof Error ? err.message : String(err)};
  }
  override render(): React.ReactNode {
    if (this.state.error !== null) return <Text color="red">✗ could not draw this part of the screen: {this.state.error}</Text>;
    return this.props.children;
  }
}

/** The reply being streamed: its last lines (the rest is already in the history above). */
export function StreamingText({text, width, maxRows}: {text: string; width: number; maxRows: number}): React.JSX.Element | null {
  if (text.length === 0) return null;
  const budget = Math.max(width, width * maxRows);
  const shown = text.length > budget ? `…${text.slice(text.length - budget)}` : text;
  return <Text>{shown}</Text>;
}

export function LiveView({view, width, maxRows}: {view: ViewState; width: number; maxRows: number}): React.JSX.Element {
  return (
    <Box flexDirection="column">
      {view.tools.map((t) => (
        <ToolLine key={t.id} tool={t} live />
      ))}
      {view.streaming.length > 0 ? (
        <Box marginTop={view.committed.length > 0 ? 0 : 1}>
          <StreamingText text={view.streaming} width={width} maxRows={maxRows} />
        </Box>
      ) : null}
      {view.plan && view.plan.length > 0 ? (
        <Box marginTop={1}>
          <PlanView steps={view.plan} />
        </Box>
      ) : null}
    </Box>
  );
}

export interface ApprovalPromptProps {
  request: ApprovalRequest;
  onDecide(decision: 'approved' | 'refused' | 'always'): void;
  /** Ctrl-C or Esc: refuse and cancel the turn. */
  onCancel(): void;
  isActive: boolean;
}

export function ApprovalPrompt({request, onDecide, onCancel, isActive}: ApprovalPromptProps): React.JSX.Element {
  useInput(
    (input, key) => {
      if ((key.ctrl && input === 'c') || key.escape) return onCancel();
      const k = input.toLowerCase();
      if (k === 'y') onDecide('approved');
      else if (k === 'n') onDecide('refused');
      else if (k === 'a') onDecide('always');
    },
    {isActive},
  );
  const p = approvalPreview(request.tool, request.args, request.preview);
  const lines = p.text.replace(/\n$/, '').split('\n');
  const shown = lines.slice(0, DIFF_LINES);
  const hidden = lines.length - shown.length;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="yellow" paddingX={1} marginTop={1}>
      <Text>
        <Text color="yellow" bold>
          {request.class}
        </Text>{' '}
        <Text bold>{request.tool}</Text> {argsSummary(request.tool, request.args, 120)}
      </Text>
      <Box flexDirection="column" marginY={p.kind === 'diff' ? 0 : 0}>
        {p.kind === 'diff' ? (
          shown.map((l, i) => {
            const kind = classifyDiffLine(l);
            return (
              <Text key={i} color={DIFF_COLOR[kind]} bold={kind === 'header'} wrap="truncate-end">
                {l.length > 0 ? l : ' '}
              </Text>
            );
          })
        ) : (
          <Text color="cyan">{shown.map((l, i) => (i === 0 ? `$ ${l}` : `  ${l}`)).join('\n')}</Text>
        )}
        {hidden > 0 ? <Text color="gray">… {hidden} more lines</Text> : null}
      </Box>
      <Text>
        <Text color="green" bold>
          [y]
        </Text>{' '}
        yes{'  '}
        <Text color="red" bold>
          [n]
        </Text>{' '}
        no{'  '}
        <Text color="yellow" bold>
          [a]
        </Text>{' '}
        always for {request.class} this session
      </Text>
    </Box>
  );
}

export function StatusLine({status, width, note}: {status: StatusView; width: number; note?: string}): React.JSX.Element {
  return (
    <Text color="gray" wrap="truncate-end">
      {statusLine(status, width, note)}
    </Text>
  );
}
