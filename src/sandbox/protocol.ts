/**
 * What the runner inside a container sends back (each line prefixed with the run's nonce), as zod
 * schemas: nothing from a container is trusted before it parses. Pure module, no Docker.
 */
import {z} from 'zod';

export const RunnerSuiteSchema = z.object({
  status: z.enum(['pass', 'fail', 'timeout']),
  failedTests: z.array(z.number().int().nonnegative()),
  testsRun: z.number().int().nonnegative(),
  testsTotal: z.number().int().nonnegative(),
  reason: z.string().nullable(),
  outputBytes: z.number().int().nonnegative(),
  output: z.string(),
  /**
   * Only for reference runs: the outputs as one JSON text in the runner's encoding, which the host
   * never parses (JS numbers would round ints beyond 2^53 and turn whole floats into ints) and hands
   * back verbatim as JobSuite.expectedJson; how many there are, how many are errors; times in seconds.
   */
  ref: z
    .object({
      outputsJson: z.string(),
      count: z.number().int().nonnegative(),
      errors: z.number().int().nonnegative(),
      times: z.array(z.number().nonnegative()),
    })
    .optional(),
});
export type RunnerSuite = z.infer<typeof RunnerSuiteSchema>;

export const RunnerMessageSchema = z.discriminatedUnion('type', [
  z.object({type: z.literal('ready'), protocol: z.number(), python: z.string()}),
  z.object({type: z.literal('pong'), poisoned: z.boolean()}),
  z.object({
    type: z.literal('result'),
    id: z.string(),
    suites: z.array(RunnerSuiteSchema),
    flags: z.array(z.string()),
    wallMs: z.number(),
    poisoned: z.boolean(),
  }),
  z.object({type: z.literal('error'), id: z.string(), why: z.string(), trace: z.string().optional(), poisoned: z.boolean()}),
  z.object({type: z.literal('fatal'), why: z.string()}),
]);
export type RunnerMessage = z.infer<typeof RunnerMessageSchema>;
export type RunnerResult = Extract<RunnerMessage, {type: 'result'}>;

export const RUNNER_PROTOCOL = 3;

/** One suite of a job as the runner expects it. */
export interface JobSuite {
  kind: 'io' | 'script' | 'ref-io' | 'ref-script';
  n: number;
  budgetMs: number;
  timeLimitsMs?: number[];
  /** Python json text of the argument lists (io kinds). */
  inputs?: string;
  /** Expected outputs: the reference run's outputsJson, verbatim (io). */
  expectedJson?: string;
  scripts?: string[];
}

export interface Job {
  type: 'job';
  id: string;
  slot: number;
  program: string;
  entryPoint?: string;
  family?: 'humaneval' | 'mbpp';
  taskId?: string;
  deserializeInputs?: string;
  atol?: number;
  memoryBytes?: number | null;
  outputBytes?: number;
  allInputs?: boolean;
  strict?: boolean;
  /**
   * Script suites: trusted dataset code the checker runs before the test code, with the entry point
   * then bound to its proxy (HumanEval: the prompt, which defines helpers such as encode_cyclic).
   */
  checkerPrelude?: string;
  suites: JobSuite[];
}

/**
 * JSON as Python's json module reads it, from JS values: bigint as exact digits, NaN and ±Infinity
 * as Python's bare tokens. Used only when a problem carries no source text of its inputs.
 */
export function toPythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Number.POSITIVE_INFINITY) return 'Infinity';
    if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(toPythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${JSON.stringify(k)}: ${toPythonJson(v)}`)
      .join(', ')}}`;
  }
  throw new TypeError(`cannot pass a ${typeof value} to Python`);
}
