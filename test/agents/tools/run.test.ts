/** run_python / run_shell against the real session container; run_js in isolated-vm. */
import {chownSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import Dockerode from 'dockerode';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openToolExecutor} from '../../../src/agents/tools/index.js';
import {buildSandboxImage, openSessionContainer, sandboxImageStatus, type SessionContainer} from '../../../src/sandbox/index.js';
import {requireDocker} from '../../helpers/env.js';
import {call, context, ran, refused, tempWorkspace} from './helpers.js';

let ws: ReturnType<typeof tempWorkspace>;
let sc: SessionContainer;

beforeAll(async () => {
  await requireDocker();
  if (!(await sandboxImageStatus()).present) await buildSandboxImage({onProgress: (l) => process.stderr.write(`sandbox build: ${l}\n`)});
  ws = tempWorkspace();
  if (process.getuid?.() === 0) chownSync(ws.dir, 12345, 12345);
  sc = await openSessionContainer({workspace: ws.dir});
});
afterAll(async () => {
  await sc?.close();
  ws?.cleanup();
});

const ctx = (over = {}) => context(ws.dir, {executor: sc, ...over});

describe('run_python and run_shell in the session container', () => {
  it('run_python code: output, exit code, files land in the workspace', async () => {
    const r = await ran(ctx(), 'run_python', {code: "open('out.txt', 'w').write('from python')\nprint('hi')"});
    expect(r.describe).toBe("run_python: open('out.txt', 'w').write('from python') …");
    expect(r.preview).toBe("open('out.txt', 'w').write('from python')\nprint('hi')");
    expect(r.result.ok).toBe(true);
    expect(r.result.output).toMatch(/^hi\n\[exit code 0, \d+\.\d\d s\]$/);
    expect(readFileSync(join(ws.dir, 'out.txt'), 'utf8')).toBe('from python');
    const bad = await ran(ctx(), 'run_python', {code: 'print("before")\n1/0'});
    expect(bad.result.ok).toBe(false);
    expect(bad.result.output).toMatch(/^before\nTraceback[\s\S]*ZeroDivisionError: division by zero\n\[exit code 1, /);
  });

  it('run_python file: runs a workspace file written by write_file; long code goes on stdin', async () => {
    await ran(ctx(), 'write_file', {path: 'pkg/hello.py', content: 'import sys\nprint("hello", sys.argv[0])\n'});
    const r = await ran(ctx(), 'run_python', {file: 'pkg/hello.py'});
    expect(r.preview).toBe('python3 pkg/hello.py');
    expect(r.result.output).toMatch(/^hello pkg\/hello.py\n\[exit code 0/);
    const long = await ran(ctx(), 'run_python', {code: `# ${'x'.repeat(150_000)}\nprint(len(open(0).read()) if False else 'long ok')`});
    expect(long.result.output).toMatch(/^long ok\n\[exit code 0/);
  });

  it('run_python refuses neither/both, a missing or outside file', async () => {
    expect(await refused(ctx(), 'run_python', {})).toBe('give exactly one of code (Python source) or file (a .py path in the workspace)');
    expect(await refused(ctx(), 'run_python', {code: 'print(1)', file: 'a.py'})).toMatch(/exactly one of code/);
    expect(await refused(ctx(), 'run_python', {file: 'nope.py'})).toMatch(/no such file in the workspace/);
    expect(await refused(ctx(), 'run_python', {file: '../outside/x.py'})).toMatch(/outside the workspace/);
    expect(await refused(ctx(), 'run_python', {code: '  '})).toBe('code is empty');
  });

  it('run_shell: bash, exit codes, timeouts', async () => {
    const r = await ran(ctx(), 'run_shell', {command: 'echo $((6 * 7)); touch s.txt; ls s.txt; exit 3'});
    expect(r.result.ok).toBe(false);
    expect(r.result.output).toMatch(/^42\ns.txt\n\[exit code 3, /);
    const t = await ran(ctx({commandTimeoutMs: 500}), 'run_shell', {command: 'echo start; sleep 20'});
    expect(t.result.ok).toBe(false);
    // (bash may report its child's SIGKILL as "Killed" before it dies too)
    expect(t.result.output).toMatch(/^start\n(Killed\n)?\[timed out after 0\.50 s: the command was killed; make it faster or run less at once\]$/);
    const quiet = await ran(ctx(), 'run_shell', {command: 'true'});
    expect(quiet.result.output).toMatch(/^\(no output\)\n\[exit code 0/);
  });

  it('the output budget cuts a huge result for the model; the outcome keeps it whole', async () => {
    const r = await ran(ctx(), 'run_shell', {command: 'seq 1 100000'});
    expect(r.result.truncated).toBe(true);
    expect(Buffer.byteLength(r.result.output)).toBeLessThan(17 * 1024);
    expect(r.result.output).toMatch(/^1\n2\n3\n/);
    expect(r.result.output).toMatch(/99999\n100000\n\[exit code 0, [^\n]*$/);
    expect(r.outcome.output.split('\n')).toHaveLength(100_001);
  });

  it('openToolExecutor: the session container, or null with how to start Docker', async () => {
    const none = await openToolExecutor({workspace: ws.dir, docker: new Dockerode({socketPath: join(ws.dir, 'no.sock')})});
    expect(none).toEqual({executor: null, available: false, detail: expect.stringMatching(/^run_python and run_shell need the Docker sandbox: .*no Docker engine answers.*\(start it/)});
    const ctxNone = context(ws.dir, {executor: none.executor, executorUnavailable: none.detail});
    expect(await refused(ctxNone, 'run_shell', {command: 'ls'})).toBe(none.detail);
    const real = await openToolExecutor({workspace: ws.dir});
    try {
      expect(real).toMatchObject({available: true, detail: expect.stringMatching(/^session container [0-9a-f]{12}: the workspace at \/workspace, commands as uid:gid \d+:\d+, no network$/)});
    } finally {
      await real.executor?.close();
    }
  });

  it('without a sandbox, run_* calls are refused with the reason', async () => {
    const none = context(ws.dir, {executor: null, executorUnavailable: 'no Docker engine answers: start it (`sudo systemctl start docker`)'});
    expect(await refused(none, 'run_shell', {command: 'ls'})).toBe('no Docker engine answers: start it (`sudo systemctl start docker`)');
    expect(await refused(none, 'run_python', {code: 'print(1)'})).toMatch(/no Docker engine/);
  });
});

describe('run_js', () => {
  it('captures console.log; errors, timeouts and missing Node APIs are results', async () => {
    const c = context(ws.dir);
    const ok = await ran(c, 'run_js', {code: 'const f = (n) => n < 2 ? n : f(n - 1) + f(n - 2);\nconsole.log(f(20), [1, 2]);'});
    expect(ok.result).toMatchObject({ok: true});
    expect(ok.result.output).toMatch(/^6765 \[1,2\]\n\[ok, \d+ ms\]$/);
    const err = await ran(c, 'run_js', {code: 'console.log("a"); null.x;'});
    expect(err.result.ok).toBe(false);
    expect(err.result.output).toMatch(/^a\n\[error: .*null/);
    const node = await ran(c, 'run_js', {code: 'console.log(typeof require, typeof process, typeof fetch)'});
    expect(node.result.output).toMatch(/^undefined undefined undefined\n/);
    const loop = await ran(context(ws.dir, {commandTimeoutMs: 200}), 'run_js', {code: 'for (;;) {}'});
    expect(loop.result).toMatchObject({ok: false, output: '(no output)\n[timed out after 200 ms: the snippet was stopped]'});
    expect((await call(c, 'run_js', {})).status).toBe('invalid');
  });
});
