/** HumanEval (openai/human-eval data/HumanEval.jsonl.gz): 164 problems with a `check` test each. */
import {z} from 'zod';
import type {Problem} from '../problem.js';
import {type JsonlLine, parseJsonlRecord} from './jsonl.js';

export const HumanEvalRecordSchema = z.object({
  task_id: z.string().min(1),
  prompt: z.string(),
  canonical_solution: z.string(),
  test: z.string(),
  entry_point: z.string().regex(/^[A-Za-z_]\w*$/, 'expected a Python identifier'),
});

export const DATASET_HINT = 'the dataset file is corrupt or not the pinned release: delete it and run `june datasets pull`';

/** The check program human-eval's execution.py builds after prompt + completion + "\n". */
export function humanEvalCheck(test: string, entryPoint: string): string {
  return `${test}\ncheck(${entryPoint})`;
}

export function humanEvalProblems(lines: JsonlLine[], file: string): Problem[] {
  return lines.map((l) => {
    const r = parseJsonlRecord(HumanEvalRecordSchema, l, file, 'DATASET_INVALID', DATASET_HINT);
    return {
      dataset: 'humaneval',
      taskId: r.task_id,
      prompt: r.prompt,
      entryPoint: r.entry_point,
      referenceProgram: r.prompt + r.canonical_solution,
      scriptTests: [humanEvalCheck(r.test, r.entry_point)],
    } satisfies Problem;
  });
}
