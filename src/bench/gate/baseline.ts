/**
 * The gate's baseline file (`--write-baseline FILE`, read by `--gate FILE`): per-task pass counts of
 * one run with everything needed to know whether another run is comparable (dataset id and sha256,
 * the metric, model, n, seed, sampler settings). zod-defined; a bad file is one clear line.
 */
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises';
import {dirname} from 'node:path';
import {z} from 'zod';
import {describeZodIssue} from '../../config.js';
import {JuneError, fromFsError} from '../../errors.js';
import {DATASET_IDS} from '../problem.js';

export const BASELINE_FORMAT = 'june-baseline/1';

export const TaskOutcomeSchema = z
  .object({
    /** Samples scored for the task. */
    n: z.number().int().positive(),
    /** Samples that passed (the plus verdict for the + datasets, the base verdict otherwise). */
    passed: z.number().int().nonnegative(),
  })
  .strict()
  .refine((t) => t.passed <= t.n, {message: 'passed must not exceed n'});
export type TaskOutcome = z.infer<typeof TaskOutcomeSchema>;

export const BaselineSchema = z
  .object({
    format: z.literal(BASELINE_FORMAT),
    createdAt: z.string(),
    runId: z.string().nullable(),
    dataset: z.object({id: z.enum(DATASET_IDS), sha256: z.string().regex(/^[0-9a-f]{64}$/)}).strict(),
    /** Which verdict the per-task counts are: plus (base and plus tests) for the + datasets, base otherwise. */
    metric: z.enum(['base', 'plus']),
    model: z
      .object({
        id: z.string(),
        sha256: z.string().nullable(),
        endpoint: z.string().nullable(),
      })
      .strict(),
    n: z.number().int().positive(),
    seed: z.number().int(),
    temperature: z.number().nonnegative(),
    topP: z.number().positive().max(1),
    /** Mean over tasks of passed/n (pass@1), for a reader; recomputed from `tasks` by the gate. */
    passAt1: z.number().min(0).max(1),
    tasks: z.record(z.string(), TaskOutcomeSchema),
  })
  .strict();
export type Baseline = z.infer<typeof BaselineSchema>;

export function parseBaseline(text: string, file: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new JuneError('BASELINE_INVALID', `baseline ${file} is not valid JSON (${(err as Error).message})`, {
      hint: 'write one with `june run-benchmarks … --write-baseline FILE`',
    });
  }
  const parsed = BaselineSchema.safeParse(raw);
  if (!parsed.success)
    throw new JuneError('BASELINE_INVALID', `baseline ${file}: ${describeZodIssue(parsed.error)}`, {
      hint: 'write one with `june run-benchmarks … --write-baseline FILE`',
    });
  if (Object.keys(parsed.data.tasks).length === 0)
    throw new JuneError('BASELINE_INVALID', `baseline ${file} holds no tasks`, {
      hint: 'write one from a run that scored at least one task',
    });
  return parsed.data;
}

export async function readBaseline(file: string): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const e = fromFsError(err, file, 'reading the gate baseline');
    throw new JuneError('BASELINE_INVALID', e.message, {hint: 'pass the file written by --write-baseline', cause: err});
  }
  return parseBaseline(text, file);
}

/** Writes the baseline atomically (temp file + rename), so a kill never leaves half a baseline. */
export async function writeBaseline(file: string, baseline: Baseline): Promise<void> {
  const checked = BaselineSchema.parse(baseline);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await mkdir(dirname(file), {recursive: true});
    await writeFile(tmp, JSON.stringify(checked, null, 2) + '\n');
    await rename(tmp, file);
  } catch (err) {
    throw fromFsError(err, file, 'writing the gate baseline');
  }
}
