/**
 * The coding agent's session container against the real Docker engine: hardening read back from
 * the engine, commands as the workspace owner, no network, no host environment, time limits, the
 * output cap, only the workspace mounted, and no container left behind (close, abort, kill -9).
 */
import {chownSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import Dockerode from 'dockerode';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildSandboxImage, openSessionContainer, sandboxImageStatus, type SessionContainer} from '../../src/sandbox/index.js';
import {LABEL, LABEL_OWNER_PID, LABEL_SESSION} from '../../src/sandbox/docker.js';
import {repoRoot, requireDocker} from '../helpers/env.js';
import {caughtJuneError} from '../helpers/errors.js';

const SECRET = 'june-session-test-secret-b5c1';
let base: string;
let ws: string;
let sc: SessionContainer;
/** When june runs as root the workspace gets another owner, so "runs as the owner" is not "runs as root". */
const OWNER = process.getuid?.() === 0 ? {uid: 12345, gid: 12346} : {uid: process.getuid!(), gid: process.getgid!()};

async function containerExists(id: string): Promise<boolean> {
  const r = await execa('docker', ['inspect', '--format', '{{.State.Status}}', id], {reject: false});
  return r.exitCode === 0;
}

async function gone(id: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!(await containerExists(id))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

beforeAll(async () => {
  await requireDocker();
  if (!(await sandboxImageStatus()).present) await buildSandboxImage({onProgress: (l) => process.stderr.write(`sandbox build: ${l}\n`)});
  base = realpathSync(mkdtempSync(join(tmpdir(), 'june-session-')));
  ws = join(base, 'ws');
  mkdirSync(ws);
  writeFileSync(join(base, 'host-only-marker.txt'), 'not for the container');
  if (process.getuid?.() === 0) chownSync(ws, OWNER.uid, OWNER.gid);
  process.env.JUNE_SESSION_TEST_SECRET = SECRET;
  sc = await openSessionContainer({workspace: ws, outputBytes: 64 * 1024});
});

afterAll(async () => {
  delete process.env.JUNE_SESSION_TEST_SECRET;
  await sc?.close();
  if (base) rmSync(base, {recursive: true, force: true});
});

const py = (code: string, timeoutMs = 20_000) => sc.run(['python3', '-c', code], {timeoutMs});

describe('session container (real Docker)', () => {
  it('is hardened like the scoring containers, with no capability added back and only the workspace mounted', async () => {
    const l = await sc.limits();
    expect(l).toMatchObject({networkMode: 'none', networkDisabled: true, readonlyRootfs: true, init: true, logDriver: 'none', privileged: false, pidsLimit: 256});
    expect(l.capDrop).toEqual(['ALL']);
    expect(l.capAdd).toEqual([]);
    expect(l.securityOpt).toEqual(['no-new-privileges']);
    expect(l.memorySwapBytes).toBe(l.memoryBytes);
    expect(l.nanoCpus).toBeGreaterThan(0);
    expect(l.tmpfs['/tmp']).toMatch(/noexec/);
    expect(l.mountPoints).toEqual([{type: 'bind', source: ws, destination: '/workspace', rw: true}]);
    const labels = (await new Dockerode().getContainer(sc.id).inspect()).Config.Labels;
    expect(labels).toMatchObject({[LABEL]: '1', [LABEL_SESSION]: '1', [LABEL_OWNER_PID]: String(process.pid)});
    // and from inside: the effective capability set is empty
    const caps = await sc.run(['sh', '-c', 'grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status'], {timeoutMs: 10_000});
    expect(caps.output).toMatch(/CapEff:\t0000000000000000/);
    expect(caps.output).toMatch(/CapBnd:\t0000000000000000/);
  });

  it('runs as the workspace owner: what a command writes belongs to the user', async () => {
    expect(sc.user).toBe(`${OWNER.uid}:${OWNER.gid}`);
    const r = await py("import os; open('made.txt', 'w').write('hi'); print(os.getuid(), os.getgid(), os.getcwd())");
    expect(r).toMatchObject({exitCode: 0, timedOut: false});
    expect(r.output).toBe(`${OWNER.uid} ${OWNER.gid} /workspace\n`);
    const st = statSync(join(ws, 'made.txt'));
    expect([st.uid, st.gid]).toEqual([OWNER.uid, OWNER.gid]);
  });

  it('has no network', async () => {
    const r = await py("import socket\ns = socket.socket()\ns.settimeout(3)\ntry:\n    s.connect(('1.1.1.1', 53))\n    print('CONNECTED')\nexcept OSError as e:\n    print('refused:', e)");
    expect(r.output).toMatch(/^refused: .*(unreachable|Network)/);
    const ifs = await sc.run(['ls', '/sys/class/net'], {timeoutMs: 10_000});
    expect(ifs.output.trim()).toBe('lo');
  });

  it('the host environment never enters: only PATH, LANG, HOME and PYTHONDONTWRITEBYTECODE (no secret)', async () => {
    expect(process.env.JUNE_SESSION_TEST_SECRET).toBe(SECRET);
    const r = await py('import os; print(sorted(os.environ.items()))');
    expect(r.output).not.toContain(SECRET);
    const keys = Object.fromEntries(JSON.parse(r.output.trim().replaceAll("'", '"').replaceAll('(', '[').replaceAll(')', ']')) as [string, string][]);
    // the engine adds HOSTNAME (the container id), the wrapper shell PWD (/workspace)
    expect(Object.keys(keys).sort()).toEqual(['HOME', 'HOSTNAME', 'LANG', 'PATH', 'PWD', 'PYTHONDONTWRITEBYTECODE']);
    expect(keys.HOME).toBe('/tmp');
  });

  it('a path outside /workspace is not there: the host dir beside the workspace, the host root', async () => {
    const r = await py(
      "import os\nfound = []\nfor d, subs, files in os.walk('/'):\n    if d.startswith(('/proc', '/sys', '/dev')):\n        subs[:] = []\n        continue\n    if 'host-only-marker.txt' in files: found.append(d)\nprint(found, os.listdir('/workspace/..') == os.listdir('/'))",
      30_000,
    );
    expect(r.output).toBe('[] True\n');
  });

  it('a timeout kills the command (inside and its background children) and says so', async () => {
    const r = await sc.run(['sh', '-c', 'sleep 30 & sleep 30'], {timeoutMs: 700});
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBe(137);
    expect(r.ms).toBeLessThan(5000);
    // a background process a command leaves is killed when the command ends
    const bg = await sc.run(['sh', '-c', 'sleep 61 >/dev/null 2>&1 & echo started'], {timeoutMs: 10_000});
    expect(bg).toMatchObject({exitCode: 0, output: 'started\n', timedOut: false});
    const procs = await py("import os\nprint([p for p in os.listdir('/proc') if p.isdigit() and open(f'/proc/{p}/cmdline', 'rb').read() == b'sleep\\x0061\\x00'])");
    expect(procs.output).toBe('[]\n');
    // the container is still usable
    expect((await py('print(2 + 2)')).output).toBe('4\n');
  });

  it('a fork bomb hits the pids limit, is killed at its time limit and leaves nothing behind', async () => {
    const r = await sc.run(['bash', '-c', 'bomb() { bomb | bomb & }; bomb; sleep 30'], {timeoutMs: 2000});
    expect(r.timedOut).toBe(true);
    const left = await py("import os\nprint(sorted(open(f'/proc/{p}/comm').read().strip() for p in os.listdir('/proc') if p.isdigit()))");
    // init, the main process, and this command (its wrapper shell, timeout, python): no bash left
    expect(left.output).toBe("['docker-init', 'python3', 'sh', 'sh', 'timeout']\n");
  });

  it('caps output (head and tail kept, everything counted), interleaves stderr, passes stdin', async () => {
    const r = await py("import sys\nsys.stdout.write('A' * 500_000 + 'END\\n')\nsys.stdout.flush()\nsys.stderr.write('oops\\n')");
    expect(r.outputBytes).toBe(500_000 + 4 + 5);
    expect(r.output.length).toBeLessThan(64 * 1024 + 200);
    expect(r.output).toMatch(/\[… \d+ bytes left out by the sandbox's output cap …\]/);
    // stderr joins stdout on one pipe inside the container: the order is the order written
    expect(r.output.slice(-20)).toBe('AAAAAAAAAAAEND\noops\n');
    const s = await sc.run(['python3', '-'], {stdin: 'print(6 * 7)\n', timeoutMs: 10_000});
    expect(s).toMatchObject({exitCode: 0, output: '42\n'});
    const fail = await py('raise SystemExit(3)');
    expect(fail.exitCode).toBe(3);
  });

  it('an abort signal kills the running command', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const t0 = Date.now();
    const r = await sc.run(['sleep', '30'], {timeoutMs: 30_000, signal: ac.signal});
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r).toMatchObject({exitCode: null, timedOut: false});
    expect((await py('print(1)')).output).toBe('1\n');
  });

  it('close removes the container; a closed session refuses to run', async () => {
    const other = await openSessionContainer({workspace: ws});
    expect(await containerExists(other.id)).toBe(true);
    await other.close();
    expect(await gone(other.id, 5000)).toBe(true);
    expect((await caughtJuneError(other.run(['true'], {timeoutMs: 1000}))).code).toBe('SANDBOX_FAILURE');
  });


  it('Ctrl-C aborts the open signal, and a close() after it still waits until the container is removed', async () => {
    const ac = new AbortController();
    const other = await openSessionContainer({workspace: ws, signal: ac.signal});
    ac.abort(); // the listener starts the removal; the command's own close() comes right after it
    await other.close();
    expect(await containerExists(other.id)).toBe(false);
  });
  it('no container outlives a june process killed with -9', async () => {
    const dist = join(repoRoot, 'dist', 'sandbox', 'session.js');
    if (!existsSync(dist)) throw new Error('dist/ is missing: npm run build first (npm test does)');
    const child = execa(process.execPath, ['--input-type=module', '-e', `const {openSessionContainer} = await import(${JSON.stringify(dist)}); const s = await openSessionContainer({workspace: ${JSON.stringify(ws)}}); console.log(s.id); setInterval(() => {}, 1000);`], {reject: false});
    const id = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim()));
      void child.then((r) => reject(new Error(`child exited: ${String(r.stderr)}`)));
    });
    expect(await containerExists(id)).toBe(true);
    child.kill('SIGKILL');
    await child;
    expect(await gone(id, 10_000)).toBe(true);
  });

  it('a root-owned workspace runs commands as root with no capabilities; a leftover-process sweep spares the container', async () => {
    if (process.getuid?.() !== 0) return expect(sc.user).not.toBe('0:0');
    const rootWs = join(base, 'root-ws');
    mkdirSync(rootWs);
    const s = await openSessionContainer({workspace: rootWs});
    try {
      expect(s.user).toBe('0:0');
      const r = await s.run(['sh', '-c', 'sleep 50 & id -u; grep CapEff /proc/self/status; touch /etc/x 2>&1; true'], {timeoutMs: 10_000});
      expect(r.output).toMatch(/^0\nCapEff:\t0000000000000000\ntouch: cannot touch '\/etc\/x': Read-only file system\n$/);
      expect((await s.run(['echo', 'still here'], {timeoutMs: 10_000})).output).toBe('still here\n');
    } finally {
      await s.close();
    }
  });

  it('no Docker engine: DOCKER_UNAVAILABLE; a missing workspace: FILE_NOT_FOUND', async () => {
    const e = await caughtJuneError(openSessionContainer({workspace: ws, docker: new Dockerode({socketPath: join(base, 'no-docker.sock')})}));
    expect(e.code).toBe('DOCKER_UNAVAILABLE');
    expect(e.hint).toMatch(/start it/);
    expect((await caughtJuneError(openSessionContainer({workspace: join(base, 'nope')}))).code).toBe('FILE_NOT_FOUND');
  });
});
