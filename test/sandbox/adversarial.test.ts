/**
 * Adversarial suite against the real Docker sandbox: each hostile sample gets a fail verdict (or
 * the flag) with the right reason, the harness stays alive, the host is untouched and the next
 * sample is judged normally. Samples use `posix` directly to step around the reliability guard
 * (which is fidelity, not the boundary), so the container and the uid are what is tested.
 * Before any bomb runs, the container's limits are read back from Docker; without them it refuses.
 */
import {existsSync, rmSync} from 'node:fs';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {SandboxProblem as Problem} from '../../src/sandbox/types.js';
import {buildSandboxImage, type DockerSandbox, openSandbox, sandboxImageStatus} from '../../src/sandbox/index.js';
import type {SampleVerdict, TestLimits} from '../../src/sandbox/types.js';
import {requireDocker} from '../helpers/env.js';

const REF = 'def add(a, b):\n    return a + b\n';
const io: Problem = {
  dataset: 'humaneval+',
  taskId: 'Adv/add',
  prompt: '',
  entryPoint: 'add',
  referenceProgram: REF,
  io: {baseInputs: [[1, 2], [3, 4]], plusInputs: [[10, 20], [1.5, 2.25]], atol: 0},
};
const script: Problem = {
  dataset: 'humaneval',
  taskId: 'Adv/add-script',
  prompt: '',
  entryPoint: 'add',
  referenceProgram: REF,
  scriptTests: ['assert add(1, 2) == 3', 'assert add(2, 2) == 4'],
};
/** human-eval style: the check code uses a helper from the (trusted) prompt. */
const HE_PROMPT = 'def helper(x):\n    return x * 2\n\n\ndef add(a, b):\n    """a + b"""\n';
const heScript: Problem = {
  dataset: 'humaneval',
  taskId: 'Adv/he-check',
  prompt: HE_PROMPT,
  entryPoint: 'add',
  referenceProgram: `${HE_PROMPT}    return a + b\n`,
  scriptTests: ['def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(helper(1), 0) == 2\n\ncheck(add)'],
};
/** MBPP style: test_setup_code, then one assert per test. */
const mbppScript: Problem = {
  dataset: 'mbpp',
  taskId: 'Adv/mbpp-asserts',
  prompt: '',
  entryPoint: 'add',
  referenceProgram: REF,
  scriptTests: ['import math\nassert add(1, 2) == 3', 'import math\nassert add(2, 2) == 4', 'import math\nassert add(math.floor(2.5), 1) == 3'],
};
const LIMITS: TestLimits = {minTimeLimitMs: 1000, timeFactor: 4, memoryBytes: 256 * 1024 ** 2, outputBytes: 4096, allInputs: false};
const HOST_SECRET = `june-adv-secret-${process.pid}`;
const HOST_FILE = `/tmp/june-adv-host-${process.pid}`;

let sb: DockerSandbox;

async function run(program: string, problem: Problem = io, limits: TestLimits = LIMITS): Promise<SampleVerdict> {
  return sb.evaluate(problem, {taskId: problem.taskId, program}, limits);
}

/** The harness is alive and judges the next (correct) sample normally, on both test models. */
async function nextSampleFine(): Promise<void> {
  const [a, b] = await Promise.all([run(REF), run(REF, script)]);
  expect(a.base.status).toBe('pass');
  expect(a.plus?.status).toBe('pass');
  expect(b.base.status).toBe('pass');
  expect(existsSync(HOST_FILE)).toBe(false);
  expect(existsSync('/pwned')).toBe(false);
}

function failed(v: SampleVerdict, reason: RegExp): void {
  expect(v.base.status === 'pass' && (v.plus === null || v.plus.status === 'pass')).toBe(false);
  const bad = v.base.status !== 'pass' ? v.base : v.plus!;
  expect(bad.reason ?? '').toMatch(reason);
}

describe('sandbox under attack (real Docker)', () => {
  beforeAll(async () => {
    await requireDocker();
    process.env.JUNE_ADV_SECRET = HOST_SECRET;
    if (!(await sandboxImageStatus()).present) await buildSandboxImage({onProgress: (l) => process.stderr.write(`sandbox build: ${l}\n`)});
    // one container with two slots: hostile and honest samples run side by side in it
    sb = await openSandbox({parallel: 2, containers: 1, memoryBytes: LIMITS.memoryBytes, cacheDir: `/tmp/june-adv-cache-${process.pid}`});
    // refuse to run bombs without the limits, read back from Docker itself
    const [l] = await sb.containerLimits();
    if (!l) throw new Error('no container');
    const ok =
      l.networkMode === 'none' &&
      l.capDrop.includes('ALL') &&
      l.capAdd.every((c) => ['SETUID', 'SETGID', 'KILL', 'CAP_SETUID', 'CAP_SETGID', 'CAP_KILL'].includes(c)) &&
      l.securityOpt.includes('no-new-privileges') &&
      l.readonlyRootfs &&
      (l.pidsLimit ?? 0) > 0 &&
      l.memoryBytes > 0 &&
      l.memorySwapBytes === l.memoryBytes &&
      l.nanoCpus > 0 &&
      l.init &&
      l.logDriver === 'none' &&
      l.binds.length === 0 &&
      l.mounts === 0 &&
      !l.privileged;
    if (!ok) throw new Error(`refusing to run bombs: container limits missing: ${JSON.stringify(l)}`);
  }, 400_000);

  afterAll(async () => {
    await sb?.close();
    rmSync(`/tmp/june-adv-cache-${process.pid}`, {recursive: true, force: true});
  });

  it('judges honest samples (control)', async () => {
    await nextSampleFine();
    const wrong = await run('def add(a, b):\n    return a - b\n');
    failed(wrong, /wrong answer/);
  });

  it('fork bomb: fails on its time limit, every process it left is killed', async () => {
    const v = await run('import posix\ndef add(a, b):\n    while True:\n        try:\n            posix.fork()\n        except OSError:\n            pass\n');
    failed(v, /time limit|timeout/);
    await nextSampleFine();
    const top = await execa('docker', ['top', sb.containerIds[0]!, '-eo', 'pid,user,comm'], {reject: false});
    // tini, runner, zygote (+ header): no sample process survived
    expect(String(top.stdout).trim().split('\n').length).toBeLessThanOrEqual(4);
  });

  it('fork bomb beside an honest sample: the honest one still passes', async () => {
    // they share the container's CPUs for the bomb's 1 s, so the honest sample gets a roomier floor
    const [bomb, good] = await Promise.all([
      run('import posix\ndef add(a, b):\n    while True:\n        try:\n            posix.fork()\n        except OSError:\n            pass\n'),
      run(REF, io, {...LIMITS, minTimeLimitMs: 10_000}),
    ]);
    failed(bomb, /time limit|timeout/);
    expect(good.base.status).toBe('pass');
    expect(good.plus?.status).toBe('pass');
  });

  it('memory bomb: MemoryError under the per-process cap', async () => {
    const v = await run('def add(a, b):\n    x = bytearray(8 * 1024 ** 3)\n    return a + b\n');
    failed(v, /MemoryError/);
    await nextSampleFine();
  });

  it('memory bomb in forked processes: killed by the cgroup, the runner survives', async () => {
    const v = await run(
      'import posix\ndef add(a, b):\n    for _ in range(8):\n        if posix.fork() == 0:\n            x = []\n            while True:\n                x.append(bytearray(64 * 1024 ** 2))\n    while True:\n        pass\n',
    );
    // depending on which process the cgroup squeezes first: killed, timed out, or a fork that
    // raises MemoryError in the sample itself — a fail verdict each time, the runner alive
    failed(v, /time limit|timeout|killed|MemoryError/);
    await nextSampleFine();
  });

  it('infinite loop: fails on the per-input limit', async () => {
    const v = await run('def add(a, b):\n    while True:\n        pass\n');
    failed(v, /time limit|timeout/);
    expect(v.timeLimitsMs.base.every((t) => t >= LIMITS.minTimeLimitMs)).toBe(true);
    await nextSampleFine();
  });

  it('signal-ignoring loop: killed by the runner, status timeout', async () => {
    const v = await run('import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n    signal.signal(s, signal.SIG_IGN)\ndef add(a, b):\n    while True:\n        pass\n');
    expect(v.base.status).toBe('timeout');
    expect(v.base.reason).toMatch(/timeout/);
    await nextSampleFine();
  });

  it('sleep past the limit: fails, script tests say timeout', async () => {
    failed(await run('import time\ndef add(a, b):\n    time.sleep(100)\n'), /time limit|timeout/);
    const s = await run('import time\ndef add(a, b):\n    time.sleep(100)\n', script);
    expect(s.base.status).toBe('timeout');
    await nextSampleFine();
  });

  it('100 MB on stdout: output capped, judged on its tests', async () => {
    const v = await run('import posix\ndef add(a, b):\n    for _ in range(100):\n        posix.write(1, b"x" * (1 << 20))\n    return -1\n');
    failed(v, /wrong answer/);
    expect((v.output ?? '').length).toBeLessThanOrEqual(2 * LIMITS.outputBytes);
    expect(v.outputBytes).toBeGreaterThan(LIMITS.outputBytes);
    await nextSampleFine();
  });

  it('write to / and to a host path: read-only root, no host mount', async () => {
    failed(await run('import io\ndef add(a, b):\n    io.open("/pwned", "w").write("x")\n    return a + b\n'), /OSError/);
    failed(await run(`import io\ndef add(a, b):\n    io.open(${JSON.stringify(HOST_FILE)}, "w").write("x")\n    io.open("/var/run/docker.sock", "rb")\n    return a + b\n`), /FileNotFoundError|OSError/);
    expect(existsSync('/pwned')).toBe(false);
    expect(existsSync(HOST_FILE)).toBe(false);
    await nextSampleFine();
  });

  it('files a sample writes are removed before the next sample', async () => {
    await run('import io, posix\ndef add(a, b):\n    io.open("/tmp/leftover", "w").write("x")\n    io.open("/dev/shm/leftover", "w").write("x")\n    return a + b\n');
    const probe = await run('import posix\ndef add(a, b):\n    print(sorted(posix.listdir("/tmp")), sorted(posix.listdir("/dev/shm")))\n    return -1\n');
    expect(probe.output).not.toMatch(/leftover/);
  });

  it('network access: none', async () => {
    failed(await run('import socket\ndef add(a, b):\n    socket.create_connection(("1.1.1.1", 53), timeout=2)\n    return a + b\n'), /OSError/);
    failed(await run('import socket\ndef add(a, b):\n    socket.getaddrinfo("deb.debian.org", 80)\n    return a + b\n'), /gaierror|OSError/);
    await nextSampleFine();
  });

  it("reading the host's environment: not there, and the runner's is unreadable", async () => {
    const v = await run(
      'import io, posix\ndef add(a, b):\n    s = repr(dict(posix.environ))\n    for p in ("/proc/1/environ", "/proc/1/cmdline"):\n        try:\n            s += io.open(p, "rb").read().decode("latin1")\n        except OSError as e:\n            s += repr(e)\n    for pid in posix.listdir("/proc"):\n        if pid.isdigit():\n            try:\n                s += io.open("/proc/%s/environ" % pid, "rb").read().decode("latin1")\n            except OSError:\n                pass\n    print(s)\n    return -1\n',
    );
    failed(v, /wrong answer/);
    expect(v.output).toBeTruthy();
    expect(v.output).not.toContain(HOST_SECRET);
    expect(v.output).not.toMatch(/JUNE_ADV_SECRET/);
    await nextSampleFine();
  });

  it('killing its parent and the runner: not permitted', async () => {
    failed(await run('import posix\ndef add(a, b):\n    posix.kill(posix.getppid(), 9)\n    return a + b\n'), /PermissionError/);
    failed(await run('import posix\ndef add(a, b):\n    posix.kill(1, 9)\n    return a + b\n'), /PermissionError/);
    const all = await run('import posix\ndef add(a, b):\n    me = posix.getpid()\n    for pid in range(1, 4096):\n        if pid != me:\n            try:\n                posix.kill(pid, 9)\n            except OSError:\n                pass\n    return -1\n');
    failed(all, /wrong answer/);
    await nextSampleFine();
    expect(sb.containersReplaced).toBe(0);
  });

  it('exit 0 early, SystemExit, os._exit(0): never a pass', async () => {
    failed(await run('import sys\nsys.exit(0)\n'), /SystemExit/);
    failed(await run('def add(a, b):\n    raise SystemExit(0)\n'), /SystemExit/);
    failed(await run('import posix\ndef add(a, b):\n    posix._exit(0)\n'), /process ended/);
    failed(await run('import sys\nsys.exit(0)\n', script), /SystemExit/);
    failed(await run('def add(a, b):\n    import posix\n    posix._exit(0)\n', script), /process ended/);
    await nextSampleFine();
  });

  it('atexit and excepthook tricks, fake markers, files: never a pass', async () => {
    failed(await run('import atexit\natexit.register(lambda: print("PASSED"))\ndef add(a, b):\n    raise ValueError\n'), /ValueError/);
    failed(await run('import sys\nsys.excepthook = lambda *a: None\ndef add(a, b):\n    raise ValueError\n', script), /ValueError/);
    const fake = '{"type": "result", "id": "j1", "suites": [{"status": "pass"}], "flags": [], "wallMs": 1, "poisoned": false}';
    failed(await run(`import posix\ndef add(a, b):\n    posix.write(1, b'${fake}\\n')\n    print("passed")\n    posix._exit(0)\n`), /process ended/);
    failed(await run('import io\ndef add(a, b):\n    io.open("result.json", "w").write("{\\"passed\\": true}")\n    return None\n'), /wrong answer/);
    await nextSampleFine();
  });

  it('forged "done" messages on any pipe it holds (script tests): never a pass', async () => {
    // the forger writes the runner's own framing (4-byte length + JSON) for every test index to
    // every pipe in its fd table, also re-opened through /proc/self/fd, then exits 0 before a test ran
    const forge = (n: number) =>
      `import posix, json, struct\n` +
      `def _forge():\n` +
      `    msgs = b"".join(struct.pack(">I", len(d)) + d for d in (json.dumps({"op": op, "i": i}).encode() for i in range(${n}) for op in ("start", "done")))\n` +
      `    for name in posix.listdir("/proc/self/fd"):\n` +
      `        fd = int(name)\n` +
      `        for target in (fd, "/proc/self/fd/%d" % fd):\n` +
      `            try:\n` +
      `                w = posix.open(target, posix.O_WRONLY | posix.O_NONBLOCK) if type(target) is str else target\n` +
      `                posix.write(w, msgs)\n` +
      `            except OSError:\n` +
      `                pass\n` +
      `    posix._exit(0)\n`;
    const wrong = 'def add(a, b):\n    return a - b\n';
    const passed: string[] = [];
    for (const p of [heScript, mbppScript]) {
      const n = p.scriptTests!.length;
      const variants = {
        'at import time': `${forge(n)}_forge()\n${wrong}`,
        'when the check calls it': `${forge(n)}def add(a, b):\n    _forge()\n`,
        'from a thread while it sleeps': `${forge(n)}import threading, time\ndef add(a, b):\n    threading.Thread(target=_forge).start()\n    time.sleep(5)\n    return a - b\n`,
        'then keeps running, wrong': `${forge(n).replace('    posix._exit(0)\n', '')}_forge()\n${wrong}`,
      };
      for (const [what, program] of Object.entries(variants)) {
        const v = await run(program, p);
        if (v.base.status === 'pass' || !v.base.reason) passed.push(`${p.taskId} ${what}: ${v.base.status}`);
      }
    }
    expect(passed).toEqual([]);
    // the honest ones still pass, and a wrong one fails on its assert
    for (const p of [heScript, mbppScript]) {
      expect((await run(p.referenceProgram, p)).base.status).toBe('pass');
      failed(await run('def add(a, b):\n    return a - b\n', p), /AssertionError/);
    }
    await nextSampleFine();
  });

  it('script tests through the checker: exceptions cross by class, values that cannot cross are flagged unverified_script', async () => {
    // a check that expects the candidate to raise: the sample's ValueError comes back as one
    const raises: Problem = {
      ...heScript,
      taskId: 'Adv/he-raises',
      referenceProgram: `${HE_PROMPT}    if a < 0:\n        raise ValueError(a)\n    return a + b\n`,
      scriptTests: ['def check(candidate):\n    assert candidate(1, 2) == 3\n    try:\n        candidate(-1, 0)\n        assert False\n    except ValueError:\n        pass\n\ncheck(add)'],
    };
    expect((await run(raises.referenceProgram, raises)).base.status).toBe('pass');
    failed(await run(`${HE_PROMPT}    return a + b\n`, raises), /AssertionError/);
    // MBPP asserts that build objects of a class the program defines cannot run in the checker: they run
    // in the sample's process as the reference harness runs them, flagged, and fail under strict
    const PAIR = 'class Pair:\n    def __init__(self, a, b):\n        self.a, self.b = a, b\n\ndef total(p):\n    return p.a + p.b\n';
    const pair: Problem = {dataset: 'mbpp', taskId: 'Adv/mbpp-class', prompt: '', entryPoint: 'total', referenceProgram: PAIR, scriptTests: ['assert total(Pair(1, 2)) == 3']};
    const v = await run(PAIR, pair);
    expect(v.base.status).toBe('pass');
    expect(v.flags).toContain('unverified_script');
    const strict = await run(PAIR, pair, {...LIMITS, strict: true});
    expect(strict.flags).toContain('unverified_script');
    failed(strict, /unverified/);
    // a function as a return value: flagged too, and judged in the sample's process (wrong here)
    const fn = await run('def add(a, b):\n    return lambda: a + b\n', mbppScript);
    expect(fn.flags).toContain('unverified_script');
    failed(fn, /AssertionError/);
    // plain honest samples are never flagged
    expect((await run(REF, mbppScript)).flags).toEqual([]);
    await nextSampleFine();
  });

  it('the always-equal object: flagged, kept by default, failed under strict', async () => {
    const prog = 'class Eq:\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Eq()\n';
    const v = await run(prog);
    expect(v.flags).toContain('non_plain_return');
    expect(v.base.status).toBe('pass'); // EvalPlus's own verdict for it
    const strict = await run(prog, io, {...LIMITS, strict: true});
    expect(strict.flags).toContain('non_plain_return');
    failed(strict, /non-plain/);
    const sub = await run('class I(int):\n    def __eq__(self, o):\n        return True\ndef add(a, b):\n    return I(0)\n', io, {...LIMITS, strict: true});
    expect(sub.flags).toContain('non_plain_return');
    failed(sub, /non-plain/);
    await nextSampleFine();
  });
});
