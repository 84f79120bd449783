/**
 * The coding agent's session container: one per agent session, from june's sandbox image, started
 * once and reused with `docker exec` per command (run_python, run_shell, reflect checks).
 *
 *   const ex = await openSessionContainer({workspace, build?, memoryBytes?, cpus?, pids?, outputBytes?, signal?});
 *   const r = await ex.run(['python3', '-c', 'print(1)'], {timeoutMs: 30_000});  // CommandResult
 *   await ex.close();                                                             // removes the container
 *
 * It is the only june container that mounts a host path: exactly the workspace (realpath), at
 * /workspace, read-write. Everything else is the scoring containers' hardening: no network, every
 * capability dropped (none added back), no-new-privileges, a read-only root with a noexec tmpfs
 * /tmp, pids/memory (no swap)/CPU limits, an output cap, log driver none. Commands run as the
 * workspace owner's uid:gid (what they write belongs to the user), with HOME=/tmp and an
 * environment of PATH, LANG, HOME and PYTHONDONTWRITEBYTECODE only: the host environment never enters the container.
 *
 * stderr is joined to stdout inside the container, so output keeps the order it was written in.
 * Each command runs under coreutils `timeout -s KILL` inside the container and a host watchdog; when
 * it ends, every process of its uid left in the container is killed (`kill -9 -1` as that uid: a
 * background process cannot outlive its command and race a later host-side file operation). Runs
 * are serialised. The container's main process waits on an attached stdin that june holds open: if
 * june dies (kill -9 included) the engine closes that stdin, the container exits and is removed
 * (AutoRemove); Ctrl-C aborts the open's signal, which closes it. Orphans are also reaped by owner
 * pid like the scoring containers (`june sandbox prune`, and at every open).
 *
 * Errors: DOCKER_UNAVAILABLE (no engine), SANDBOX_IMAGE_MISSING (pass build: true), SANDBOX_FAILURE.
 */
import {realpath, stat} from 'node:fs/promises';
import {availableParallelism, hostname, totalmem} from 'node:os';
import {posix} from 'node:path';
import {Writable} from 'node:stream';
import type Dockerode from 'dockerode';
import type {CommandResult, Executor, RunOptions} from '../agents/tools/types.js';
import {JuneError} from '../errors.js';
import {containerLimits, type ContainerLimits} from './container.js';
import {type Docker, LABEL, hardenedHostConfig, LABEL_HASH, LABEL_OWNER_HOST, LABEL_OWNER_PID, LABEL_SESSION, dockerClient, dockerError, pingDocker} from './docker.js';
import {buildSandboxImage, imageHash, imageTag, reapContainers, sandboxImageStatus} from './image.js';

export const WORKSPACE_MOUNT = '/workspace';
/** PYTHONDONTWRITEBYTECODE: no __pycache__ in the user's workspace, and no stale bytecode when a file is rewritten within the same second at the same size. */
export const SESSION_ENV = ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8', 'HOME=/tmp', 'PYTHONDONTWRITEBYTECODE=1'];
export const DEFAULT_SESSION_LIMITS = {
  memoryBytes: 2 * 1024 ** 3,
  cpus: 2,
  pids: 256,
  /** Output one command may leave in its result (head and tail kept); the rest is counted. */
  outputBytes: 1024 * 1024,
  tmpfsMb: 256,
} as const;
/** The host watchdog fires this long after the in-container `timeout` should have. */
const WATCHDOG_GRACE_MS = 3000;

export interface SessionContainerOptions {
  /** The directory mounted at /workspace (realpath'd). */
  workspace: string;
  /** Image tag (default: the current sandbox image, imageTag()). */
  image?: string;
  /** Build the sandbox image when it is missing instead of failing SANDBOX_IMAGE_MISSING. */
  build?: boolean;
  memoryBytes?: number;
  cpus?: number;
  pids?: number;
  outputBytes?: number;
  tmpfsMb?: number;
  /** Aborting it closes the session container (Ctrl-C). */
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  docker?: Docker;
}

/** Keeps the head and a rolling tail of a stream up to `cap` bytes, counting everything. */
class CappedOutput {
  private readonly headCap: number;
  private readonly tailCap: number;
  private head: Buffer[] = [];
  private headLen = 0;
  private tail: Buffer[] = [];
  private tailLen = 0;
  total = 0;

  constructor(cap: number) {
    this.headCap = Math.floor(cap * 0.75);
    this.tailCap = cap - this.headCap;
  }

  push(b: Buffer): void {
    this.total += b.length;
    if (this.headLen < this.headCap) {
      const take = b.subarray(0, this.headCap - this.headLen);
      this.head.push(take);
      this.headLen += take.length;
      b = b.subarray(take.length);
    }
    if (b.length === 0) return;
    this.tail.push(b);
    this.tailLen += b.length;
    while (this.tailLen - (this.tail[0]?.length ?? 0) >= this.tailCap && this.tail.length > 1) this.tailLen -= this.tail.shift()!.length;
  }

  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.tailCap) tail = tail.subarray(tail.length - this.tailCap);
    const left = this.total - this.headLen - tail.length;
    if (left <= 0) return head + tail.toString('utf8');
    return `${head}\n[… ${left} bytes left out by the sandbox's output cap …]\n${tail.toString('utf8')}`;
  }
}

export class SessionContainer implements Executor {
  readonly workspaceMount = WORKSPACE_MOUNT;
  readonly id: string;
  /** uid:gid commands run as (the workspace owner). */
  readonly user: string;
  readonly workspace: string;
  private readonly container: Dockerode.Container;
  private readonly keepalive: NodeJS.ReadWriteStream;
  private readonly outputCap: number;
  private queue: Promise<unknown> = Promise.resolve();
  /** Set by the first close(); every later one waits on the same removal. */
  private closing: Promise<void> | null = null;
  private dead: string | null = null;

  constructor(container: Dockerode.Container, keepalive: NodeJS.ReadWriteStream, user: string, workspace: string, outputCap: number) {
    this.container = container;
    this.id = container.id;
    this.keepalive = keepalive;
    this.user = user;
    this.workspace = workspace;
    this.outputCap = outputCap;
    keepalive.on('end', () => (this.dead ??= 'the session container exited'));
    keepalive.on('error', (e: Error) => (this.dead ??= `the session container's stream failed: ${e.message}`));
  }

  get alive(): boolean {
    return this.closing === null && this.dead === null;
  }

  /** Runs argv as the workspace owner under the per-command time limit; serialised. */
  run(argv: string[], options: RunOptions): Promise<CommandResult> {
    const next = this.queue.then(() => this.runNow(argv, options));
    this.queue = next.catch(() => {});
    return next;
  }

  private async runNow(argv: string[], o: RunOptions): Promise<CommandResult> {
    if (this.closing !== null) throw new JuneError('SANDBOX_FAILURE', 'the session container is closed', {hint: 'open a new session'});
    if (this.dead) throw new JuneError('SANDBOX_FAILURE', `${this.dead}`, {hint: 'start a new session; see `june sandbox status`'});
    if (argv.length === 0) throw new JuneError('BAD_INPUT', 'run: empty argv');
    const t0 = performance.now();
    if (o.signal?.aborted) return {exitCode: null, output: '', outputBytes: 0, timedOut: false, ms: 0};
    const cwd = posix.resolve(WORKSPACE_MOUNT, o.cwd ?? '.');
    if (cwd !== WORKSPACE_MOUNT && !cwd.startsWith(WORKSPACE_MOUNT + '/')) throw new JuneError('BAD_INPUT', `run: cwd ${o.cwd} is outside ${WORKSPACE_MOUNT}`);
    const secs = (Math.max(1, o.timeoutMs) / 1000).toFixed(3);
    // The command's stderr joins its stdout on one pipe (output keeps the order it was written in;
    // the wrapper's own messages are dropped); it runs under timeout; then every process of this uid
    // it left behind is killed, kill -9 -1 repeated until none is left (a fork bomb cannot outrun it).
    const script =
      'exec 3>&1 2>/dev/null; timeout -s KILL "$0" "$@" 2>&3 3>&-; rc=$?; i=0; while kill -9 -1 && [ $i -lt 100 ]; do i=$((i+1)); done; exit $rc';
    const withStdin = o.stdin !== undefined;
    let exec: Dockerode.Exec;
    let stream: NodeJS.ReadWriteStream;
    try {
      exec = await this.container.exec({
        Cmd: ['/bin/sh', '-c', script, secs, ...argv],
        User: this.user,
        WorkingDir: cwd,
        Env: SESSION_ENV,
        AttachStdin: withStdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      });
      stream = (await exec.start({hijack: true, stdin: withStdin})) as NodeJS.ReadWriteStream;
    } catch (err) {
      throw dockerError(err, 'cannot run a command in the session container');
    }
    const out = new CappedOutput(this.outputCap);
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk);
        cb();
      },
    });
    this.container.modem.demuxStream(stream, sink, sink);
    let timedOut = false;
    let killed: string | null = null;
    const done = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    const stop = (why: 'timeout' | 'abort') => {
      if (killed) return;
      killed = why;
      if (why === 'timeout') timedOut = true;
      void this.killCommands().finally(() => setTimeout(() => (stream as unknown as {destroy?: () => void}).destroy?.(), 2000).unref());
    };
    const watchdog = setTimeout(() => stop('timeout'), o.timeoutMs + WATCHDOG_GRACE_MS);
    const onAbort = () => stop('abort');
    if (o.signal?.aborted) onAbort();
    o.signal?.addEventListener('abort', onAbort, {once: true});
    if (withStdin) {
      stream.write(o.stdin!);
      stream.end();
    }
    try {
      await done;
    } finally {
      clearTimeout(watchdog);
      o.signal?.removeEventListener('abort', onAbort);
    }
    let exitCode: number | null;
    try {
      const info = await exec.inspect();
      exitCode = info.Running ? null : (info.ExitCode ?? null);
    } catch {
      exitCode = null;
    }
    const ms = performance.now() - t0;
    // coreutils timeout answers 128+9 when it had to kill the command at the limit
    if (exitCode === 137 && ms >= o.timeoutMs * 0.95) timedOut = true;
    if (killed === 'abort') exitCode = null;
    return {exitCode, output: out.text(), outputBytes: out.total, timedOut, ms};
  }

  /** Kills every process of the command uid in the container (the main process runs as another uid). */
  private async killCommands(): Promise<void> {
    try {
      const k = await this.container.exec({Cmd: ['/bin/sh', '-c', 'i=0; while kill -9 -1 2>/dev/null && [ $i -lt 100 ]; do i=$((i+1)); done'], User: this.user, AttachStdout: false, AttachStderr: false});
      await k.start({Detach: true});
    } catch {
      // the container is gone: nothing left to kill
    }
  }

  /** What the engine reports for this container (for tests and `june verify`). */
  async limits(): Promise<ContainerLimits> {
    return containerLimits(this.container);
  }

  /** Removes the container; every caller (the abort listener, the opener's close) waits for the same removal. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      try {
        await this.container.remove({force: true});
      } catch {
        // already gone (AutoRemove)
      }
      (this.keepalive as unknown as {destroy?: () => void}).destroy?.();
    })();
    return this.closing;
  }
}

/** Starts the session container for a workspace. */
export async function openSessionContainer(opts: SessionContainerOptions): Promise<SessionContainer> {
  let ws: string;
  try {
    ws = await realpath(opts.workspace);
  } catch {
    throw new JuneError('FILE_NOT_FOUND', `workspace ${opts.workspace} does not exist`, {hint: 'pass an existing directory'});
  }
  const st = await stat(ws);
  if (!st.isDirectory()) throw new JuneError('BAD_INPUT', `workspace ${opts.workspace} is not a directory`, {hint: 'pass a directory'});
  const docker = opts.docker ?? (await dockerClient());
  await pingDocker(docker);
  let image = opts.image;
  let hash = imageHash();
  if (!image) {
    const s = await sandboxImageStatus(docker);
    if (!s.present) {
      if (!opts.build)
        throw new JuneError('SANDBOX_IMAGE_MISSING', `the sandbox image ${s.tag} is not built`, {hint: 'run `june sandbox build` (needs root and debootstrap, about 3 minutes)'});
      await buildSandboxImage({onProgress: opts.onProgress, signal: opts.signal});
    }
    image = imageTag(s.hash);
    hash = s.hash;
  }
  // containers of june processes that died are removed first
  await reapContainers(docker, false);
  const uid = st.uid;
  const gid = st.gid;
  // the main process runs as a uid no command uses, so a command's `kill -9 -1` never reaches it
  const mainUid = uid === 65534 ? 65533 : 65534;
  const memory = Math.min(opts.memoryBytes ?? DEFAULT_SESSION_LIMITS.memoryBytes, Math.floor(totalmem() * 0.75));
  const cpus = Math.min(opts.cpus ?? DEFAULT_SESSION_LIMITS.cpus, availableParallelism());
  let container: Dockerode.Container;
  try {
    container = await docker.createContainer({
      Image: image,
      // waits on stdin, which june holds open: when june dies the engine closes it and the container exits
      Cmd: ['/bin/sh', '-c', 'read -r _ || true'],
      User: `${mainUid}:${mainUid}`,
      WorkingDir: WORKSPACE_MOUNT,
      Env: SESSION_ENV,
      Labels: {
        [LABEL]: '1',
        [LABEL_HASH]: hash,
        [LABEL_OWNER_PID]: String(process.pid),
        [LABEL_OWNER_HOST]: hostname(),
        [LABEL_SESSION]: '1',
      },
      AttachStdin: true,
      AttachStdout: false,
      AttachStderr: false,
      OpenStdin: true,
      StdinOnce: true,
      Tty: false,
      NetworkDisabled: true,
      HostConfig: {
        ...hardenedHostConfig({tmpfsMb: opts.tmpfsMb ?? DEFAULT_SESSION_LIMITS.tmpfsMb, pids: opts.pids ?? DEFAULT_SESSION_LIMITS.pids, memoryBytes: memory, cpus}),
        // the one host path a june container sees: exactly the workspace
        Mounts: [{Type: 'bind', Source: ws, Target: WORKSPACE_MOUNT, ReadOnly: false, BindOptions: {Propagation: 'rprivate'}}],
      },
    });
  } catch (err) {
    if ((err as {statusCode?: number}).statusCode === 404)
      throw new JuneError('SANDBOX_IMAGE_MISSING', `the sandbox image ${image} is not in the Docker engine`, {hint: 'run `june sandbox build`'});
    throw dockerError(err, 'cannot create the session container');
  }
  let keepalive: NodeJS.ReadWriteStream;
  try {
    keepalive = (await container.attach({stream: true, stdin: true, stdout: false, stderr: false, hijack: true})) as NodeJS.ReadWriteStream;
  } catch (err) {
    await container.remove({force: true}).catch(() => {});
    throw dockerError(err, 'cannot attach to the session container');
  }
  try {
    await container.start();
  } catch (err) {
    await container.remove({force: true}).catch(() => {});
    throw dockerError(err, 'cannot start the session container');
  }
  const sc = new SessionContainer(container, keepalive, `${uid}:${gid}`, ws, opts.outputBytes ?? DEFAULT_SESSION_LIMITS.outputBytes);
  if (opts.signal) {
    if (opts.signal.aborted) {
      await sc.close();
      throw opts.signal.reason instanceof Error ? opts.signal.reason : new JuneError('INTERRUPTED', 'interrupted');
    }
    opts.signal.addEventListener('abort', () => void sc.close(), {once: true});
  }
  return sc;
}
