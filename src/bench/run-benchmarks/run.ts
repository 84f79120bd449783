/**
 * `june run-benchmarks`: generate samples with a model, score them in the sandbox while the next
 * ones are generated, and keep everything in a run directory that a kill -9 cannot corrupt.
 *
 *   dataset → tasks (--limit / --tasks) → sandbox (fails fast without Docker) → model (openModel)
 *   → run.json → idle calibration probes → generation loop ──samples.jsonl──▶ scoring workers
 *                                              │ (loaded calibration probes)      └─ results.jsonl
 *   → reports (report.md, report.html) and the human-eval / EvalPlus result files.
 *
 * Resume (`--resume ID|DIR`): the record's settings are used; only missing samples are generated
 * (each sample's seed derives from the run seed, the task and its index, so a resumed run asks for
 * exactly the samples an uninterrupted one would have) and only unscored ones are scored. Raising
 * `--n` extends the run.
 */
import {availableParallelism} from 'node:os';
import {join} from 'node:path';
import type {GpuSetting, JuneConfig} from '../../config.js';
import {loadConfig} from '../../config.js';
import {JuneError, isAbortError, toJuneError} from '../../errors.js';
import {type Env, resolveMirror, resolvePaths} from '../../paths.js';
import type {ModelHost} from '../../runtime/model-host.js';
import type {OpenModelOptions} from '../../runtime/open-model.js';
import type {Sandbox, SandboxOptions} from '../../sandbox/index.js';
import type {SampleVerdict, TestLimits} from '../../sandbox/types.js';
import type {DatasetStoreOptions, LoadedDataset} from '../datasets/index.js';
import {DEFAULT_LIMITS} from '../evaluate/limits.js';
import {outputPaths, type ScoredSample, writeOutputs} from '../evaluate/outputs.js';
import {resultRecord} from '../evaluate/record.js';
import {normaliseTaskId} from '../evaluate/samples.js';
import type {ScoreSummary} from '../evaluate/run.js';
import {buildRequest, type PromptStyle, toSampleText} from '../generation/prompts.js';
import {completionStops} from '../generation/stop-sequences.js';
import type {Problem} from '../problem.js';
import {writeReports} from '../report/index.js';
import {runAgentTask} from '../agent/run-task.js';
import type {Executor} from '../../agents/tools/types.js';
import type {Efficiency} from '../report/types.js';
import {JsonlAppender, ensureRunDir, newRunId, writeJsonAtomic} from '../run-store.js';
import {AsyncQueue} from './async-queue.js';
import {calibratedLimits, contentionFactor, planConcurrency} from './concurrency.js';
import {engineVersions} from '../../runtime/engine-version.js';
import {juneVersion, machine} from './environment.js';
import {type Activity, RUN_FORMAT, type RunRecord, type SampleLine, sampleSeed} from './record.js';
import {RUN_FILES, loadRun, locateRunDir, readRunRecord, reportData, sampleKey, scoreRun} from './run-view.js';

export const DEFAULTS = {n: 1, temperature: 0, topP: 0.95, seed: 1234, maxTokens: 768} as const;
const PROBES = 3;
const PROBE_REPEATS = 3;
const GENERATION_RETRIES = 2;
const RETRYABLE = new Set(['ENDPOINT_UNREACHABLE', 'ENDPOINT_ERROR', 'ENDPOINT_BAD_RESPONSE', 'TIMEOUT']);

export interface RunBenchmarksOptions {
  dataset?: string;
  resume?: string;
  model?: string;
  endpoint?: string;
  apiKey?: string;
  profile?: string;
  n?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  maxTokens?: number;
  limit?: number;
  tasks?: string[];
  promptStyle?: PromptStyle | 'auto';
  /** Solve each task with the coding agent (think → plan → execute → reflect) under these budgets instead of one generation. */
  agent?: {maxSteps: number; maxRevisions: number};
  threads?: number;
  parallel?: number;
  contextSize?: number;
  gpu?: GpuSetting;
  mirror?: string;
  /** Build the sandbox image when missing (default true; --no-build refuses). */
  build?: boolean;
  minTimeLimitMs?: number;
  timeFactor?: number;
  /** Per-request generation limit (default 30 min). */
  requestTimeoutMs?: number;
  env?: Env;
  config?: JuneConfig;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** One-line notes for stderr (model opened, calibration, resume). */
  onNote?: (line: string) => void;
}

export interface RunProgress {
  generated: number;
  toGenerate: number;
  scored: number;
  toScore: number;
  tokensPerSecond: number | null;
}

/** What the pieces are opened with; tests and the command use the real ones (defaultDeps). */
export interface RunDeps {
  loadDataset(id: string, opts: DatasetStoreOptions): Promise<LoadedDataset>;
  openSandbox(opts: SandboxOptions): Promise<Sandbox>;
  sandboxImage(): Promise<{tag: string; hash: string}>;
  openModel(opts: OpenModelOptions): Promise<ModelHost>;
  /** sha256 of a model file (the runtime reads it: one door to model files). */
  modelSha256(path: string, signal?: AbortSignal): Promise<string>;
  /** The agent's session container over a task's workspace (`--agent`). */
  openExecutor(workspace: string, signal?: AbortSignal): Promise<Executor>;
}

export async function defaultDeps(): Promise<RunDeps> {
  return {
    loadDataset: async (id, opts) => (await import('../datasets/index.js')).loadDataset(id, opts),
    openSandbox: async (opts) => (await import('../../sandbox/index.js')).openSandbox(opts),
    sandboxImage: async () => {
      const sb = await import('../../sandbox/index.js');
      const hash = sb.imageHash();
      return {tag: sb.imageTag(hash), hash};
    },
    openModel: async (opts) => (await import('../../runtime/open-model.js')).openModel(opts),
    modelSha256: async (path, signal) => (await import('../../runtime/download/fetch-file.js')).sha256OfFile(path, signal),
    openExecutor: async (workspace, signal) =>
      (await import('../../sandbox/session.js')).openSessionContainer({workspace, build: false, ...(signal ? {signal} : {})}),
  };
}

export interface RunBenchmarksResult extends ScoreSummary {
  runId: string;
  samplesPath: string;
  /** report.html */
  reportPath: string;
  markdownPath: string;
  /** Samples generated / scored by this invocation (a resume does only what was missing). */
  generatedNow: number;
  scoredNow: number;
  resumed: boolean;
  limits: TestLimits;
  efficiency: Efficiency;
  /** The terminal rendering of the report. */
  terminal: string;
}

interface WorkItem {
  problem: Problem;
  sample: SampleLine;
}

function usage(message: string, hint: string): JuneError {
  return new JuneError('USAGE', message, {hint});
}

function checkSampler(n: number, temperature: number, topP: number, maxTokens: number): void {
  if (!(temperature >= 0 && temperature <= 5)) throw usage(`--temperature must be between 0 and 5 (got ${temperature})`, 'e.g. --temperature 0.8');
  if (!(topP > 0 && topP <= 1)) throw usage(`--top-p must be in (0, 1] (got ${topP})`, 'e.g. --top-p 0.95');
  if (n > 1 && temperature === 0)
    throw usage(`--n ${n} with --temperature 0 would give ${n} identical greedy samples`, 'pass --temperature 0.8 (or so) for n > 1');
  if (maxTokens < 1) throw usage('--max-tokens must be at least 1', 'e.g. --max-tokens 768');
}

/** The tasks of a new run, in dataset order. */
export function selectTasks(ds: LoadedDataset, opts: {limit?: number; tasks?: string[]}): string[] {
  let ids = ds.problems.map((p) => p.taskId);
  if (opts.tasks && opts.tasks.length) {
    const wanted = opts.tasks.map((t) => normaliseTaskId(ds.id, t.trim())).filter((t) => t !== '');
    const unknown = wanted.filter((t) => !ds.byTaskId.has(t));
    if (unknown.length)
      throw new JuneError('TASK_UNKNOWN', `${unknown.slice(0, 3).map((t) => `"${t}"`).join(', ')}${unknown.length > 3 ? ` and ${unknown.length - 3} more` : ''} ${unknown.length === 1 ? 'is not a task' : 'are not tasks'} of ${ds.id}`, {
        hint: `${ds.id} task ids look like "${ds.problems[0]?.taskId ?? ''}"`,
      });
    const set = new Set(wanted);
    ids = ids.filter((t) => set.has(t));
  }
  if (opts.limit !== undefined) ids = ids.slice(0, opts.limit);
  if (ids.length === 0) throw usage('no task selected', 'check --tasks / --limit');
  return ids;
}

export interface PromptStyleChoice {
  style: PromptStyle;
  /** What --prompt-style asked for. */
  asked: PromptStyle | 'auto';
  /** Why this style, in words (recorded in run.json). */
  reason: string;
}

/**
 * auto: chat when the model carries a chat template, raw completion when it has none. Embedded: the
 * GGUF's tokenizer.chat_template; endpoint: what the server reports (GET /props), chat when it
 * reports nothing (an OpenAI-compatible server is a chat server first).
 */
export async function choosePromptStyle(asked: PromptStyle | 'auto' | undefined, host: ModelHost, signal?: AbortSignal): Promise<PromptStyleChoice> {
  if (asked && asked !== 'auto') return {style: asked, asked, reason: `--prompt-style ${asked}`};
  const report = host.chatTemplateReport ? await host.chatTemplateReport(signal) : {present: null, source: 'the model host cannot tell whether it has a chat template'};
  if (report.present === true) return {style: 'chat', asked: 'auto', reason: `auto: ${report.source}`};
  if (report.present === false) return {style: 'completion', asked: 'auto', reason: `auto: ${report.source}`};
  return {style: 'chat', asked: 'auto', reason: `auto: ${report.source}; chat, the default for ${host.info.backend === 'endpoint' ? 'a server' : 'a model'} that does not say`};
}

function nowIso(): string {
  return new Date().toISOString();
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((res, rej) => {
    if (signal?.aborted) return rej(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      res();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      rej(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, {once: true});
  });
}

export async function runBenchmarks(opts: RunBenchmarksOptions, deps?: RunDeps): Promise<RunBenchmarksResult> {
  const d = deps ?? (await defaultDeps());
  const env = opts.env ?? process.env;
  const paths = resolvePaths(env);
  const config = opts.config ?? (await loadConfig(env));
  const mirror = resolveMirror(opts.mirror, env) ?? config.mirror;
  const note = opts.onNote ?? (() => {});
  const signal = opts.signal;

  // ---- what to run: a new run from the flags, or the record of the run to resume
  let existing: RunRecord | null = null;
  let runDir: string | null = null;
  if (opts.resume !== undefined) {
    runDir = await locateRunDir(opts.resume, paths.runsDir);
    existing = await readRunRecord(runDir);
    const conflicts: string[] = [];
    const same = (flag: string, given: unknown, recorded: unknown): void => {
      if (given !== undefined && given !== recorded) conflicts.push(`${flag} ${String(given)} (the run has ${String(recorded)})`);
    };
    same('--dataset', opts.dataset, existing.dataset.id);
    same('--temperature', opts.temperature, existing.sampler.temperature);
    same('--top-p', opts.topP, existing.sampler.topP);
    same('--seed', opts.seed, existing.sampler.seed);
    same('--max-tokens', opts.maxTokens, existing.sampler.maxTokens);
    same('--prompt-style', opts.promptStyle === 'auto' ? undefined : opts.promptStyle, existing.sampler.promptStyle);
    if (opts.limit !== undefined || opts.tasks !== undefined) conflicts.push('--limit/--tasks (a run keeps its tasks)');
    if (opts.agent !== undefined && !existing.agent) conflicts.push('--agent (the run is single-shot)');
    if (opts.agent !== undefined && existing.agent && (opts.agent.maxSteps !== existing.agent.maxSteps || opts.agent.maxRevisions !== existing.agent.maxRevisions))
      conflicts.push(`--max-steps/--max-revisions (the run has ${existing.agent.maxSteps}/${existing.agent.maxRevisions})`);
    if (opts.n !== undefined && opts.n < existing.sampler.n) conflicts.push(`--n ${opts.n} (the run already has n=${existing.sampler.n}; n can only grow)`);
    if (conflicts.length)
      throw usage(`--resume ${opts.resume}: ${conflicts.join('; ')}`, 'resume with no sampler flags, or start a new run (only --n may be raised)');
  } else if (opts.dataset === undefined) {
    throw usage('--dataset is required', 'e.g. june run-benchmarks --dataset humaneval+ (humaneval, humaneval+, mbpp, mbpp+)');
  }

  const n = Math.max(opts.n ?? existing?.sampler.n ?? DEFAULTS.n, existing?.sampler.n ?? 1);
  const temperature = existing?.sampler.temperature ?? opts.temperature ?? DEFAULTS.temperature;
  const topP = existing?.sampler.topP ?? opts.topP ?? DEFAULTS.topP;
  const seed = existing?.sampler.seed ?? opts.seed ?? DEFAULTS.seed;
  const maxTokens = existing?.sampler.maxTokens ?? opts.maxTokens ?? DEFAULTS.maxTokens;
  checkSampler(n, temperature, topP, maxTokens);
  const agentCfg = existing ? (existing.agent ?? null) : opts.agent ? {...opts.agent, replyMaxTokens: maxTokens} : null;

  const dataset = await d.loadDataset(existing?.dataset.id ?? (opts.dataset as string), {
    datasetsDir: paths.datasetsDir,
    mirror,
    signal,
  });
  if (existing && existing.dataset.sha256 !== dataset.sha256)
    throw new JuneError('BAD_INPUT', `the ${dataset.id} file changed since run ${existing.runId} started (sha256 ${dataset.sha256.slice(0, 12)}…, the run has ${existing.dataset.sha256.slice(0, 12)}…)`, {
      hint: 'start a new run: verdicts of two dataset versions must not mix',
    });
  const taskIds = existing?.tasks ?? selectTasks(dataset, {limit: opts.limit, tasks: opts.tasks});

  // ---- the model target (pure), then the machine plan
  const {resolveTarget} = await import('../../runtime/open-model.js');
  let modelRef: string | undefined = existing ? (existing.model.ref ?? undefined) : opts.model;
  // a resumed endpoint run may name the server's new address (a restarted server); it must serve the same model
  const endpoint = existing ? (existing.model.backend === 'endpoint' ? (opts.endpoint ?? existing.model.source) : undefined) : opts.endpoint;
  if (existing && existing.model.backend === 'embedded' && (opts.endpoint !== undefined || (opts.model !== undefined && opts.model !== existing.model.ref)))
    throw usage(`--resume ${opts.resume}: the run was made with ${existing.model.ref ?? existing.model.id}`, 'resume without --model/--endpoint');
  const profile = existing ? (existing.model.profile ?? undefined) : opts.profile;
  if (!existing && modelRef === undefined && endpoint === undefined && profile === undefined) {
    const {defaultFor, loadCatalog} = await import('../../runtime/catalog.js');
    modelRef = defaultFor(loadCatalog(), 'coder', config.defaults).id;
  }
  const target = resolveTarget({model: modelRef, endpoint, profile}, config, env);
  const plan = planConcurrency({cores: availableParallelism(), backend: target.kind, threads: opts.threads ?? config.threads, parallel: opts.parallel});

  // ---- what is already there (resume)
  const prior = runDir ? await loadRun(runDir) : null;
  const have = (taskId: string, i: number): SampleLine | undefined => prior?.samples.get(taskId)?.[i];
  let toGenerate = 0;
  for (const t of taskIds) for (let i = 0; i < n; i++) if (!have(t, i)) toGenerate++;

  // ---- sandbox first: no Docker should cost nothing
  const sandbox = await d.openSandbox({parallel: plan.sandboxParallel, build: opts.build ?? true, onProgress: note, signal});
  let host: ModelHost | null = null;
  const sessionStart = Date.now();
  let samplesOut: JsonlAppender | null = null;
  let resultsOut: JsonlAppender | null = null;
  let activityOut: JsonlAppender | null = null;
  try {
    const image = await d.sandboxImage();
    if (existing && existing.environment.sandboxImageHash !== image.hash)
      note(`the sandbox image changed since this run started (${existing.environment.sandboxImageHash} → ${image.hash}): earlier verdicts are kept, new ones are keyed by the new image`);

    // ---- the model, only when something is left to generate
    let modelSha: string | null = existing?.model.sha256 ?? null;
    if (toGenerate > 0) {
      host = await d.openModel({
        ...(modelRef !== undefined ? {model: modelRef} : {}),
        ...(endpoint !== undefined ? {endpoint} : {}),
        ...(profile !== undefined ? {profile} : {}),
        ...(opts.apiKey !== undefined ? {apiKey: opts.apiKey} : {}),
        ...(plan.generationThreads !== null ? {threads: plan.generationThreads} : {}),
        ...(opts.contextSize !== undefined ? {contextSize: opts.contextSize} : {}),
        ...(opts.gpu !== undefined ? {gpu: opts.gpu} : {}),
        ...(mirror !== undefined ? {mirror} : {}),
        config,
        env,
        ...(signal ? {signal} : {}),
      });
      if (host.info.backend === 'embedded') {
        const sha = await d.modelSha256(host.info.source, signal);
        if (existing && existing.model.sha256 && existing.model.sha256 !== sha)
          throw new JuneError('BAD_INPUT', `the model file ${host.info.source} changed since run ${existing.runId} started`, {
            hint: 'start a new run: samples of two models must not mix',
          });
        modelSha = sha;
      } else if (existing && existing.model.id !== host.info.id) {
        throw new JuneError('BAD_INPUT', `the endpoint now serves "${host.info.id}", run ${existing.runId} was made with "${existing.model.id}"`, {
          hint: 'resume against the same model, or start a new run',
        });
      }
      note(`model ${host.info.id} (${host.info.backend}: ${host.info.source})`);
    }
    const promptChoice: PromptStyleChoice | null = existing
      ? null
      : agentCfg
        ? {style: 'chat', asked: opts.promptStyle ?? 'auto', reason: 'the coding agent: a chat with tools (--agent)'}
        : host
          ? await choosePromptStyle(opts.promptStyle, host, signal)
          : null;
    const promptStyle: PromptStyle = existing?.sampler.promptStyle ?? promptChoice?.style ?? 'completion';
    if (promptChoice) note(`prompts: ${promptChoice.style} (${promptChoice.reason})`);

    // ---- the record
    let record: RunRecord;
    if (existing && runDir) {
      record = {...existing};
      if (n > existing.sampler.n) {
        record.sampler = {...existing.sampler, n};
        record.history = [...existing.history, {at: nowIso(), event: `n raised from ${existing.sampler.n} to ${n}`}];
      }
      record.history = [...record.history, {at: nowIso(), event: `resumed: ${toGenerate} sample(s) to generate`}];
      if (host && host.info.backend === 'endpoint' && host.info.source !== existing.model.source)
        record.history.push({at: nowIso(), event: `endpoint now ${host.info.source}`});
    } else {
      const runId = newRunId('bench');
      runDir = await ensureRunDir(paths.runsDir, runId);
      const info = host?.info;
      const versions = engineVersions();
      const m = machine();
      const baseLimits: TestLimits = {
        ...DEFAULT_LIMITS,
        ...(opts.minTimeLimitMs !== undefined ? {minTimeLimitMs: opts.minTimeLimitMs} : {}),
        ...(opts.timeFactor !== undefined ? {timeFactor: opts.timeFactor} : {}),
      };
      record = {
        format: RUN_FORMAT,
        runId,
        createdAt: nowIso(),
        dataset: {id: dataset.id, file: dataset.entry.file, sha256: dataset.sha256},
        tasks: taskIds,
        selection: {limit: opts.limit ?? null, tasks: opts.tasks ?? null},
        model: {
          ref: modelRef ?? null,
          profile: profile ?? null,
          id: info?.id ?? modelRef ?? 'unknown',
          backend: info?.backend ?? (target.kind === 'endpoint' ? 'endpoint' : 'embedded'),
          source: info?.source ?? endpoint ?? modelRef ?? 'unknown',
          sha256: modelSha,
          bytes: null,
          contextSize: info?.contextSize ?? null,
          threads: info?.threads ?? plan.generationThreads,
          gpu: info?.gpu ?? false,
        },
        sampler: {
          n,
          temperature,
          topP,
          seed,
          maxTokens,
          promptStyle,
          promptStyleReason: promptChoice?.reason ?? `--prompt-style ${opts.promptStyle ?? 'auto'} with no model to ask: completion`,
          stop: promptStyle === 'completion' ? completionStops(dataset.id) : [],
        },
        concurrency: plan,
        baseLimits,
        limits: null,
        calibration: null,
        environment: {
          june: juneVersion(),
          node: process.version,
          nodeLlamaCpp: versions.nodeLlamaCpp,
          llamaCpp: versions.llamaCpp,
          platform: m.platform,
          cpu: m.cpu,
          cpuCount: m.cpuCount,
          memoryBytes: m.memoryBytes,
          gpu: info ? (info.gpu === false ? 'none (CPU)' : String(info.gpu)) : 'n/a (endpoint)',
          sandboxImage: image.tag,
          sandboxImageHash: image.hash,
        },
        agent: agentCfg,
        history: [],
      };
      if (info?.backend === 'embedded') {
        const {stat} = await import('node:fs/promises');
        record.model.bytes = (await stat(info.source)).size;
      }
    }
    const dir = runDir;
    await writeJsonAtomic(join(dir, RUN_FILES.record), record);
    note(`run ${record.runId}: ${dir}`);

    samplesOut = await JsonlAppender.open(join(dir, RUN_FILES.samples));
    resultsOut = await JsonlAppender.open(join(dir, RUN_FILES.results));
    activityOut = await JsonlAppender.open(join(dir, RUN_FILES.activity));
    const activity = activityOut;
    const log = (a: Activity): Promise<void> => activity.append(a);
    await log({type: 'session', event: 'start', at: new Date(sessionStart).toISOString()});

    // ---- cancellation: `stopAll` (Ctrl-C, a sandbox or calibration failure) ends everything; `stopGen`
    // (also a generation failure, e.g. an endpoint that died) ends generation while what was generated still scores
    const stopAll = new AbortController();
    const stopGen = new AbortController();
    const onUserAbort = (): void => stopAll.abort(signal?.reason);
    if (signal?.aborted) onUserAbort();
    signal?.addEventListener('abort', onUserAbort, {once: true});
    stopAll.signal.addEventListener('abort', () => stopGen.abort(stopAll.signal.reason), {once: true});
    let failure: unknown;
    let genFailure: unknown;
    const fail = (err: unknown): void => {
      if (failure === undefined && !(stopAll.signal.aborted && isAbortError(err))) failure = err;
      if (!stopAll.signal.aborted) stopAll.abort(err);
    };
    const failGen = (err: unknown): void => {
      if (genFailure === undefined && !(stopGen.signal.aborted && isAbortError(err))) genFailure = err;
      if (!stopGen.signal.aborted) stopGen.abort(err);
    };

    // ---- calibration: idle probes now, loaded probes once generation runs
    const limits: TestLimits | null = record.limits;
    let calibrated: Promise<TestLimits>;
    let startLoadedProbes: () => void = () => {};
    if (limits) calibrated = Promise.resolve(limits);
    else {
      const probeTasks = taskIds.slice(0, PROBES).map((t) => dataset.byTaskId.get(t) as Problem);
      const base = record.baseLimits;
      // a probe: the task's reference solution through the sandbox, PROBE_REPEATS times, median wall time
      const referenceFailures: string[] = [];
      const probe = async (p: Problem): Promise<number> => {
        const walls: number[] = [];
        for (let k = 0; k < PROBE_REPEATS; k++) {
          const v = await sandbox.evaluate(p, {taskId: p.taskId, program: p.referenceProgram}, base, stopAll.signal);
          if (v.base.status !== 'pass' && k === 0) referenceFailures.push(`${p.taskId}: ${v.base.status}${v.base.reason ? ` (${v.base.reason})` : ''}`);
          walls.push(v.wallMs);
        }
        return walls.sort((a, b) => a - b)[Math.floor(walls.length / 2)]!;
      };
      const idle: number[] = [];
      for (const p of probeTasks) await sandbox.referenceTimes(p, stopAll.signal);
      // one discarded run warms the container's runner, then each probe is timed alone
      if (probeTasks[0]) await sandbox.evaluate(probeTasks[0], {taskId: probeTasks[0].taskId, program: probeTasks[0].referenceProgram}, base, stopAll.signal);
      for (const p of probeTasks) idle.push(await probe(p));
      // the reference solutions must pass: when none does, the harness is broken, and no verdict of it can be trusted
      if (probeTasks.length > 0 && referenceFailures.length === probeTasks.length)
        throw new JuneError('HARNESS_FAILURE', `the sandbox failed every reference solution it was given (${referenceFailures.join('; ')})`, {
          hint: 'check the sandbox with `june evaluate` on canonical samples, or rebuild it with `june sandbox build`',
        });
      for (const f of referenceFailures) note(`warning: the reference solution of ${f} did not pass in the sandbox`);
      referenceFailures.length = 0;
      calibrated = new Promise<TestLimits>((res, rej) => {
        startLoadedProbes = () => {
          startLoadedProbes = () => {};
          void (async () => {
            const loaded = new Array<number>(probeTasks.length);
            let next = 0;
            await Promise.all(
              Array.from({length: Math.min(plan.sandboxParallel, probeTasks.length)}, async () => {
                while (next < probeTasks.length) {
                  const i = next++;
                  loaded[i] = await probe(probeTasks[i]!);
                }
              }),
            );
            const probes = probeTasks.map((p, i) => ({taskId: p.taskId, idleMs: idle[i]!, loadedMs: loaded[i]!}));
            const contention = contentionFactor(probes);
            const lim = calibratedLimits(base, contention);
            record.calibration = {contention, probes, at: nowIso()};
            record.limits = lim;
            await writeJsonAtomic(join(dir, RUN_FILES.record), record);
            for (const p of probes) await log({type: 'calibration', at: nowIso(), task_id: p.taskId, idle_ms: p.idleMs, loaded_ms: p.loadedMs});
            note(`time limits calibrated under load: contention ×${contention} → max(${lim.minTimeLimitMs} ms, ${lim.timeFactor} × reference) per test`);
            return lim;
          })().then(res, rej);
        };
      });
      calibrated.catch(fail);
      // nothing to generate: calibrate now (the load is the scoring itself)
      if (toGenerate === 0) startLoadedProbes();
    }

    // ---- the scoring side
    const queue = new AsyncQueue<WorkItem>();
    const known = new Set(prior?.verdicts.keys() ?? []);
    let scoredNow = 0;
    let toScore = 0;
    let generatedNow = 0;
    let tokensNow = 0;
    let genMsNow = 0;
    const taskStart = new Map<string, number>();
    const solved = new Set<string>();
    const progress = (): void =>
      opts.onProgress?.({generated: generatedNow, toGenerate, scored: scoredNow, toScore, tokensPerSecond: genMsNow > 0 ? tokensNow / (genMsNow / 1000) : null});
    const enqueue = (problem: Problem, sample: SampleLine): void => {
      toScore++;
      queue.push({problem, sample});
    };
    if (prior) {
      for (const t of taskIds)
        for (let i = 0; i < n; i++) {
          const s = have(t, i);
          if (s && !(limits && known.has(sampleKey(record, limits, t, s.solution)))) enqueue(dataset.byTaskId.get(t) as Problem, s);
        }
    }
    const worker = async (): Promise<void> => {
      let lim: TestLimits;
      try {
        lim = await new Promise<TestLimits>((res, rej) => {
          const onStop = (): void => rej(stopAll.signal.reason);
          if (stopAll.signal.aborted) onStop();
          stopAll.signal.addEventListener('abort', onStop, {once: true});
          calibrated.then(res, rej).finally(() => stopAll.signal.removeEventListener('abort', onStop));
        });
      } catch (err) {
        fail(err);
        return;
      }
      for (;;) {
        if (stopAll.signal.aborted) return;
        const item = await queue.next();
        if (!item || stopAll.signal.aborted) return;
        const {problem, sample} = item.value;
        const key = sampleKey(record, lim, problem.taskId, sample.solution);
        if (known.has(key)) {
          scoredNow++;
          progress();
          continue;
        }
        let v: SampleVerdict;
        try {
          v = await sandbox.evaluate(problem, {taskId: problem.taskId, program: sample.solution}, lim, stopAll.signal);
        } catch (err) {
          fail(err);
          return;
        }
        known.add(key);
        await (resultsOut as JsonlAppender).append(resultRecord(key, problem.taskId, sample.completion_id, v));
        const passed = (v.plus ?? v.base).status === 'pass' && (v.base.status === 'pass');
        let tts: number | null = null;
        if (passed && !solved.has(problem.taskId) && taskStart.has(problem.taskId)) {
          solved.add(problem.taskId);
          tts = Date.now() - (taskStart.get(problem.taskId) as number);
        }
        const tests = `${v.base.testsTotal} base test(s)${v.plus ? ` + ${v.plus.testsTotal} plus test(s)` : ''}`;
        await log({
          type: 'sandbox',
          task_id: problem.taskId,
          completion_id: sample.completion_id,
          at: nowIso(),
          command: `python3: program + ${tests}`,
          wall_ms: v.wallMs,
          exit: `base=${v.base.status}${v.plus ? ` plus=${v.plus.status}` : ''}${v.base.reason ? ` (${v.base.reason})` : v.plus?.reason ? ` (${v.plus.reason})` : ''}`,
          output_bytes: v.outputBytes,
          passed,
          time_to_solution_ms: tts,
        });
        scoredNow++;
        progress();
      }
    };
    const workers = Array.from({length: plan.sandboxParallel}, () => worker());

    // ---- the generation side
    const generateByAgent = async (problem: Problem, i: number, cfg: NonNullable<typeof agentCfg>): Promise<SampleLine> => {
      const sSeed = sampleSeed(seed, problem.taskId, i);
      const r = await runAgentTask({
        host: host as ModelHost,
        problem,
        budgets: cfg,
        sessionsDir: join(dir, 'sessions'),
        openExecutor: (ws) => d.openExecutor(ws, stopGen.signal),
        temperature,
        seed: sSeed,
        signal: stopGen.signal,
      });
      return {
        task_id: problem.taskId,
        completion_id: i,
        completion: r.completion,
        solution: r.solution,
        raw: r.final,
        prompt_style: promptStyle,
        seed: sSeed,
        tokens: r.tokens,
        prompt_tokens: r.promptTokens,
        generation_ms: r.ms,
        ttft_ms: r.ttftMs ?? r.ms,
        finish_reason: r.reason,
        created_at: nowIso(),
        agent: {session: r.session, reason: r.reason, steps: r.steps, tool_calls: r.toolCalls, revisions: r.revisions},
      };
    };

    const generateOne = async (problem: Problem, i: number): Promise<SampleLine> => {
      if (agentCfg) return generateByAgent(problem, i, agentCfg);
      const h = host as ModelHost;
      const req = buildRequest(problem, promptStyle);
      const sSeed = sampleSeed(seed, problem.taskId, i);
      const gopts = {
        maxTokens,
        temperature,
        topP,
        seed: sSeed,
        stop: req.stop,
        signal: stopGen.signal,
        timeoutMs: opts.requestTimeoutMs ?? 30 * 60_000,
      };
      for (let attempt = 0; ; attempt++) {
        try {
          const t0 = Date.now();
          const g = req.style === 'completion' ? h.complete(req.prompt, gopts) : h.chat(req.messages, gopts);
          const res = await g.result;
          const text = toSampleText(problem, promptStyle, res.text);
          return {
            task_id: problem.taskId,
            completion_id: i,
            completion: text.completion,
            solution: text.solution,
            raw: res.text,
            prompt_style: promptStyle,
            seed: sSeed,
            tokens: res.usage.completionTokens,
            prompt_tokens: res.usage.promptTokens,
            generation_ms: res.timings.totalMs || Date.now() - t0,
            ttft_ms: res.timings.ttftMs,
            finish_reason: res.finishReason,
            created_at: nowIso(),
          };
        } catch (err) {
          const je = toJuneError(err);
          if (stopGen.signal.aborted || attempt >= GENERATION_RETRIES || !RETRYABLE.has(je.code)) throw err;
          const wait = 2000 * 2 ** attempt;
          note(`generation for ${problem.taskId} failed (${je.code}: ${je.message}); retrying in ${wait / 1000} s`);
          await sleep(wait, stopGen.signal);
        }
      }
    };

    const generation = (async (): Promise<void> => {
      if (toGenerate === 0) return;
      let first = true;
      for (const taskId of taskIds) {
        const problem = dataset.byTaskId.get(taskId) as Problem;
        for (let i = 0; i < n; i++) {
          if (have(taskId, i)) continue;
          if (stopGen.signal.aborted) return;
          if (!taskStart.has(taskId)) taskStart.set(taskId, Date.now());
          const pending = generateOne(problem, i);
          if (first) {
            first = false;
            startLoadedProbes();
          }
          let sample: SampleLine;
          try {
            sample = await pending;
          } catch (err) {
            failGen(err);
            return;
          }
          await (samplesOut as JsonlAppender).append(sample);
          await log({
            type: 'generation',
            task_id: taskId,
            completion_id: i,
            at: nowIso(),
            ms: sample.generation_ms,
            tokens: sample.tokens,
            ttft_ms: sample.ttft_ms,
            finish_reason: sample.finish_reason,
            since_task_start_ms: Date.now() - (taskStart.get(taskId) as number),
          });
          generatedNow++;
          tokensNow += sample.tokens;
          genMsNow += sample.generation_ms;
          progress();
          enqueue(problem, sample);
        }
      }
    })();
    progress();
    await generation;
    // generation is over (or failed): the model is no longer needed while the last samples score
    if (host) {
      await host.close().catch(() => undefined);
      host = null;
    }
    if (!stopAll.signal.aborted) startLoadedProbes();
    queue.close();
    await Promise.all(workers).catch(fail);
    if (failure === undefined && genFailure !== undefined) failure = genFailure;
    signal?.removeEventListener('abort', onUserAbort);

    await log({type: 'session', event: 'end', at: nowIso(), wall_ms: Date.now() - sessionStart, ...(failure !== undefined || signal?.aborted ? {reason: failure !== undefined ? toJuneError(failure).code : 'INTERRUPTED'} : {})});
    await samplesOut.close();
    await resultsOut.close();
    await activityOut.close();
    samplesOut = resultsOut = activityOut = null;

    // ---- the figures, the files both harnesses read, and the reports (also after a failure: nothing finished is lost)
    const run = await loadRun(dir);
    const scores = scoreRun(run);
    const data = reportData(run, scores);
    const written = await writeReports(data);
    const samplesPath = join(dir, RUN_FILES.samples);
    const out = outputPaths(dir, samplesPath);
    if (scores.scores) {
      const scored: ScoredSample[] = scores.outcomes.map((o, index) => ({
        sample: {
          taskId: o.sample.task_id,
          program: o.sample.solution,
          index,
          line: index + 1,
          completionId: o.sample.completion_id,
          record: {task_id: o.sample.task_id, completion: o.sample.completion, solution: o.sample.solution},
        },
        problem: dataset.byTaskId.get(o.sample.task_id) as Problem,
        outcome: o.outcome,
      }));
      await writeOutputs(out, scored, scores.scores, dataset.sha256);
    }

    if (failure !== undefined || signal?.aborted) {
      const je = failure !== undefined ? toJuneError(failure) : new JuneError('INTERRUPTED', 'interrupted');
      const kept = `${scores.generated} sample(s) generated and ${scores.scored} scored are kept in ${dir}`;
      throw new JuneError(je.code, `${je.message}; ${kept}`, {
        hint: `${je.hint ? `${je.hint}; then ` : ''}continue with \`june run-benchmarks --resume ${record.runId}\``,
        cause: failure,
      });
    }
    const missing = scores.generated - scores.scored;
    if (missing > 0 || scores.scores === null)
      throw new JuneError('HARNESS_FAILURE', `${missing} sample(s) of run ${record.runId} have no verdict`, {
        hint: `rerun \`june run-benchmarks --resume ${record.runId}\``,
      });
    const s = scores.scores;
    const headline = s.plus ?? s.base;
    return {
      dataset: dataset.id,
      samples: s.samples,
      tasks: s.tasks,
      'pass@1': headline['pass@1'],
      'pass@k': headline['pass@k'],
      base: s.base,
      plus: s.plus,
      runDir: dir,
      resultsPath: out.resultsPath,
      evalplusResultsPath: out.evalplusResultsPath,
      runId: record.runId,
      samplesPath,
      reportPath: written.htmlPath,
      markdownPath: written.markdownPath,
      generatedNow,
      scoredNow,
      resumed: existing !== null,
      limits: run.record.limits as TestLimits,
      efficiency: data.efficiency,
      terminal: written.terminal,
    };
  } finally {
    await samplesOut?.close().catch(() => undefined);
    await resultsOut?.close().catch(() => undefined);
    await activityOut?.close().catch(() => undefined);
    await host?.close().catch(() => undefined);
    await sandbox.close().catch(() => undefined);
  }
}
