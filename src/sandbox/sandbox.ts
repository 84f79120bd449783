/**
 * The Docker sandbox: a small pool of warm containers, each running june's runner with a few
 * slots; every suite of every sample runs in a fresh process forked inside. Reference runs (the
 * canonical program on the same tests: expected outputs and the times limits derive from) are
 * cached in memory and on disk by content hash; a script suite's is only run when a sample times
 * out under the floor (see evaluate). A poisoned or dead container is replaced, never
 * reused; a sample whose container dies under it is retried once on another, then failed.
 */
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises';
import {availableParallelism, totalmem} from 'node:os';
import {join} from 'node:path';
import {JuneError} from '../errors.js';
import {resolvePaths} from '../paths.js';
import {type ContainerLimits, ContainerDiedError, RunnerContainer} from './container.js';
import {type Docker, dockerClient, pingDocker} from './docker.js';
import {buildSandboxImage, imageTag, reapContainers, sandboxImageStatus} from './image.js';
import {type Reference, DEFAULT_TEST_LIMITS, ReferenceSchema, crashVerdict, needsRerun, referenceFromResult, referenceJob, referenceKey, sampleJob, testKind, timeLimits, verdictFromResult, watchdogMs} from './jobs.js';
import type {Job, RunnerResult} from './protocol.js';
import type {SampleVerdict, SandboxProblem, SandboxSample, TestLimits} from './types.js';

export interface SandboxOptions {
  /** Samples judged at once, in total (default: the machine's cores). */
  parallel?: number;
  /** Warm containers (default: min(2, parallel)); slots per container = ceil(parallel / containers). */
  containers?: number;
  /** Per-test-process memory the containers are sized for (default 4 GiB, EvalPlus). */
  memoryBytes?: number;
  /** Where reference runs are cached (default: <june cache>/sandbox/reference). */
  cacheDir?: string;
  /** Build the image when it is missing (with progress) instead of failing SANDBOX_IMAGE_MISSING. */
  build?: boolean;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  docker?: Docker;
}

export interface ReferenceTimes {
  /** Reference program's time per test, ms (base inputs or script tests). */
  base: number[];
  /** Plus inputs (EvalPlus datasets), else null. */
  plus: number[] | null;
  /** Tests on which the reference program itself raised. */
  referenceErrors: number;
}

/** What evaluate(), run-benchmarks and the speed script use; the Docker sandbox and the host baseline both implement it. */
export interface Sandbox {
  readonly kind: 'docker' | 'baseline';
  evaluate(problem: SandboxProblem, sample: SandboxSample, limits: TestLimits, signal?: AbortSignal): Promise<SampleVerdict>;
  referenceTimes(problem: SandboxProblem, signal?: AbortSignal): Promise<ReferenceTimes>;
  close(): Promise<void>;
}

interface Waiter {
  resolve: (slot: {c: RunnerContainer; slot: number}) => void;
  reject: (e: Error) => void;
  /** Higher runs first (see jobPriority); equal ones in arrival order. */
  priority: number;
  seq: number;
}

/**
 * Which waiting job gets a free slot: reference runs first (every sample of the task waits on
 * one), then samples longest first — their expected cost is the reference's own time on the same
 * tests, known by then. Longest-first keeps one long task (MBPP+'s Mbpp/599: ~20 s of reference,
 * then ~20 s of sample, about a third of the dataset's test time) from starting last behind hundreds
 * of short ones while the other slots run dry. Scheduling only: no job, limit or verdict changes.
 */
export function jobPriority(job: {reference: true} | {reference: false; refTimesMs: number[] | null}): number {
  if (job.reference) return Number.POSITIVE_INFINITY;
  return job.refTimesMs ? job.refTimesMs.reduce((a, b) => a + b, 0) : 0;
}

/** The waiter a free slot goes to: highest priority, then the earliest. */
export function nextWaiter(waiters: ReadonlyArray<Pick<Waiter, 'priority' | 'seq'>>): number {
  let best = -1;
  for (let i = 0; i < waiters.length; i++) {
    const w = waiters[i]!;
    const b = best < 0 ? undefined : waiters[best]!;
    if (!b || w.priority > b.priority || (w.priority === b.priority && w.seq < b.seq)) best = i;
  }
  return best;
}

export class DockerSandbox implements Sandbox {
  readonly kind = 'docker' as const;
  private readonly docker: Docker;
  private readonly containers: RunnerContainer[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly refs = new Map<string, Promise<Reference>>();
  private readonly opts: Required<Pick<SandboxOptions, 'parallel' | 'containers' | 'memoryBytes' | 'cacheDir'>>;
  private readonly image: string;
  private readonly hash: string;
  private closed = false;
  private seq = 0;
  private waitSeq = 0;
  private uidSeq = 0;
  private starting = 0;
  /** Containers started over this sandbox's life (replacements included). */
  containersStarted = 0;
  containersReplaced = 0;
  /** Reference programs actually run (not loaded from the cache) over this sandbox's life. */
  referenceRuns = 0;
  /** Samples of script suites rerun under their true limits after timing out under the floor. */
  lazyReruns = 0;

  private constructor(docker: Docker, opts: DockerSandbox['opts'], image: string, hash: string) {
    this.docker = docker;
    this.opts = opts;
    this.image = image;
    this.hash = hash;
  }

  static async open(o: SandboxOptions = {}): Promise<DockerSandbox> {
    const docker = o.docker ?? (await dockerClient());
    await pingDocker(docker);
    const parallel = Math.max(1, o.parallel ?? availableParallelism());
    const containers = Math.max(1, Math.min(o.containers ?? Math.min(2, parallel), parallel));
    const st = await sandboxImageStatus(docker);
    if (!st.present) {
      if (!o.build)
        throw new JuneError('SANDBOX_IMAGE_MISSING', `the sandbox image ${st.tag} is not built`, {hint: 'run `june sandbox build` (needs root and debootstrap, about 3 minutes)'});
      await buildSandboxImage({onProgress: o.onProgress, signal: o.signal});
    }
    // orphans of a june process that was killed are reaped here
    await reapContainers(docker, false);
    const sb = new DockerSandbox(
      docker,
      {
        parallel,
        containers,
        memoryBytes: o.memoryBytes ?? DEFAULT_TEST_LIMITS.memoryBytes,
        cacheDir: o.cacheDir ?? join(resolvePaths().cacheDir, 'sandbox', 'reference'),
      },
      imageTag(st.hash),
      st.hash,
    );
    try {
      await Promise.all(Array.from({length: containers}, () => sb.startContainer()));
    } catch (err) {
      await sb.close();
      throw err;
    }
    return sb;
  }

  private slotsPer(): number {
    return Math.ceil(this.opts.parallel / this.opts.containers);
  }

  private async startContainer(): Promise<void> {
    const slots = this.slotsPer();
    const hostMem = totalmem();
    // each slot may use its test memory cap; the cgroup limit is the backstop behind RLIMIT_AS
    const memory = Math.min(slots * this.opts.memoryBytes + 256 * 1024 ** 2, Math.floor(hostMem * 0.75));
    // distinct uids per container and per june process, so RLIMIT_NPROC never couples two of them
    const uidBase = 20000 + (((process.pid % 997) * 31 + this.uidSeq++) % 1000) * 16;
    this.starting++;
    try {
      const c = await RunnerContainer.start(
        this.docker,
        {image: this.image, imageHash: this.hash, slots, memoryBytes: memory, cpus: Math.min(slots, availableParallelism()), procsPerSlot: 64, tmpfsMb: 64, uidBase},
        (dead) => this.onDeath(dead),
      );
      this.containersStarted++;
      if (this.closed) {
        await c.kill();
        return;
      }
      this.containers.push(c);
      this.dispatch();
    } finally {
      this.starting--;
    }
  }

  private onDeath(c: RunnerContainer): void {
    this.retire(c);
  }

  /** Takes a container out of service; when it is idle (or dead) it is removed and replaced. */
  private retire(c: RunnerContainer): void {
    const i = this.containers.indexOf(c);
    if (i < 0) return;
    if (c.alive && c.busy > 0) return; // finish what it runs; it takes no new work (poisoned)
    this.containers.splice(i, 1);
    void c.kill();
    if (this.closed) return;
    this.containersReplaced++;
    this.startContainer().catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      if (this.containers.length === 0 && this.starting === 0) for (const w of this.waiters.splice(0)) w.reject(e);
    });
  }

  private dispatch(): void {
    while (this.waiters.length > 0) {
      const c = this.containers.find((x) => x.alive && !x.poisoned && x.freeSlots.length > 0);
      if (!c) return;
      const slot = c.freeSlots.shift()!;
      this.waiters.splice(nextWaiter(this.waiters), 1)[0]!.resolve({c, slot});
    }
  }

  private acquire(priority: number, signal?: AbortSignal): Promise<{c: RunnerContainer; slot: number}> {
    if (this.closed) return Promise.reject(new JuneError('SANDBOX_FAILURE', 'the sandbox is closed'));
    return new Promise((resolve, reject) => {
      const w: Waiter = {resolve, reject, priority, seq: ++this.waitSeq};
      this.waiters.push(w);
      if (signal) {
        const onAbort = () => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason instanceof Error ? signal.reason : new JuneError('INTERRUPTED', 'interrupted'));
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, {once: true});
        w.resolve = (s) => {
          signal.removeEventListener('abort', onAbort);
          resolve(s);
        };
      }
      this.dispatch();
    });
  }

  private release(c: RunnerContainer, slot: number): void {
    c.freeSlots.push(slot);
    if (c.poisoned || !c.alive) this.retire(c);
    this.dispatch();
  }

  /** Runs a job on some slot; a container that dies under it gets one retry elsewhere. */
  private async runJob(make: (id: string, slot: number) => Job, priority: number, signal?: AbortSignal): Promise<{job: Job; result: RunnerResult | null; why?: string}> {
    let lastWhy = '';
    let job: Job | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const {c, slot} = await this.acquire(priority, signal);
      job = make(`j${++this.seq}`, slot);
      try {
        const result = await c.run(job, watchdogMs(job));
        return {job, result};
      } catch (err) {
        if (!(err instanceof ContainerDiedError)) throw err;
        lastWhy = err.message;
      } finally {
        this.release(c, slot);
      }
    }
    return {job: job!, result: null, why: lastWhy};
  }

  private reference(problem: SandboxProblem, signal?: AbortSignal): Promise<Reference> {
    const key = referenceKey(problem, this.hash);
    let p = this.refs.get(key);
    if (!p) {
      p = this.loadOrRunReference(key, problem, signal);
      this.refs.set(key, p);
      p.catch(() => this.refs.delete(key));
    }
    return p;
  }

  private async readCached(key: string): Promise<Reference | null> {
    try {
      const cached = ReferenceSchema.safeParse(JSON.parse(await readFile(join(this.opts.cacheDir, `${key}.json`), 'utf8')));
      if (cached.success && cached.data.key === key) return cached.data;
    } catch {
      // not cached yet (or unreadable: recomputed and rewritten)
    }
    return null;
  }

  /** The reference when it is known without running it (in memory, in flight, or on disk), else null. */
  private async cachedReference(problem: SandboxProblem): Promise<Reference | null> {
    const key = referenceKey(problem, this.hash);
    const p = this.refs.get(key);
    if (p) return p.catch(() => null);
    const ref = await this.readCached(key);
    if (ref && !this.refs.has(key)) this.refs.set(key, Promise.resolve(ref));
    return ref;
  }

  private async loadOrRunReference(key: string, problem: SandboxProblem, signal?: AbortSignal): Promise<Reference> {
    const file = join(this.opts.cacheDir, `${key}.json`);
    const cached = await this.readCached(key);
    if (cached) return cached;
    this.referenceRuns++;
    const {result, why} = await this.runJob((id, slot) => referenceJob(problem, id, slot), jobPriority({reference: true}), signal);
    if (!result) throw new JuneError('HARNESS_FAILURE', `reference run of ${problem.taskId} crashed its container: ${why}`, {hint: 'rerun with --verbose; check the dataset file'});
    let ref: Reference;
    try {
      ref = referenceFromResult(key, problem, result);
    } catch (err) {
      throw new JuneError('HARNESS_FAILURE', (err as Error).message, {hint: 'the reference program could not be run: check the dataset file'});
    }
    await mkdir(this.opts.cacheDir, {recursive: true});
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(ref));
    await rename(tmp, file);
    return ref;
  }

  async referenceTimes(problem: SandboxProblem, signal?: AbortSignal): Promise<ReferenceTimes> {
    const r = await this.reference(problem, signal);
    return {base: r.base.timesMs, plus: r.plus?.timesMs ?? null, referenceErrors: r.base.errors + (r.plus?.errors ?? 0)};
  }

  /**
   * io suites need the reference's outputs first. Script suites use a cached reference when there
   * is one; otherwise (lazy) the sample runs under the floor, and only when it does not pass is the
   * reference run, and the sample rerun when its true limits are higher anywhere. The verdict is
   * the one of the last run, and verdict.timeLimitsMs the limits that run applied.
   *
   * Why any failure and not only a timeout: a time limit shows in many ways besides 'timeout' (a
   * sample that catches the TimeoutException and returns something else, a MemoryError from a
   * half-built value, a checker that ended before reporting), and every one of them must get the
   * rerun that eager limits would have given. A pass under the floor is a pass under any higher
   * limit; a failure under limits equal to the true ones is the eager run itself.
   */
  async evaluate(problem: SandboxProblem, sample: SandboxSample, limits: TestLimits, signal?: AbortSignal): Promise<SampleVerdict> {
    let ref = testKind(problem) === 'io' ? await this.reference(problem, signal) : await this.cachedReference(problem);
    const judge = async (r: Reference | null): Promise<SampleVerdict> => {
      const t0 = performance.now();
      const refTimesMs = r ? [...r.base.timesMs, ...(r.plus?.timesMs ?? [])] : null;
      const {job, result, why} = await this.runJob((id, slot) => sampleJob(problem, sample, r, limits, id, slot), jobPriority({reference: false, refTimesMs}), signal);
      const wallMs = Math.round(performance.now() - t0);
      if (!result) return crashVerdict(job, why ?? 'unknown', wallMs);
      return verdictFromResult(job, result, wallMs, limits.strict ?? false);
    };
    let v = await judge(ref);
    if (!ref && v.base.status !== 'pass') {
      ref = await this.reference(problem, signal);
      if (needsRerun(v.timeLimitsMs.base, timeLimits(ref.base.timesMs, limits))) {
        this.lazyReruns++;
        v = await judge(ref);
      }
    }
    if (ref && ref.base.errors + (ref.plus?.errors ?? 0) > 0) v.flags.push('reference_error');
    return v;
  }

  /** The limits Docker reports for each warm container (tests check them before running bombs). */
  async containerLimits(): Promise<ContainerLimits[]> {
    return Promise.all(this.containers.map((c) => c.limits()));
  }

  get containerIds(): string[] {
    return this.containers.map((c) => c.id);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new JuneError('SANDBOX_FAILURE', 'the sandbox was closed'));
    await Promise.all(this.containers.splice(0).map((c) => c.kill()));
  }
}
