/**
 * One line of a run's results.jsonl: the harness's verdict for one sample, keyed by the sha256 of
 * everything the verdict depends on (the program, its task, the dataset file's sha256, the limits
 * and june's scoring version), so a rerun reuses exactly the verdicts that still hold.
 */
import {createHash} from 'node:crypto';
import {z} from 'zod';
import type {DatasetId} from '../problem.js';
import type {SampleVerdict, TestLimits} from '../../sandbox/types.js';

/** Bump when the meaning of a stored verdict changes, so old records are never reused. */
export const SCORING_VERSION = 1;

export interface KeyParts {
  dataset: DatasetId;
  datasetSha256: string;
  taskId: string;
  program: string;
  limits: TestLimits;
  /** Anything else the verdict depends on (e.g. the sandbox image hash). */
  extra?: Record<string, string>;
}

export function resultKey(p: KeyParts): string {
  const l = p.limits;
  const canonical = JSON.stringify([
    SCORING_VERSION,
    p.dataset,
    p.datasetSha256,
    p.taskId,
    p.program,
    [l.minTimeLimitMs, l.timeFactor, l.memoryBytes, l.outputBytes, l.allInputs, l.suiteTimeoutMs ?? null],
    Object.entries(p.extra ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

const StatusSchema = z.enum(['pass', 'fail', 'timeout']);

export const SuiteResultSchema = z.looseObject({
  status: StatusSchema,
  failedTests: z.array(z.number().int().nonnegative()),
  testsRun: z.number().int().nonnegative(),
  testsTotal: z.number().int().nonnegative(),
  reason: z.string().nullable(),
});

export const SampleVerdictSchema = z.looseObject({
  base: SuiteResultSchema,
  plus: SuiteResultSchema.nullable(),
  flags: z.array(z.string()),
  timeLimitsMs: z.looseObject({base: z.array(z.number()), plus: z.array(z.number())}),
  wallMs: z.number().nonnegative(),
  outputBytes: z.number().int().nonnegative(),
});

export const ResultRecordSchema = z.looseObject({
  v: z.literal(SCORING_VERSION),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  task_id: z.string(),
  completion_id: z.number().int().nonnegative(),
  verdict: SampleVerdictSchema,
  finished_at: z.string(),
});
export type ResultRecord = Omit<z.infer<typeof ResultRecordSchema>, 'verdict'> & {verdict: SampleVerdict};

export function resultRecord(key: string, taskId: string, completionId: number, verdict: SampleVerdict): ResultRecord {
  return {v: SCORING_VERSION, key, task_id: taskId, completion_id: completionId, verdict, finished_at: new Date().toISOString()};
}
