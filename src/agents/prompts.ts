/**
 * What the agent says to the model. The system prompt is built once per session and never changes,
 * so it (and the tool declarations after it) stay byte-identical at the head of every request and
 * the backend's KV cache is reused across turns.
 */
import {z} from 'zod';

export function systemPrompt(opts: {workspaceName: string; sandbox: boolean}): string {
  return [
    'You are june, a coding agent working in a project workspace on the user\'s machine.',
    `The workspace (${opts.workspaceName}) is your current directory; every path is relative to it and stays inside it.`,
    'Work in small steps: look at the files you need (list_dir, read_file, search), change them (write_file for new or short files, edit_file for small changes to existing ones), then run the code to check it.',
    opts.sandbox
      ? 'run_python and run_shell execute in a sandbox container with no network, with the workspace mounted at /workspace as the current directory.'
      : 'No sandbox is available in this session: run_python and run_shell will be refused; say what you could not check.',
    'Call one tool at a time and read its result before the next. When the task is done, answer with a short summary of what you did and how you checked it.',
  ].join('\n');
}

/** A step is one line: the grammar closes it at 160 characters (a plan is a few short lines, whatever the model). */
export const PlanSchema = z.object({steps: z.array(z.string().min(1).max(160)).min(1).max(8)});
export const PLAN_JSON_SCHEMA = {
  type: 'object',
  properties: {steps: {type: 'array', items: {type: 'string', maxLength: 160}, minItems: 1, maxItems: 8}},
  required: ['steps'],
  additionalProperties: false,
} as const;

export function planPrompt(task: string): string {
  return [
    'Before acting, state a short numbered plan for this task: 2 to 6 concrete steps, each one line.',
    'Answer with JSON only: {"steps": ["…", "…"]}.',
    '',
    `Task: ${task}`,
  ].join('\n');
}

export const VerdictSchema = z.object({done: z.boolean(), reason: z.string().max(300)});
export const VERDICT_JSON_SCHEMA = {
  type: 'object',
  properties: {done: {type: 'boolean'}, reason: {type: 'string', maxLength: 300}},
  required: ['done', 'reason'],
  additionalProperties: false,
} as const;

export function judgePrompt(opts: {task: string; plan: readonly string[]; final: string; checks: ReadonlyArray<{name: string; ok: boolean; output: string}>}): string {
  const checks = opts.checks.length
    ? opts.checks.map((c) => `- ${c.name}: ${c.ok ? 'passed' : 'FAILED'}${c.ok ? '' : `\n${indent(c.output.slice(-1500))}`}`).join('\n')
    : '- (no checks were run)';
  return [
    'Judge whether the task is done. Compare the result with the task and the plan; trust the checks over the claims.',
    'Answer with JSON only: {"done": true|false, "reason": "one sentence"}.',
    '',
    `Task: ${opts.task}`,
    opts.plan.length ? `Plan:\n${opts.plan.map((s, i) => `${i + 1}. ${s}`).join('\n')}` : 'Plan: (none)',
    `Your final answer was: ${opts.final.slice(0, 2000) || '(empty)'}`,
    `Checks:\n${checks}`,
  ].join('\n');
}

export function revisePrompt(opts: {failed: ReadonlyArray<{name: string; output: string}>; verdict: string | null}): string {
  if (opts.failed.length)
    return [
      'The checks failed, so the task is not done yet. Fix the problem, then finish again.',
      ...opts.failed.map((c) => `Check ${c.name} failed:\n${indent(c.output.slice(-3000))}`),
    ].join('\n');
  return `The task is not done yet: ${opts.verdict ?? 'the result does not match the task'}. Continue, then finish again.`;
}

export function taskMessage(task: string, plan: readonly string[]): string {
  if (!plan.length) return task;
  return `${task}\n\nPlan:\n${plan.map((s, i) => `${i + 1}. ${s}`).join('\n')}`;
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
