/**
 * `june coding-agent --interactive` in a real terminal: tmux panes driven with send-keys and read
 * with capture-pane, the agent talking to a scripted OpenAI-compatible model on 127.0.0.1 (it
 * decides each reply from the conversation it is sent), and once to the tiny GGUF.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {repoRoot, requireDocker, requireTinyModel, runJune, tempHome} from '../../helpers/env.js';
import {type ScriptedModel, meta, startScriptedModel} from '../../helpers/scripted-model.js';
import {openTerminal, requireTmux, type Terminal} from './tmux.js';

const HELLO = 'print("hi")\n';
const STORY = Array.from({length: 300}, (_, i) => `word${i}`).join(' ');

let server: ScriptedModel;
let home: {home: string; cleanup: () => void};
const terminals: Terminal[] = [];
const dirs: string[] = [];

function workspace(): string {
  const d = mkdtempSync(join(tmpdir(), 'june-tui-ws-'));
  dirs.push(d);
  return d;
}

function agent(ws: string, extra: string[] = [], size: {cols?: number; rows?: number} = {}): Terminal {
  const t = openTerminal(
    [process.execPath, join(repoRoot, 'bin', 'run.js'), 'coding-agent', '--interactive', '--endpoint', server.url, '--workspace', ws, '--no-build', ...extra],
    {...size, env: {JUNE_HOME: home.home, PATH: process.env.PATH ?? ''}, cwd: ws},
  );
  terminals.push(t);
  return t;
}

beforeAll(async () => {
  requireTmux();
  home = tempHome('june-tui-');
  server = await startScriptedModel((_req, view) => {
    meta(view);
    const last = view.recentResults().at(-1);
    const task = view.lastUser() ?? '';
    if (/^stream/.test(task)) return {text: STORY, chunkDelayMs: 25};
    if (/^sleepy/.test(task)) return last ? {text: `after the run: ${last.content.slice(0, 60)}`} : {call: {name: 'run_shell', arguments: {command: 'sleep 30'}}};
    if (/refuse/.test(task)) {
      if (!last) return {call: {name: 'write_file', arguments: {path: 'secret.py', content: 'x = 1\n'}}};
      return {text: 'Understood: I did not write secret.py.'};
    }
    if (/hello/.test(task)) {
      if (!last) return {text: 'I will write hello.py.', call: {name: 'write_file', arguments: {path: 'hello.py', content: HELLO}}};
      const path = (last.args as {path?: string} | null)?.path;
      if (last.name === 'write_file' && path === 'hello.py') return {call: {name: 'write_file', arguments: {path: 'test_hello.py', content: 'import hello\n'}}};
      if (last.name === 'write_file' && path === 'test_hello.py') return {call: {name: 'write_file', arguments: {path: 'notes.txt', content: 'notes\n'}}};
      if (last.name === 'write_file') return {call: {name: 'read_file', arguments: {path: 'hello.py'}}};
      if (last.name === 'read_file') return {call: {name: 'run_python', arguments: {file: 'hello.py'}}};
      return {text: 'All done: hello.py prints hi.', chunkDelayMs: 5};
    }
    return {text: `You said: ${task.slice(0, 40)}`};
  });
});

afterAll(async () => {
  for (const t of terminals) t.close();
  await server?.close();
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
  home?.cleanup();
});

describe('june coding-agent --interactive in tmux (scripted model)', () => {
  it('plan, a write with its diff approved with y, `a` for the rest of the class, a run and its output, the answer, /undo, /exit 0', async () => {
    await requireDocker();
    const ws = workspace();
    const t = agent(ws);
    await t.waitFor(/step 0\/30/, 30_000, 'the status line');
    await t.line('hello: create hello.py that prints hi');
    // the plan (live checklist) and the first write's approval with its diff
    let s = await t.waitFor((x) => /\[y\] yes/.test(x) && /hello\.py/.test(x), 20_000, 'the approval prompt');
    expect(s).toMatch(/plan \(\d\/3\)/);
    expect(s).toContain('look at the workspace');
    expect(s).toMatch(/\+print\("hi"\)/);
    expect(s).toMatch(/\[n\] no {2}\[a\] always for write this session/);
    expect(existsSync(join(ws, 'hello.py'))).toBe(false);
    t.keys('y');
    s = await t.waitFor((x) => /test_hello\.py/.test(x) && /\[y\] yes/.test(x), 20_000, 'the second approval');
    expect(readFileSync(join(ws, 'hello.py'), 'utf8')).toBe(HELLO);
    expect(s).toMatch(/✓ write_file hello\.py .*\[approved\]/);
    t.keys('a');
    // notes.txt is written without asking; the read's output shows; the run asks, runs in the
    // session container, and its output appears; then the final answer
    s = await t.waitFor(/\$ python3 hello\.py|run_python[\s\S]*\[y\] yes/, 30_000, 'the run approval');
    expect(s).toMatch(/\[a\] always for execute this session/);
    t.keys('y');
    await t.waitFor(/All done: hello\.py prints hi\./, 20_000, 'the final answer');
    s = await t.waitFor(/✓ finished/, 10_000, 'the done line');
    expect(existsSync(join(ws, 'notes.txt'))).toBe(true);
    expect(s).toMatch(/✓ write_file test_hello\.py .*\[approved \(always\)\]/);
    expect(s).toMatch(/✓ write_file notes\.txt \(1 lines, 6 B\) \d+ ms/);
    expect(s).toMatch(/✓ read_file hello\.py/);
    expect(s).toMatch(/print\("hi"\)/);
    expect(s).toMatch(/✓ run_python hello\.py \[approved\] [\d.]+ m?s\n\s+hi\n/);
    // the answer is streamed once, whole
    expect(s.match(/All done: hello\.py prints hi\./g)?.length).toBe(1);
    await t.line('/undo');
    await t.waitFor(/undone 1 write: restored notes\.txt/, 10_000, 'the undo');
    expect(existsSync(join(ws, 'notes.txt'))).toBe(false);
    expect(existsSync(join(ws, 'hello.py'))).toBe(true);
    await t.line('/exit');
    expect(await t.waitExit()).toBe(0);
    expect(t.screen()).toMatch(/session \S+ closed/);
  });

  it('--resume last draws the earlier conversation', async () => {
    const t = agent(workspace(), ['--resume', 'last']);
    const s = await t.waitFor(/step \d+\/30/, 30_000, 'the status line');
    expect(s).toContain('(resumed)');
    expect(s).toContain('hello: create hello.py that prints hi');
    expect(s).toMatch(/All done: hello\.py prints hi\./);
    t.keys('C-d');
    expect(await t.waitExit()).toBe(0);
  });

  it('`n` refuses (no file); Ctrl-C stops a streamed reply and the prompt comes back; 60 columns keep the status line whole', async () => {
    const ws = workspace();
    const t = agent(ws, [], {cols: 60, rows: 30});
    await t.waitFor(/step 0\/30/, 30_000, 'the status line');
    await t.line('refuse: write secret.py');
    await t.waitFor(/\[y\] yes/, 20_000, 'the approval prompt');
    t.keys('n');
    let s = await t.waitFor(/I did not write secret\.py[\s\S]*✓ finished/, 20_000, 'the answer after the refusal');
    expect(existsSync(join(ws, 'secret.py'))).toBe(false);
    expect(s).toMatch(/✗ write_file secret\.py .*\[refused\]/);

    await t.line('stream a long story');
    await t.waitFor(/word20 /, 20_000, 'streamed words');
    t.keys('C-c');
    s = await t.waitFor(/■ interrupted/, 10_000, 'the interrupted turn');
    // the reply stopped: no more words arrive, and the prompt is back (not "working")
    const words = (x: string) => Math.max(...[...x.matchAll(/word(\d+)/g)].map((m) => Number(m[1])));
    const stoppedAt = words(s);
    expect(stoppedAt).toBeLessThan(299);
    await new Promise((r) => setTimeout(r, 600));
    const screen = t.screen();
    expect(words(t.all())).toBeLessThanOrEqual(stoppedAt + 2);
    expect(screen).not.toContain('working — Ctrl-C cancels');
    expect(screen).toMatch(/^› /m);
    // the status line: one line, narrower than the terminal, every line of the screen fits
    const status = screen.split('\n').filter((l) => /step \d+\/30/.test(l));
    expect(status).toHaveLength(1);
    expect(status[0]).toMatch(/^scripted\S* · .*tok\/s · ctx \S+ · step \d+\/30 · \S+$/);
    expect(status[0]!.length).toBeLessThan(60);
    for (const l of screen.split('\n')) expect(l.length).toBeLessThanOrEqual(60);
    // the session goes on after the cancel
    await t.line('ping');
    await t.waitFor(/You said: ping[\s\S]*✓ finished/, 20_000, 'a reply after the cancel');
    await t.line('/nonsense');
    await t.waitFor(/unknown command \/nonsense — \/help lists the commands/, 5000);
    await t.line('/exit');
    expect(await t.waitExit()).toBe(0);
  });

  it('Ctrl-C during a tool run cancels the run (the container command stops) and keeps the session', async () => {
    await requireDocker();
    const t = agent(workspace());
    await t.waitFor(/step 0\/30/, 30_000, 'the status line');
    await t.line('sleepy: wait a while');
    const s = await t.waitFor(/\[y\] yes/, 20_000, 'the run approval');
    expect(s).toContain('$ sleep 30');
    t.keys('y');
    await t.waitFor(/… run_shell sleep 30/, 10_000, 'the run in flight');
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    t.keys('C-c');
    await t.waitFor(/■ interrupted/, 15_000, 'the interrupted turn');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(t.screen()).not.toContain('working — Ctrl-C cancels');
    await t.line('ping');
    await t.waitFor(/You said: ping[\s\S]*✓ finished/, 20_000, 'a reply after the cancel');
    await t.line('/exit');
    expect(await t.waitExit()).toBe(0);
  });

  it('Ctrl-C twice on an empty prompt quits with 0', async () => {
    const t = agent(workspace());
    await t.waitFor(/step 0\/30/, 30_000, 'the status line');
    t.keys('C-c');
    await t.waitFor(/Ctrl-C again to quit/, 5000);
    t.keys('C-c');
    expect(await t.waitExit()).toBe(0);
  });

  it('quitting while a reply runs exits 130 and closes the session', async () => {
    const t = agent(workspace());
    await t.waitFor(/step 0\/30/, 30_000, 'the status line');
    await t.line('stream another story');
    await t.waitFor(/word10 /, 20_000, 'streamed words');
    t.keys('C-d');
    expect(await t.waitExit()).toBe(130);
  });
});

describe('june coding-agent --interactive without a terminal', () => {
  it('says so in one line and exits 2, pointing at --task', async () => {
    const r = await runJune(['coding-agent', '--interactive', '--endpoint', server.url], {home: home.home});
    expect(r.exitCode).toBe(2);
    const lines = String(r.stderr).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/USAGE.*terminal.*--task/);
  });
});

describe('june coding-agent --interactive in tmux (tiny GGUF)', () => {
  it('runs a real model turn to its end under the TUI and quits with /exit', async () => {
    const model = requireTinyModel();
    const ws = workspace();
    const t = openTerminal(
      [process.execPath, join(repoRoot, 'bin', 'run.js'), 'coding-agent', '--interactive', '--model', model, '--workspace', ws, '--no-build', '--max-steps', '3', '--reply-tokens', '48', '--max-revisions', '0'],
      {env: {JUNE_HOME: home.home, PATH: process.env.PATH ?? ''}, cwd: ws},
    );
    terminals.push(t);
    await t.waitFor(/step 0\/3/, 60_000, 'the status line');
    await t.line('say hi');
    // the tiny model's calls are real; refuse whatever asks, until the turn ends
    const end = /[✓■] (finished|max steps|max tokens|loop|invalid tool calls|checks failed|error|timeout) ·/;
    const deadline = Date.now() + 90_000;
    let s = t.all();
    while (!end.test(s)) {
      if (Date.now() > deadline) throw new Error(`the turn did not end:\n${s}`);
      if (/\[y\] yes/.test(t.screen())) t.keys('n');
      await new Promise((r) => setTimeout(r, 200));
      s = t.all();
    }
    expect(s).toMatch(/llama-2-tiny-random|tiny/);
    expect(s).toMatch(/tok\/s/);
    await t.line('/exit');
    expect(await t.waitExit()).toBe(0);
  }, 180_000);
});
