/**
 * Stop sequences for raw (non-chat) completion, and the truncation that applies them after the fact.
 *
 * The sets follow EvalPlus (`evalplus/provider/utility.py`): a common EOS list plus the extra stops
 * for direct completion of each dataset, themselves the Codex paper's HumanEval convention ("\nclass",
 * "\ndef", "\n#", "\nif", "\nprint") made less eager. june keeps EvalPlus's set for HumanEval because
 * "\n#" and "\nif" at column 0 cut legitimate module-level code less often than they stop rambling.
 * Original MBPP's 3-shot prompt ends every answer with "[DONE]".
 */
import type {DatasetId} from '../problem.js';

/** Always stops (end-of-text markers some servers print, and the start of a script's main part). */
export const COMMON_STOPS: readonly string[] = [
  '<|endoftext|>',
  '<|endofmask|>',
  '</s>',
  '\nif __name__',
  '\ndef main(',
  '\nprint(',
];

/** Extra stops for completing a HumanEval prompt: the next top-level statement ends the function. */
export const HUMANEVAL_COMPLETION_STOPS: readonly string[] = ['\ndef ', '\nclass ', '\nimport ', '\nfrom ', '\nassert '];

/** MBPP+ prompts are a docstring holding the task and one assertion (EvalPlus). */
export const MBPP_PLUS_COMPLETION_STOPS: readonly string[] = ['\n"""', '\nassert'];

/** Original MBPP's few-shot format closes each answer with [DONE]. */
export const MBPP_FEW_SHOT_STOPS: readonly string[] = ['[DONE]'];

/** The stop sequences for completing the prompt of a task of this dataset. */
export function completionStops(dataset: DatasetId): string[] {
  switch (dataset) {
    case 'humaneval':
    case 'humaneval+':
      return [...COMMON_STOPS, ...HUMANEVAL_COMPLETION_STOPS];
    case 'mbpp+':
      return [...COMMON_STOPS, ...MBPP_PLUS_COMPLETION_STOPS];
    case 'mbpp':
      return [...MBPP_FEW_SHOT_STOPS, ...COMMON_STOPS.filter((s) => !s.startsWith('\n'))];
  }
}

/**
 * Cuts `text` before the earliest occurrence of any stop sequence. Backends already stop there, but
 * an endpoint may ignore `stop` or cut late (a stop string split across tokens), and samples written
 * by other tools pass through here too, so the rule is applied once more on the text.
 */
export function truncateAtStop(text: string, stops: readonly string[]): string {
  let cut = text.length;
  for (const s of stops) {
    if (s.length === 0) continue;
    const i = text.indexOf(s);
    if (i !== -1 && i < cut) cut = i;
  }
  return text.slice(0, cut);
}
