/** The TUI's views and keys, rendered with ink-testing-library over the fake session. */
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import React from 'react';
import {render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {Box, Text} from 'ink';
import type {AgentHooks} from '../../../src/agents/session-api.js';
import {AgentApp, type AppExit} from '../../../src/ui/agent/app.js';
import {assertInteractiveTerminal} from '../../../src/ui/agent/index.js';
import type {Item} from '../../../src/ui/agent/state.js';
import {DrawGuard, ItemView} from '../../../src/ui/agent/views.js';
import {FakeSession, FINAL_ANSWER, HELLO_PY, type FakeOptions} from './fake-session.js';
import {JuneError} from '../../../src/errors.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
// eslint-disable-next-line no-control-regex
const plain = (s: string | undefined) => (s ?? '').replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup(opts: Partial<FakeOptions> = {}, props: {initialTask?: string} = {}) {
  const workspace = mkdtempSync(join(tmpdir(), 'june-tui-app-'));
  let session: FakeSession | null = null;
  const exits: AppExit[] = [];
  const app = render(
    <AgentApp
      open={async (hooks: AgentHooks) => {
        session = new FakeSession(hooks, {workspace, ...opts});
        return session;
      }}
      onExit={(r) => exits.push(r)}
      flushMs={5}
      quitConfirmMs={1000}
      {...props}
    />,
  );
  cleanups.push(() => {
    app.unmount();
    rmSync(workspace, {recursive: true, force: true});
  });
  const frame = () => plain(app.lastFrame());
  const waitFor = async (test: RegExp | (() => boolean), what = String(test), ms = 5000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      if (typeof test === 'function' ? test() : test.test(frame())) return frame();
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the frame is:\n${frame()}`);
      await sleep(10);
    }
  };
  const type = async (s: string) => {
    app.stdin.write(s);
    await sleep(20);
  };
  const enter = async (s: string) => {
    await type(s);
    await type('\r');
  };
  return {app, frame, waitFor, type, enter, exits, workspace, session: () => session as FakeSession | null};
}

describe('the interactive agent app', () => {
  it('runs a whole task: plan, approvals with the diff (y, n, a), results, the final answer; Ctrl-D quits 0 and closes the session', async () => {
    const t = setup();
    await t.waitFor(/step 0\/30/);
    await t.enter('hello there');
    let f = await t.waitFor(/\[y\] yes/);
    expect(f).toContain('› hello there');
    expect(f).toMatch(/plan \(0\/3\)/);
    expect(f).toContain('▸ 1. write hello.py');
    expect(f).toContain('I will write hello.py first.');
    expect(f).toContain('+++ b/hello.py');
    expect(f).toContain('+    print("hi")');
    expect(f).toContain('[y] yes  [n] no  [a] always for write this session');
    // the prompt line is not taking keys while an approval is asked
    expect(f).toContain('answer the approval above');
    await t.type('y');
    f = await t.waitFor(/test_hello\.py[\s\S]*\[y\] yes/, 'the second approval');
    expect(readFileSync(join(t.workspace, 'hello.py'), 'utf8')).toBe(HELLO_PY);
    expect(f).toMatch(/✓ write_file hello\.py \(6 lines, 68 B\) \[approved\]/);
    expect(f).toMatch(/☑ 1\. write hello\.py/);
    await t.type('n');
    f = await t.waitFor(/run_python[\s\S]*\[y\] yes/, 'the execute approval');
    expect(existsSync(join(t.workspace, 'test_hello.py'))).toBe(false);
    expect(f).toMatch(/✗ write_file test_hello\.py .*\[refused\]/);
    expect(f).toContain('$ python3 hello.py');
    expect(f).toContain('[a] always for execute this session');
    await t.type('a');
    f = await t.waitFor(/✓ finished/);
    expect(t.session()?.approvals.execute).toBe('allow');
    expect(f).toMatch(/✓ run_python hello\.py \[approved \(always\)\]/);
    // long output folded to a few lines with its size
    expect(f).toContain('  log line 3');
    expect(f).not.toContain('log line 4');
    expect(f).toMatch(/… 17 more lines \(233 B; all in the transcript\)/);
    expect(f).toContain('✓ reflect: ✓ python3 -m unittest · judge: done — hello.py prints hi');
    expect(f.split(FINAL_ANSWER).length - 1).toBe(1);
    expect(f).toMatch(/plan \(3\/3\)/);
    await t.type('\u0004');
    await t.waitFor(() => t.exits.length > 0, 'the exit');
    expect(t.exits).toEqual([{exitCode: 0}]);
    expect(t.session()?.closed).toBe(true);
  });

  it('Ctrl-C during a streamed reply cancels it and keeps the session; a later task still runs', async () => {
    const t = setup({tokenDelayMs: 5, streamTokens: 2000});
    await t.waitFor(/step 0\/30/);
    await t.enter('stream it');
    await t.waitFor(/beta9 /);
    expect(t.frame()).toContain('working — Ctrl-C cancels');
    await t.type('\u0003');
    const f = await t.waitFor(/■ interrupted/);
    expect(f).not.toContain('working — Ctrl-C cancels');
    expect(t.exits).toEqual([]);
    await t.enter('again');
    await t.waitFor(/You said: again/);
    // Ctrl-C twice on the empty prompt: quit with 0
    await t.type('\u0003');
    await t.waitFor(/Ctrl-C again to quit/);
    await t.type('\u0003');
    await t.waitFor(() => t.exits.length > 0, 'the exit');
    expect(t.exits).toEqual([{exitCode: 0}]);
  });

  it('a task sent while a reply runs is queued, drawn, and sent when the reply ends, in order', async () => {
    const t = setup({tokenDelayMs: 2, streamTokens: 300});
    await t.waitFor(/step 0\/30/);
    await t.enter('stream it');
    await t.waitFor(/beta9 /);
    await t.enter('first after');
    await t.enter('second after');
    let f = await t.waitFor(/queued › second after/);
    expect(f).toContain('queued › first after');
    // not in the conversation until it is sent
    expect(f).not.toMatch(/^\s*› first after/m);
    f = await t.waitFor(/You said: second after/, 'both queued tasks answered', 15_000);
    expect(f).not.toContain('queued ›');
    const order = ['› stream it', 'You said: first after', '› second after', 'You said: second after'].map((x) => f.indexOf(x));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(t.session()?.turns).toEqual(['stream it', 'first after', 'second after']);
  });

  it('cancelling the reply drops the queue with a note; nothing starts by itself', async () => {
    const t = setup({tokenDelayMs: 5, streamTokens: 2000});
    await t.waitFor(/step 0\/30/);
    await t.enter('stream it');
    await t.waitFor(/beta9 /);
    await t.enter('later one');
    await t.waitFor(/queued › later one/);
    await t.type('\u0003');
    const f = await t.waitFor(/1 queued task dropped with the cancelled reply \(↑ brings it back\)/);
    expect(f).toContain('■ interrupted');
    expect(f).not.toContain('queued ›');
    await sleep(100);
    expect(t.session()?.turns).toEqual(['stream it']);
    // ↑ brings it back; Enter sends it now
    await t.type('\u001B[A');
    await t.waitFor(/› later one/);
    await t.type('\r');
    await t.waitFor(/You said: later one/);
  });

  it('/exit while a reply runs exits 130; Ctrl-C on a line with text clears it', async () => {
    const t = setup({tokenDelayMs: 5, streamTokens: 5000});
    await t.waitFor(/step 0\/30/);
    await t.type('some text');
    await t.waitFor(/› some text/);
    await t.type('\u0003');
    await t.waitFor(() => !t.frame().includes('some text'), 'the cleared line');
    expect(t.frame()).not.toContain('Ctrl-C again to quit');
    await t.enter('stream');
    await t.waitFor(/alpha8 /);
    await t.enter('/exit');
    await t.waitFor(() => t.exits.length > 0, 'the exit');
    expect(t.exits).toEqual([{exitCode: 130}]);
    expect(t.session()?.closed).toBe(true);
  });

  it('answers the slash commands', async () => {
    const t = setup();
    await t.waitFor(/step 0\/30/);
    await t.enter('/help');
    await t.waitFor(/\/undo \[N\]/);
    await t.enter('/model');
    await t.waitFor(/model fake-model-1b · endpoint · context 8192 tokens/);
    await t.enter('/approve');
    await t.waitFor(/approvals: read runs · write asks · execute asks/);
    await t.enter('/approve write');
    await t.waitFor(/approvals: read asks · write runs · execute asks/);
    expect(t.session()?.approvals).toEqual({read: 'ask', write: 'allow', execute: 'ask'});
    await t.enter('/approve sideways');
    await t.waitFor(/\/approve: unknown class "sideways"/);
    await t.enter('/plan');
    await t.waitFor(/no plan yet/);
    await t.enter('/what');
    await t.waitFor(/unknown command \/what — \/help lists the commands/);
    await t.enter('/compact');
    await t.waitFor(/conversation summarised/);
    expect(t.session()?.compacted).toBe(1);
    await t.enter('/clear');
    await t.waitFor(/new conversation/);
    expect(t.session()?.cleared).toBe(1);
    // writes run without asking now (/approve write): /undo restores them
    await t.enter('hello');
    await t.waitFor(/run_python[\s\S]*\[y\] yes/);
    await t.type('n');
    await t.waitFor(/✓ finished/);
    expect(existsSync(join(t.workspace, 'test_hello.py'))).toBe(true);
    await t.enter('/undo 2');
    await t.waitFor(/undone 2 writes: restored test_hello\.py, hello\.py/);
    expect(existsSync(join(t.workspace, 'hello.py'))).toBe(false);
    await t.enter('/plan');
    await t.waitFor(/› \/plan\n[\s\S]*plan \(3\/3\)/);
    await t.enter('/undo x');
    await t.waitFor(/\/undo: "x" is not a number of writes/);
  });

  it('keeps input history on ↑/↓ and pasted multi-line text as one message', async () => {
    const t = setup();
    await t.waitFor(/step 0\/30/);
    await t.enter('first');
    await t.waitFor(/You said: first/);
    await t.enter('second');
    await t.waitFor(/You said: second/);
    await t.type('\u001B[A');
    await t.waitFor(/› second\s*\n[^\n]*step/);
    await t.type('\u001B[A');
    await t.waitFor(/› first\s*\n[^\n]*step/);
    await t.type('\u001B[B');
    await t.waitFor(/› second\s*\n[^\n]*step/);
    await t.type('\u001B[B');
    await t.waitFor(() => /\n›\s*\n[^\n]*step/.test(t.frame()), 'the empty line');
    // an unbracketed paste: one chunk with newlines is text, not Enter
    await t.type('line one\rline two\rline three');
    expect(t.frame()).toContain('line three');
    await t.type('\r');
    await t.waitFor(/You said: line one\nline two\nline three/);
    // bracketed paste
    await t.type('\u001B[200~alpha\nbeta\u001B[201~');
    await t.type('\r');
    await t.waitFor(/You said: alpha\nbeta/);
    // a line typed ahead (before the terminal went raw) arrives as one chunk ending in a newline: it is sent
    await t.type('typed ahead\n');
    await t.waitFor(/You said: typed ahead/);
    const users = t.session()?.events.filter((e) => e.type === 'user').map((e) => (e as {text: string}).text);
    expect(users).toEqual(['first', 'second', 'line one\nline two\nline three', 'alpha\nbeta', 'typed ahead']);
  });

  it('draws an error as one line with its hint and keeps the session', async () => {
    const t = setup();
    await t.waitFor(/step 0\/30/);
    await t.enter('fail now');
    const f = await t.waitFor(/■ error/);
    expect(f.replace(/\s+/g, ' ')).toContain('✗ ENDPOINT_UNREACHABLE: the endpoint stopped answering mid-reply — check the server, then send the task again or --resume');
    await t.enter('ok');
    await t.waitFor(/You said: ok/);
  });

  it('sends an initial task, and reports a session that cannot open as an exit with the error', async () => {
    const t = setup({}, {initialTask: 'from the flag'});
    await t.waitFor(/You said: from the flag/);
    const exits: AppExit[] = [];
    const err = new JuneError('MODEL_NOT_FOUND', 'no such model', {hint: 'june models list'});
    const app = render(<AgentApp open={() => Promise.reject(err)} onExit={(r) => exits.push(r)} />);
    cleanups.push(() => app.unmount());
    for (let i = 0; i < 100 && exits.length === 0; i++) await sleep(10);
    expect(exits).toEqual([{exitCode: 1, error: err}]);
  });
});

describe('quitting while the session opens', () => {
  it('Ctrl-C twice stops the opening (its signal is aborted) and exits 130 without an error', async () => {
    const exits: AppExit[] = [];
    let aborted = false;
    const app = render(
      <AgentApp
        open={(_hooks, {signal}) =>
          new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(new JuneError('INTERRUPTED', 'loading stopped'));
            }),
          )
        }
        onExit={(r) => exits.push(r)}
      />,
    );
    cleanups.push(() => app.unmount());
    await sleep(50);
    expect(plain(app.lastFrame())).toContain('opening the session (loading the model)…');
    app.stdin.write('\u0003');
    await sleep(50);
    expect(plain(app.lastFrame())).toContain('work is running: Ctrl-C again to quit');
    app.stdin.write('\u0003');
    for (let i = 0; i < 100 && exits.length === 0; i++) await sleep(10);
    expect(aborted).toBe(true);
    expect(exits).toEqual([{exitCode: 130}]);
  });
});

describe('a view that cannot draw', () => {
  it('becomes one red line instead of a crash', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // JSON.stringify throws on a BigInt: the summary of these arguments fails to draw
    const item: Item = {id: 1, kind: 'tool', tool: {id: 'c', name: 'custom', args: {n: 10n}}};
    const app = render(
      <Box flexDirection="column">
        <DrawGuard>
          <ItemView item={item} />
        </DrawGuard>
        <Text>still here</Text>
      </Box>,
    );
    cleanups.push(() => app.unmount());
    await sleep(20);
    spy.mockRestore();
    expect(plain(app.lastFrame())).toMatch(/✗ could not draw this part of the screen: .*BigInt/);
    expect(plain(app.lastFrame())).toContain('still here');
  });
});

describe('assertInteractiveTerminal', () => {
  it('wants a terminal on stdin and stdout', () => {
    expect(() => assertInteractiveTerminal({isTTY: true}, {isTTY: true})).not.toThrow();
    expect(() => assertInteractiveTerminal({isTTY: false}, {isTTY: true})).toThrow(/stdin is not one/);
    try {
      assertInteractiveTerminal({}, {});
    } catch (e) {
      expect(e).toBeInstanceOf(JuneError);
      expect((e as JuneError).code).toBe('USAGE');
      expect((e as JuneError).hint).toMatch(/--task/);
    }
  });
});
