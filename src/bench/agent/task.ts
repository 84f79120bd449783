/**
 * A benchmark task as an agent task (`run-benchmarks --agent`), pure:
 *
 *   - the workspace holds one file, solution.py: HumanEval(+) its prompt (signature + docstring);
 *     MBPP(+) the task text as a docstring, with the test asserts the prompt already shows;
 *   - the task message carries the whole prompt and names solution.py;
 *   - the reflect check runs only what the prompt shows (HumanEval's >>> examples, MBPP's shown
 *     asserts). The hidden tests (HumanEval's `test`, EvalPlus's base and plus inputs) are never
 *     put anywhere the agent can see.
 */
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import type {CheckSpec} from '../../agents/checks.js';
import {chatTaskText} from '../generation/prompts.js';
import type {Problem} from '../problem.js';

export const SOLUTION_FILE = 'solution.py';

export type ExampleSpec =
  | {kind: 'doctest'; entry: string; text: string}
  | {kind: 'asserts'; entry: string; asserts: string[]}
  | {kind: 'runs'; entry: string};

export interface AgentTask {
  /** The initial content of solution.py. */
  file: string;
  /** The user message of the agent's turn. */
  message: string;
  examples: ExampleSpec;
}

/** HumanEval's `>>>` examples (with their expected output lines), as doctest text. */
export function doctestExamples(prompt: string): string | null {
  const lines = prompt.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*>>>\s?(.*)$/.exec(lines[i] as string);
    if (!m) continue;
    out.push(`>>> ${m[1]}`);
    // continuation lines, then expected output up to a blank line, the next example or the docstring's end
    while (i + 1 < lines.length && /^\s*\.\.\.(\s|$)/.test(lines[i + 1] as string)) out.push((lines[++i] as string).trim());
    while (i + 1 < lines.length) {
      const next = lines[i + 1] as string;
      if (next.trim() === '' || /^\s*>>>/.test(next) || /^\s*("""|''')/.test(next)) break;
      out.push(next.trim().replace(/("""|''')\s*$/, ''));
      i++;
    }
  }
  return out.length ? out.join('\n') + '\n' : null;
}

/** The `assert …` lines a prompt shows (MBPP: "Your code should pass these tests", MBPP+: the docstring's assert). */
export function shownAsserts(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^assert\s/.test(l));
}

export function agentTask(problem: Problem): AgentTask {
  const entry = problem.entryPoint;
  if (problem.dataset === 'humaneval' || problem.dataset === 'humaneval+') {
    const doc = doctestExamples(problem.prompt);
    return {
      file: problem.prompt,
      message: [
        `Complete the Python function \`${entry}\` in ${SOLUTION_FILE}. The file holds its signature and docstring:`,
        '```python',
        problem.prompt.trimEnd(),
        '```',
        `Write the whole function (keep its name and signature) into ${SOLUTION_FILE}, run its examples, and finish when they pass.`,
      ].join('\n'),
      examples: doc ? {kind: 'doctest', entry, text: doc} : {kind: 'runs', entry},
    };
  }
  const text = chatTaskText(problem);
  const asserts = shownAsserts(text);
  return {
    file: `"""\n${text.replace(/"""/g, "'''")}\n"""\n`,
    message: [
      `Write the Python function \`${entry}\` in ${SOLUTION_FILE}. The task:`,
      '```',
      text,
      '```',
      `Put the function in ${SOLUTION_FILE}, check it against the example${asserts.length === 1 ? '' : 's'} shown, and finish when ${asserts.length === 1 ? 'it passes' : 'they pass'}.`,
    ].join('\n'),
    examples: asserts.length ? {kind: 'asserts', entry, asserts} : {kind: 'runs', entry},
  };
}

let checkerSource: string | undefined;

/** The reflect check: visible_examples.py with the task's examples, run by june in the session container. */
export function examplesCheck(spec: ExampleSpec, timeoutMs = 30_000): CheckSpec {
  checkerSource ??= readFileSync(fileURLToPath(new URL('./visible_examples.py', import.meta.url)), 'utf8');
  return {
    name: spec.kind === 'runs' ? `${SOLUTION_FILE} runs` : `visible examples of ${spec.entry}`,
    argv: ['python3', '-I', '-'],
    stdin: `import json\nSPEC = json.loads(${JSON.stringify(JSON.stringify(spec))})\n${checkerSource}`,
    timeoutMs,
  };
}
