/**
 * Original MBPP (google-research mbpp/mbpp.jsonl): the standard test split (task ids 11-510), the
 * 3-shot prompt of Austin et al. built from tasks 2, 3 and 4, and one test per assert.
 */
import {z} from 'zod';
import type {Problem} from '../problem.js';
import {JuneError} from '../../errors.js';
import {type JsonlLine, lineError, parseJsonlRecord} from './jsonl.js';
import {DATASET_HINT} from './humaneval.js';

export const MbppRecordSchema = z.object({
  task_id: z.number().int().positive(),
  text: z.string().min(1),
  code: z.string().min(1),
  test_setup_code: z.string(),
  test_list: z.array(z.string().min(1)).min(1),
  challenge_test_list: z.array(z.string()),
});
export type MbppRecord = z.infer<typeof MbppRecordSchema>;

export const MBPP_TEST_SPLIT = {first: 11, last: 510} as const;
export const MBPP_SHOT_IDS = [2, 3, 4] as const;
/** The stop sequence that ends an answer to the 3-shot prompt. */
export const MBPP_STOP = '[DONE]';

function header(r: MbppRecord): string {
  return `You are an expert Python programmer, and here is your task: ${r.text} Your code should pass these tests:\n\n${r.test_list.join('\n')}\n`;
}

/** The 3-shot prompt for `target`: three solved examples, then the task, ending with "[BEGIN]\n". */
export function mbppPrompt(shots: MbppRecord[], target: MbppRecord): string {
  const examples = shots.map((s) => `${header(s)}[BEGIN]\n${s.code}\n[DONE]\n`).join('');
  return `${examples}${header(target)}[BEGIN]\n`;
}

/** The function the tests call: the `def` of the code whose name the first assert uses. */
export function mbppEntryPoint(r: MbppRecord): string | undefined {
  const defs = [...r.code.matchAll(/^\s*def\s+([A-Za-z_]\w*)\s*\(/gm)].map((m) => m[1] as string);
  const first = r.test_list[0] ?? '';
  return defs.find((d) => new RegExp(`\\b${d}\\s*\\(`).test(first)) ?? defs[0];
}

export function mbppProblems(lines: JsonlLine[], file: string): Problem[] {
  const records = new Map<number, MbppRecord>();
  for (const l of lines) {
    const r = parseJsonlRecord(MbppRecordSchema, l, file, 'DATASET_INVALID', DATASET_HINT);
    if (records.has(r.task_id))
      throw lineError('DATASET_INVALID', file, l.line, 'task_id', `duplicate task id ${r.task_id}`, DATASET_HINT);
    records.set(r.task_id, r);
  }
  const shots = MBPP_SHOT_IDS.map((id) => {
    const s = records.get(id);
    if (!s) throw new JuneError('DATASET_INVALID', `${file}: prompt task ${id} (used for the 3-shot prompt) is missing`, {hint: DATASET_HINT});
    return s;
  });
  const out: Problem[] = [];
  for (let id = MBPP_TEST_SPLIT.first; id <= MBPP_TEST_SPLIT.last; id++) {
    const r = records.get(id);
    if (!r) throw new JuneError('DATASET_INVALID', `${file}: test-split task ${id} is missing`, {hint: DATASET_HINT});
    const entryPoint = mbppEntryPoint(r);
    if (!entryPoint)
      throw new JuneError('DATASET_INVALID', `${file}: task ${id}: field "code" defines no function`, {hint: DATASET_HINT});
    const setup = r.test_setup_code.trim() === '' ? '' : `${r.test_setup_code}\n`;
    out.push({
      dataset: 'mbpp',
      taskId: String(id),
      prompt: mbppPrompt(shots, r),
      entryPoint,
      referenceProgram: r.code,
      scriptTests: r.test_list.map((t) => setup + t),
    });
  }
  return out;
}
