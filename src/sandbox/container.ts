/**
 * One warm sandbox container running june's runner. The host talks to the runner over the
 * container's attached stdin/stdout; only lines that start with this container's nonce (sent on
 * stdin, never on the command line, so no process inside can read it from /proc) are read.
 */
import {randomBytes} from 'node:crypto';
import {hostname} from 'node:os';
import {PassThrough} from 'node:stream';
import {createInterface} from 'node:readline';
import type Dockerode from 'dockerode';
import {JuneError} from '../errors.js';
import {type Docker, LABEL, hardenedHostConfig, LABEL_HASH, LABEL_OWNER_HOST, LABEL_OWNER_PID, dockerError} from './docker.js';
import {RUNNER_CMD} from './image.js';
import {type Job, RUNNER_PROTOCOL, type RunnerResult, RunnerMessageSchema} from './protocol.js';

export interface ContainerSpec {
  image: string;
  imageHash: string;
  /** Samples run at once in this container. */
  slots: number;
  /** Memory cap of the whole container (cgroup), bytes. */
  memoryBytes: number;
  /** CPUs (CFS quota). */
  cpus: number;
  /** Processes per slot uid (RLIMIT_NPROC); the container's pids limit is slots × this + 64. */
  procsPerSlot: number;
  /** Size of the /tmp tmpfs, MiB. */
  tmpfsMb: number;
  /** First of the `slots` uids samples run as. */
  uidBase: number;
}

/** The limits Docker reports for a container (read back with inspect). */
export interface ContainerLimits {
  id: string;
  networkMode: string;
  networkDisabled: boolean;
  capDrop: string[];
  capAdd: string[];
  securityOpt: string[];
  readonlyRootfs: boolean;
  tmpfs: Record<string, string>;
  pidsLimit: number | null;
  memoryBytes: number;
  memorySwapBytes: number;
  nanoCpus: number;
  init: boolean;
  logDriver: string;
  user: string;
  binds: string[];
  mounts: number;
  /** Every mount the engine made (the session container's workspace bind; none for scoring). */
  mountPoints: Array<{type: string; source: string; destination: string; rw: boolean}>;
  privileged: boolean;
}

export class ContainerDiedError extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'ContainerDiedError';
  }
}

interface Pending {
  resolve: (r: RunnerResult) => void;
  reject: (e: Error) => void;
}

export class RunnerContainer {
  readonly id: string;
  readonly spec: ContainerSpec;
  private readonly container: Dockerode.Container;
  private readonly stdin: NodeJS.WritableStream;
  private readonly nonce: string;
  private readonly pending = new Map<string, Pending>();
  private dead: string | null = null;
  /** The runner said a sample left something it could not clean: no new work, replace when idle. */
  poisoned = false;
  readonly freeSlots: number[];
  ignoredLines = 0;
  stderrTail = '';

  private constructor(container: Dockerode.Container, stdin: NodeJS.WritableStream, nonce: string, spec: ContainerSpec) {
    this.container = container;
    this.id = container.id;
    this.stdin = stdin;
    this.nonce = nonce;
    this.spec = spec;
    this.freeSlots = Array.from({length: spec.slots}, (_, i) => i);
  }

  get alive(): boolean {
    return this.dead === null;
  }

  get busy(): number {
    return this.pending.size;
  }

  static async start(docker: Docker, spec: ContainerSpec, onDeath: (c: RunnerContainer, why: string) => void): Promise<RunnerContainer> {
    const nonce = randomBytes(16).toString('hex');
    let container: Dockerode.Container;
    try {
      container = await docker.createContainer({
        Image: spec.image,
        Cmd: RUNNER_CMD,
        User: '0:0',
        WorkingDir: '/tmp',
        Env: ['PATH=/usr/bin:/bin', 'LANG=C.UTF-8'],
        Labels: {[LABEL]: '1', [LABEL_HASH]: spec.imageHash, [LABEL_OWNER_PID]: String(process.pid), [LABEL_OWNER_HOST]: hostname()},
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        OpenStdin: true,
        StdinOnce: false,
        Tty: false,
        NetworkDisabled: true,
        HostConfig: {
          ...hardenedHostConfig({tmpfsMb: spec.tmpfsMb, pids: spec.slots * spec.procsPerSlot + 64, memoryBytes: spec.memoryBytes, cpus: spec.cpus}),
          // the runner (root in the container) needs these to drop each sample to its own uid and to
          // kill what a sample leaves behind; samples themselves run with no capabilities at all
          CapAdd: ['SETUID', 'SETGID', 'KILL'],
        },
      });
    } catch (err) {
      const e = err as {statusCode?: number};
      if (e.statusCode === 404)
        throw new JuneError('SANDBOX_IMAGE_MISSING', `the sandbox image ${spec.image} is not in the Docker engine`, {hint: 'run `june sandbox build`'});
      throw dockerError(err, 'cannot create a sandbox container');
    }
    let stream: NodeJS.ReadWriteStream;
    try {
      stream = await container.attach({stream: true, stdin: true, stdout: true, stderr: true, hijack: true});
    } catch (err) {
      await container.remove({force: true}).catch(() => {});
      throw dockerError(err, 'cannot attach to a sandbox container');
    }
    const out = new PassThrough();
    const errOut = new PassThrough();
    container.modem.demuxStream(stream, out, errOut);
    const rc = new RunnerContainer(container, stream, nonce, spec);
    errOut.on('data', (b: Buffer) => {
      rc.stderrTail = (rc.stderrTail + b.toString('utf8')).slice(-4000);
    });
    let ready: ((ok: boolean, why?: string) => void) | undefined;
    const readyP = new Promise<void>((resolve, reject) => {
      ready = (ok, why) => (ok ? resolve() : reject(new ContainerDiedError(why ?? 'runner did not start')));
    });
    const rl = createInterface({input: out, crlfDelay: Infinity});
    rl.on('line', (line) => {
      const msg = rc.parse(line);
      if (!msg) return;
      if (msg.type === 'ready') {
        if (msg.protocol !== RUNNER_PROTOCOL) ready?.(false, `runner protocol ${msg.protocol}, expected ${RUNNER_PROTOCOL}: rebuild the image`);
        else ready?.(true);
      } else if (msg.type === 'result' || msg.type === 'error') {
        const p = rc.pending.get(msg.id);
        if (!p) return;
        rc.pending.delete(msg.id);
        if (msg.poisoned) rc.poisoned = true;
        if (msg.type === 'result') p.resolve(msg);
        else p.reject(new ContainerDiedError(`runner error: ${msg.why}`));
      } else if (msg.type === 'fatal') {
        rc.die(`runner fatal: ${msg.why}`, onDeath);
      }
    });
    stream.on('end', () => rc.die('the container exited', onDeath));
    stream.on('error', (e: Error) => rc.die(`stream error: ${e.message}`, onDeath));
    try {
      await container.start();
    } catch (err) {
      await container.remove({force: true}).catch(() => {});
      throw dockerError(err, 'cannot start a sandbox container');
    }
    stream.write(JSON.stringify({nonce, uidBase: spec.uidBase, slots: spec.slots, nproc: spec.procsPerSlot}) + '\n');
    const timer = setTimeout(() => ready?.(false, 'runner not ready after 30 s'), 30_000);
    try {
      await readyP;
    } catch (err) {
      await rc.kill();
      throw new JuneError('SANDBOX_FAILURE', `sandbox runner did not start: ${(err as Error).message} ${rc.stderrTail.trim().slice(-300)}`, {
        hint: 'rebuild the image (`june sandbox build --force`) and rerun with --verbose',
      });
    } finally {
      clearTimeout(timer);
    }
    return rc;
  }

  private parse(line: string): ReturnType<typeof RunnerMessageSchema.parse> | null {
    const prefix = this.nonce + ' ';
    if (!line.startsWith(prefix)) {
      this.ignoredLines++;
      return null;
    }
    try {
      const r = RunnerMessageSchema.safeParse(JSON.parse(line.slice(prefix.length)));
      return r.success ? r.data : null;
    } catch {
      return null;
    }
  }

  private die(why: string, onDeath: (c: RunnerContainer, why: string) => void): void {
    if (this.dead) return;
    this.dead = why;
    for (const [, p] of this.pending) p.reject(new ContainerDiedError(why));
    this.pending.clear();
    onDeath(this, why);
  }

  /** Sends a job (its slot already taken from freeSlots) and resolves with the runner's result. */
  run(job: Job, watchdogMs: number): Promise<RunnerResult> {
    if (this.dead) return Promise.reject(new ContainerDiedError(this.dead));
    return new Promise<RunnerResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        // the runner enforces every limit itself; silence past this means the container is wedged
        this.poisoned = true;
        void this.kill();
      }, watchdogMs);
      this.pending.set(job.id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.stdin.write(JSON.stringify(job) + '\n');
    });
  }

  async limits(): Promise<ContainerLimits> {
    return containerLimits(this.container);
  }

  async kill(): Promise<void> {
    try {
      await this.container.remove({force: true});
    } catch {
      // already gone (AutoRemove)
    }
  }
}

/** The limits the engine reports for a container (read back with inspect). */
export async function containerLimits(container: Dockerode.Container): Promise<ContainerLimits> {
  const info = await container.inspect();
  const hc = info.HostConfig as Dockerode.HostConfig & {Init?: boolean; Tmpfs?: Record<string, string>};
  return {
    id: info.Id,
    networkMode: hc.NetworkMode ?? '',
    networkDisabled: Boolean((info.Config as {NetworkDisabled?: boolean}).NetworkDisabled),
    capDrop: hc.CapDrop ?? [],
    capAdd: hc.CapAdd ?? [],
    securityOpt: hc.SecurityOpt ?? [],
    readonlyRootfs: Boolean(hc.ReadonlyRootfs),
    tmpfs: hc.Tmpfs ?? {},
    pidsLimit: hc.PidsLimit ?? null,
    memoryBytes: hc.Memory ?? 0,
    memorySwapBytes: hc.MemorySwap ?? 0,
    nanoCpus: hc.NanoCpus ?? 0,
    init: Boolean(hc.Init),
    logDriver: hc.LogConfig?.Type ?? '',
    user: info.Config.User ?? '',
    binds: hc.Binds ?? [],
    mounts: (info.Mounts ?? []).length,
    mountPoints: (info.Mounts ?? []).map((m) => ({type: m.Type, source: m.Source, destination: m.Destination, rw: m.RW})),
    privileged: Boolean(hc.Privileged),
  };
}
