/**
 * A benchmark run directory read back: its record, samples, verdicts and activity, and what the
 * reports and the gate are made from. Used at the end of `june run-benchmarks` and by `june report`.
 */
import {readFile, stat} from 'node:fs/promises';
import {isAbsolute, join, resolve} from 'node:path';
import {describeZodIssue} from '../../config.js';
import {JuneError} from '../../errors.js';
import type {SampleVerdict, TestLimits} from '../../sandbox/types.js';
import {ResultRecordSchema, resultKey} from '../evaluate/record.js';
import {type SampleOutcome, type Scores, sampleOutcome, scoreOutcomes} from '../evaluate/score.js';
import type {AgentSummary, ReportData, ReportTask} from '../report/types.js';
import {readJsonlRecords} from '../run-store.js';
import {type Activity, ActivitySchema, type RunRecord, RunRecordSchema, type SampleLine, SampleLineSchema} from './record.js';

export const RUN_FILES = {
  record: 'run.json',
  samples: 'samples.jsonl',
  results: 'results.jsonl',
  activity: 'activity.jsonl',
} as const;

/** A run id (under runsDir) or a directory path → the run directory; RUN_NOT_FOUND when it is neither. */
export async function locateRunDir(idOrDir: string, runsDir: string): Promise<string> {
  const candidates = isAbsolute(idOrDir) || idOrDir.includes('/') || idOrDir.startsWith('.') ? [resolve(idOrDir)] : [join(runsDir, idOrDir), resolve(idOrDir)];
  for (const dir of candidates) {
    try {
      if ((await stat(dir)).isDirectory()) {
        try {
          await stat(join(dir, RUN_FILES.record));
        } catch (err) {
          const code = (err as {code?: string}).code;
          if (code === 'EACCES' || code === 'EPERM')
            throw new JuneError('RUN_NOT_FOUND', `run directory ${dir} is not readable (${code})`, {hint: 'check its permissions'});
          throw new JuneError('RUN_NOT_FOUND', `${dir} is not a benchmark run (no ${RUN_FILES.record})`, {
            hint: 'pass a run id from `june run-benchmarks` or the runs/<id> directory it printed',
          });
        }
        return dir;
      }
    } catch (err) {
      if (err instanceof JuneError) throw err;
      const code = (err as {code?: string}).code;
      if (code === 'EACCES' || code === 'EPERM')
        throw new JuneError('RUN_NOT_FOUND', `run directory ${dir} is not readable (${code})`, {hint: 'check its permissions'});
    }
  }
  throw new JuneError('RUN_NOT_FOUND', `no run "${idOrDir}" (looked in ${runsDir})`, {
    hint: `list runs with \`ls ${runsDir}\`, or pass the run directory`,
  });
}

export async function readRunRecord(dir: string): Promise<RunRecord> {
  const file = join(dir, RUN_FILES.record);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as {code?: string}).code;
    throw new JuneError('RUN_NOT_FOUND', `cannot read ${file} (${code ?? (err as Error).message})`, {
      hint: code === 'ENOENT' ? 'pass a directory written by `june run-benchmarks`' : 'check its permissions',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new JuneError('BAD_INPUT', `${file} is not valid JSON (${(err as Error).message})`, {
      hint: 'the run record is corrupt: start a new run',
    });
  }
  const parsed = RunRecordSchema.safeParse(raw);
  if (!parsed.success)
    throw new JuneError('BAD_INPUT', `${file}: ${describeZodIssue(parsed.error)}`, {
      hint: 'this is not a run-benchmarks record of this june version: start a new run',
    });
  return parsed.data;
}

export interface LoadedRun {
  dir: string;
  record: RunRecord;
  /** Samples by task, index = completion_id (first line wins; only ids < n). */
  samples: Map<string, Array<SampleLine | undefined>>;
  /** Verdicts by result key. */
  verdicts: Map<string, SampleVerdict>;
  activity: Activity[];
}

export async function loadRun(dir: string): Promise<LoadedRun> {
  const record = await readRunRecord(dir);
  const sampleLines = (await readJsonlRecords(join(dir, RUN_FILES.samples), SampleLineSchema)).records;
  const samples = new Map<string, Array<SampleLine | undefined>>();
  for (const t of record.tasks) samples.set(t, []);
  for (const s of sampleLines) {
    const list = samples.get(s.task_id);
    if (!list || s.completion_id >= record.sampler.n || list[s.completion_id]) continue;
    list[s.completion_id] = s;
  }
  const verdicts = new Map<string, SampleVerdict>();
  for (const r of (await readJsonlRecords(join(dir, RUN_FILES.results), ResultRecordSchema)).records) verdicts.set(r.key, r.verdict as SampleVerdict);
  const activity = (await readJsonlRecords(join(dir, RUN_FILES.activity), ActivitySchema)).records;
  return {dir, record, samples, verdicts, activity};
}

/** The key a sample's verdict is stored under (the same as `june evaluate`'s, plus the sandbox image). */
export function sampleKey(record: RunRecord, limits: TestLimits, taskId: string, program: string): string {
  return resultKey({
    dataset: record.dataset.id,
    datasetSha256: record.dataset.sha256,
    taskId,
    program,
    limits,
    extra: {sandboxImage: record.environment.sandboxImageHash},
  });
}

export interface RunScores {
  scores: Scores | null;
  outcomes: Array<{sample: SampleLine; outcome: SampleOutcome; verdict: SampleVerdict}>;
  generated: number;
  scored: number;
}

export function scoreRun(run: LoadedRun): RunScores {
  const outcomes: RunScores['outcomes'] = [];
  let generated = 0;
  for (const [taskId, list] of run.samples)
    for (const s of list) {
      if (!s) continue;
      generated++;
      if (!run.record.limits) continue;
      const v = run.verdicts.get(sampleKey(run.record, run.record.limits, taskId, s.solution));
      if (v) outcomes.push({sample: s, outcome: sampleOutcome(taskId, v, false), verdict: v});
    }
  return {scores: outcomes.length ? scoreOutcomes(outcomes.map((o) => o.outcome)) : null, outcomes, generated, scored: outcomes.length};
}

/** Wall time of all sessions: each from its start to its end (or its last activity, after a kill). */
export function wallMsOf(activity: readonly Activity[]): number {
  let total = 0;
  let start: number | null = null;
  let last: number | null = null;
  const close = (): void => {
    if (start !== null && last !== null) total += Math.max(0, last - start);
  };
  for (const a of activity) {
    const t = Date.parse(a.at);
    if (a.type === 'session' && a.event === 'start') {
      close();
      start = t;
      last = t;
    } else {
      last = t;
      if (a.type === 'session' && a.event === 'end') {
        close();
        start = null;
      }
    }
  }
  close();
  return total;
}

export function reportData(run: LoadedRun, scored: RunScores = scoreRun(run)): ReportData {
  const r = run.record;
  const metric: 'base' | 'plus' = r.dataset.id.endsWith('+') ? 'plus' : 'base';
  const byTask = new Map<string, RunScores['outcomes']>();
  for (const o of scored.outcomes) {
    const l = byTask.get(o.sample.task_id) ?? [];
    l.push(o);
    byTask.set(o.sample.task_id, l);
  }
  let tokens = 0;
  let genMs = 0;
  const tasks: ReportTask[] = r.tasks.map((taskId) => {
    const gens = (run.samples.get(taskId) ?? []).filter((s): s is SampleLine => s !== undefined);
    const outs = byTask.get(taskId) ?? [];
    for (const g of gens) {
      tokens += g.tokens;
      genMs += g.generation_ms;
    }
    const failing = outs.find((o) => (o.outcome.plus ?? o.outcome.base).status !== 'pass');
    const failSuite = failing ? (failing.outcome.base.status !== 'pass' ? failing.outcome.base : failing.outcome.plus) : null;
    return {
      taskId,
      n: outs.length,
      basePassed: outs.filter((o) => o.outcome.base.status === 'pass').length,
      plusPassed: metric === 'plus' ? outs.filter((o) => o.outcome.plus?.status === 'pass').length : null,
      unscored: gens.length - outs.length,
      generationMs: gens.map((g) => g.generation_ms),
      tokens: gens.map((g) => g.tokens),
      sandboxMs: outs.map((o) => o.verdict.wallMs),
      firstFailure: failSuite ? `${failSuite.status}${failSuite.reason ? `: ${failSuite.reason}` : ''}` : null,
    };
  });
  const solvedTasks = tasks.filter((t) => (metric === 'plus' ? (t.plusPassed ?? 0) : t.basePassed) > 0).length;
  let agent: AgentSummary | null = null;
  if (r.agent) {
    const runs = [...run.samples.values()].flat().filter((x): x is SampleLine => x !== undefined).map((x) => x.agent).filter((a) => a !== undefined);
    const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const reasons: Record<string, number> = {};
    for (const a of runs) reasons[a.reason] = (reasons[a.reason] ?? 0) + 1;
    agent = {
      maxSteps: r.agent.maxSteps,
      maxRevisions: r.agent.maxRevisions,
      sessions: runs.length,
      meanSteps: mean(runs.map((a) => a.steps)),
      meanToolCalls: mean(runs.map((a) => a.tool_calls)),
      meanRevisions: mean(runs.map((a) => a.revisions)),
      reasons,
    };
  }
  const s = scored.scores;
  const e = r.environment;
  const environment: Array<[string, string]> = [
    ['june', e.june],
    ['node', e.node],
    ['node-llama-cpp', e.nodeLlamaCpp ?? '—'],
    ['llama.cpp', e.llamaCpp ?? '—'],
    ['platform', e.platform],
    ['cpu', `${e.cpu} × ${e.cpuCount}`],
    ['memory', `${(e.memoryBytes / 1024 ** 3).toFixed(1)} GiB`],
    ['gpu', e.gpu],
    ['sandbox image', `${e.sandboxImage} (${e.sandboxImageHash})`],
    ['concurrency', `${r.concurrency.generationThreads ?? 'endpoint'} inference threads + ${r.concurrency.sandboxParallel} sandbox slots on ${r.concurrency.cores} cores`],
    [
      'time limits',
      r.limits
        ? `max(${r.limits.minTimeLimitMs} ms, ${r.limits.timeFactor} × reference) per test; memory ${(r.limits.memoryBytes / 1024 ** 3).toFixed(1)} GiB`
        : 'not calibrated yet',
    ],
    ['calibration', r.calibration ? `contention ×${r.calibration.contention} from ${r.calibration.probes.length} probes` : '—'],
  ];
  return {
    runId: r.runId,
    runDir: run.dir,
    createdAt: r.createdAt,
    dataset: {id: r.dataset.id, sha256: r.dataset.sha256},
    model: {id: r.model.id, backend: r.model.backend, source: r.model.source, sha256: r.model.sha256},
    settings: {
      n: r.sampler.n,
      temperature: r.sampler.temperature,
      topP: r.sampler.topP,
      seed: r.sampler.seed,
      maxTokens: r.sampler.maxTokens,
      promptStyle: r.sampler.promptStyle,
    },
    metric,
    passAtK: {base: s?.base['pass@k'] ?? {}, plus: metric === 'plus' ? (s?.plus?.['pass@k'] ?? {}) : null},
    tasks,
    efficiency: {
      samples: scored.generated,
      generatedTokens: tokens,
      tokensPerSecond: genMs > 0 ? tokens / (genMs / 1000) : null,
      generationSeconds: genMs / 1000,
      sandboxSeconds: scored.outcomes.reduce((a, o) => a + o.verdict.wallMs, 0) / 1000,
      wallSeconds: wallMsOf(run.activity) / 1000,
      solvedTasks,
      tokensPerSolvedTask: solvedTasks > 0 ? tokens / solvedTasks : null,
    },
    agent,
    environment,
  };
}
