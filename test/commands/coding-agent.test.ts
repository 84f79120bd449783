/**
 * `june coding-agent` end to end, as a user runs it: the built CLI, a real Docker session
 * container for run_python/run_shell and the checks, and either a scripted model (an
 * OpenAI-compatible server on 127.0.0.1 answering from the conversation) or the tiny GGUF for real
 * constrained calls.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execa} from 'execa';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {AgentEventSchema, type AgentEvent} from '../../src/agents/events.js';
import {repoRoot, requireDocker, requireTinyModel, runJune, sharedDir, tempHome} from '../helpers/env.js';
import {type ScriptedModel, meta, startScriptedModel} from '../helpers/scripted-model.js';

let server: ScriptedModel;
let home: {home: string; cleanup: () => void};
const dirs: string[] = [];

beforeAll(async () => {
  await requireDocker();
  server = await startScriptedModel(() => ({text: 'unset'}));
  home = tempHome();
  // the session container needs the sandbox image: build it once (cached by content hash)
  const b = await runJune(['sandbox', 'build', '--json'], {home: home.home, timeout: 600_000});
  expect(b.exitCode, String(b.stderr)).toBe(0);
}, 700_000);
afterAll(async () => {
  await server?.close();
  home?.cleanup();
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
});

function workspace(): string {
  const d = mkdtempSync(join(tmpdir(), 'june-agent-cli-'));
  dirs.push(d);
  return d;
}

function events(stdout: string): AgentEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => AgentEventSchema.parse(JSON.parse(l)));
}

/** Session containers a june process owns (labelled with its pid), or all of them. */
async function containersOf(ownerPid?: number): Promise<number> {
  const filters = ['--filter', 'label=june.sandbox.session', ...(ownerPid !== undefined ? ['--filter', `label=june.sandbox.owner-pid=${ownerPid}`] : [])];
  const r = await execa('docker', ['ps', '-aq', ...filters], {reject: false});
  return String(r.stdout).split('\n').filter(Boolean).length;
}

describe('june coding-agent (headless)', () => {
  it('create hello.py that prints hi and run it: writes it, runs it in the sandbox, finishes (scripted model)', async () => {
    server.setScript((_req, v) => {
      meta(v);
      const r = v.recentResults();
      if (r.length === 0) return {call: {name: 'write_file', arguments: {path: 'hello.py', content: 'print("hi")\n'}}};
      if (r.length === 1) return {call: {name: 'run_python', arguments: {file: 'hello.py'}}};
      return {text: `hello.py prints: ${r[1]!.content.trim()}`};
    });
    const ws = workspace();
    const r = await runJune(['coding-agent', '--task', 'create hello.py that prints hi and run it', '--approve', 'auto', '--json', '--endpoint', server.url, '--workspace', ws], {home: home.home});
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const ev = events(String(r.stdout));
    expect(ev[0]!.type).toBe('session_start');
    const done = ev.at(-1)!;
    expect(done).toMatchObject({type: 'done', reason: 'finished', toolCalls: 2});
    const results = ev.filter((e): e is Extract<AgentEvent, {type: 'tool_result'}> => e.type === 'tool_result');
    expect(results[1]!.ok).toBe(true);
    expect(results[1]!.output).toMatch(/^hi$/m);
    expect(readFileSync(join(ws, 'hello.py'), 'utf8')).toBe('print("hi")\n');
    // the container is gone once the session ends (the process that owned it has exited)
    expect(done.session).toMatch(/^s-/);
    // the transcript lists and shows it
    const list = await runJune(['sessions', 'list', '--json'], {home: home.home});
    expect(JSON.parse(String(list.stdout)).sessions.some((s: {id: string}) => s.id === done.session)).toBe(true);
    const show = await runJune(['sessions', 'show', done.session, '--json'], {home: home.home});
    const shown = JSON.parse(String(show.stdout)) as {files: Array<{path: string}>; events: unknown[]};
    expect(shown.files.map((f) => f.path)).toEqual(['hello.py']);
    // undo removes the file the agent created
    const undo = await runJune(['coding-agent', '--undo', done.session, '--json'], {home: home.home});
    expect(undo.exitCode, String(undo.stderr)).toBe(0);
    expect(JSON.parse(String(undo.stdout))).toMatchObject({restored: ['hello.py'], writes: 1});
    expect(existsSync(join(ws, 'hello.py'))).toBe(false);
  });

  it('a failing --check sends the agent back to execute with the failure; it fixes the file and finishes', async () => {
    server.setScript((_req, v) => {
      meta(v);
      const fixing = v.hasUser(/The checks failed/);
      const r = v.recentResults();
      if (r.length === 0) return {call: {name: 'write_file', arguments: {path: 'add.py', content: fixing ? 'def add(a, b):\n    return a + b\n' : 'def add(a, b):\n    return a - b\n'}}};
      return {text: fixing ? 'fixed add' : 'wrote add'};
    });
    const ws = workspace();
    writeFileSync(join(ws, 'test_add.py'), 'import unittest\nfrom add import add\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n\nunittest.main()\n');
    const r = await runJune(['coding-agent', '--task', 'write add(a, b) in add.py', '--approve', 'auto', '--json', '--endpoint', server.url, '--workspace', ws, '--check', 'python3 test_add.py'], {home: home.home});
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const ev = events(String(r.stdout));
    const reflections = ev.filter((e): e is Extract<AgentEvent, {type: 'reflection'}> => e.type === 'reflection');
    expect(reflections.map((x) => x.ok)).toEqual([false, true]);
    expect(reflections[0]!.checks[0]!.output).toMatch(/AssertionError|FAILED/);
    expect(ev.at(-1)).toMatchObject({type: 'done', reason: 'finished', revisions: 1});
    expect(readFileSync(join(ws, 'add.py'), 'utf8')).toMatch(/a \+ b/);
  });

  it('checks still failing after the revisions end the turn with checks_failed and exit 5', async () => {
    server.setScript((_req, v) => {
      meta(v);
      if (v.recentResults().length === 0) return {call: {name: 'write_file', arguments: {path: 'x.py', content: 'x = 1\n'}}};
      return {text: 'done'};
    });
    const ws = workspace();
    const r = await runJune(['coding-agent', '--task', 'go', '--approve', 'auto', '--json', '--endpoint', server.url, '--workspace', ws, '--check', 'exit 3', '--max-revisions', '1'], {home: home.home});
    expect(r.exitCode).toBe(5);
    expect(events(String(r.stdout)).at(-1)).toMatchObject({type: 'done', reason: 'checks_failed', revisions: 1});
  });

  it('the loop guard stops a repeating model with exit 5; text mode prints readable lines', async () => {
    server.setScript((_req, v) => {
      meta(v);
      return {call: {name: 'list_dir', arguments: {path: '.'}}};
    });
    const r = await runJune(['coding-agent', '--task', 'look', '--endpoint', server.url, '--workspace', workspace()], {home: home.home});
    expect(r.exitCode).toBe(5);
    const out = String(r.stdout);
    expect(out).toMatch(/^plan:/m);
    expect(out).toMatch(/^→ list_dir \./m);
    expect(out).toMatch(/^done: loop/m);
  });

  it('no Docker engine: the session starts, says so once on stderr, and run_* calls get a result naming how to start one', async () => {
    server.setScript((_req, v) => {
      meta(v);
      if (v.recentResults().length === 0) return {call: {name: 'run_shell', arguments: {command: 'echo hi'}}};
      return {text: 'could not run'};
    });
    const r = await runJune(['coding-agent', '--task', 'run echo', '--approve', 'auto', '--json', '--endpoint', server.url, '--workspace', workspace()], {
      home: home.home,
      env: {DOCKER_HOST: 'unix:///nonexistent/docker.sock'},
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stderr).match(/No sandbox for run_python\/run_shell/g)).toHaveLength(1);
    const ev = events(String(r.stdout));
    expect(ev[0]).toMatchObject({type: 'session_start', sandbox: {available: false}});
    const res = ev.find((e) => e.type === 'tool_result') as Extract<AgentEvent, {type: 'tool_result'}>;
    expect(res.ok).toBe(false);
    expect(res.output).toMatch(/docker|Docker/);
    expect(res.output).toMatch(/start|DOCKER_HOST/);
  });

  it('Ctrl-C mid-reply exits 130, keeps the transcript and removes the session container', async () => {
    server.setScript((_req, v) => {
      meta(v);
      return {text: 'thinking '.repeat(400), chunkDelayMs: 20};
    });
    const ws = workspace();
    const child = execa(process.execPath, [join(repoRoot, 'bin', 'run.js'), 'coding-agent', '--task', 'talk', '--json', '--endpoint', server.url, '--workspace', ws], {
      reject: false,
      env: {JUNE_HOME: home.home, NO_COLOR: '1'},
    });
    let session = '';
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (b: Buffer) => {
        for (const line of b.toString().split('\n')) {
          if (line.includes('"session_start"')) session = (JSON.parse(line) as {session: string}).session;
          if (line.includes('"message_delta"')) resolve();
        }
      });
    });
    expect(session).toMatch(/^s-/);
    expect(await containersOf(child.pid)).toBe(1);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    const ev = events(String(r.stdout));
    expect(ev.at(-1)).toMatchObject({type: 'done', reason: 'interrupted'});
    expect(String(r.stderr)).toMatch(/--resume s-/);
    expect(await containersOf(child.pid)).toBe(0);
    const show = await runJune(['sessions', 'show', session, '--json'], {home: home.home});
    expect(show.exitCode).toBe(0);
  });

  it('bad input: one line and a non-zero exit', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['coding-agent', '--task', 'x', '--workspace', '/nonexistent/dir', '--endpoint', server.url], 1, /WORKSPACE_INVALID/],
      [['coding-agent', '--endpoint', server.url], 2, /no task given/],
      [['coding-agent', '--task', 'x', '--approve', 'sudo', '--endpoint', server.url], 2, /--approve "sudo"/],
      [['coding-agent', '--task', 'x', '--max-steps', 'abc', '--endpoint', server.url], 2, /USAGE/],
      [['coding-agent', '--interactive', '--endpoint', server.url], 2, /needs a terminal/],
      [['coding-agent', '--task', 'x', '--model', 'no-such-model-xyz'], 1, /MODEL_UNKNOWN|MODEL_NOT_FOUND/],
      [['coding-agent', '--resume', 's-20200101-000000-abcd', '--task', 'x', '--endpoint', server.url], 1, /SESSION_NOT_FOUND/],
      [['coding-agent', '--task', 'x', '--endpoint', 'http://127.0.0.1:9'], 1, /ENDPOINT_UNREACHABLE/],
    ];
    for (const [args, code, re] of cases) {
      const r = await runJune(args, {home: home.home, cwd: workspace()});
      expect(r.exitCode, `${args.join(' ')}: ${String(r.stderr)}`).toBe(code);
      const lines = String(r.stderr).trim().split('\n');
      expect(lines.at(-1)).toMatch(re);
      expect(lines.at(-1)).toMatch(/^Error \(/);
    }
  });
});

describe('june coding-agent with the tiny GGUF (real constrained calls)', () => {
  it('emits schema-valid calls that really execute; budgets hold', async () => {
    requireTinyModel();
    const ws = workspace();
    const r = await runJune(
      // two tools with one short argument each, so the random model's calls close within the reply limit
      ['coding-agent', '--task', 'list the files, then run ls', '--approve', 'auto', '--json', '--model', join(sharedDir, 'models', 'llama-2-tiny-random.gguf'), '--workspace', ws, '--tools', 'list_dir,run_shell', '--max-steps', '3', '--max-revisions', '0', '--reply-tokens', '128', '--ctx-size', '2048', '--seed', '7', '--temperature', '0.8'],
      {home: home.home, timeout: 280_000},
    );
    const ev = events(String(r.stdout));
    const done = ev.at(-1) as Extract<AgentEvent, {type: 'done'}>;
    expect(done.type).toBe('done');
    expect([0, 5]).toContain(r.exitCode);
    expect(done.toolCalls).toBeGreaterThanOrEqual(1);
    expect(done.toolCalls).toBeLessThanOrEqual(4);
    // the first execute turn of a task is a call (the grammar offers no final answer), and every call gets a result
    const calls = ev.filter((e): e is Extract<AgentEvent, {type: 'tool_call'}> => e.type === 'tool_call');
    const results = ev.filter((e): e is Extract<AgentEvent, {type: 'tool_result'}> => e.type === 'tool_result');
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(results.map((x) => x.id)).toEqual(calls.map((c) => c.id));
    const names = ['list_dir', 'run_shell'];
    // a call the reply-token limit cut off is answered as invalid (it names its tool when the cut came after the name)
    for (const c of calls) expect([...names, '(cut off)']).toContain(c.name);
    for (const [i, c] of calls.entries()) if (!names.includes(c.name) || results[i]!.output.startsWith('Invalid tool call')) expect(results[i]!.ok).toBe(false);
    // whatever the random model wrote, it stayed inside the workspace
    const usage = ev.filter((e): e is Extract<AgentEvent, {type: 'usage'}> => e.type === 'usage');
    expect(usage.length).toBeGreaterThan(0);
    // no request was sent that could not fit: prompt + reply within the context, every time
    for (const u of usage) expect(u.contextUsed).toBeLessThanOrEqual(u.contextSize);
  }, 300_000);
});
