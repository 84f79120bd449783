/**
 * The per-sample results in both reference harnesses' formats, written into the run directory:
 * - `<samples>_results.jsonl` (human-eval: every sample line plus `result` and `passed`), which also
 *   carries EvalPlus's per-sample `base_status`/`plus_status`/`base_fail_tests`/`plus_fail_tests`;
 * - `<samples>.eval_results.json` (EvalPlus: `{date, hash, eval: {task_id: [...]}, pass_at_k}`).
 */
import {basename} from 'node:path';
import type {Problem} from '../problem.js';
import type {SuiteResult} from '../../sandbox/types.js';
import {writeFileAtomic, writeJsonAtomic} from '../run-store.js';
import type {EvalSample} from './samples.js';
import {type SampleOutcome, type Scores, humanEvalResult} from './score.js';

const MAX_TEST_TEXT = 300;

/** The failing tests as EvalPlus lists them: the inputs (io) or the test code (script tests). */
function failTests(problem: Problem, suite: 'base' | 'plus', s: SuiteResult | null): unknown[] {
  if (!s || s.status === 'pass') return [];
  if (problem.io) {
    const inputs = suite === 'base' ? problem.io.baseInputs : problem.io.plusInputs;
    return s.failedTests.filter((i) => i < inputs.length).map((i) => inputs[i]);
  }
  const tests = problem.scriptTests ?? [];
  return s.failedTests.filter((i) => i < tests.length).map((i) => {
    const t = tests[i] as string;
    return t.length > MAX_TEST_TEXT ? `${t.slice(0, MAX_TEST_TEXT)}…` : t;
  });
}

export interface OutputPaths {
  resultsPath: string;
  evalplusResultsPath: string;
}

export function outputPaths(runDir: string, samplesPath: string): OutputPaths {
  const name = basename(samplesPath);
  const stem = name.replace(/\.jsonl(\.gz)?$/i, '');
  return {resultsPath: `${runDir}/${name.replace(/\.gz$/i, '')}_results.jsonl`, evalplusResultsPath: `${runDir}/${stem}.eval_results.json`};
}

export interface ScoredSample {
  sample: EvalSample;
  problem: Problem;
  outcome: SampleOutcome;
}

export async function writeOutputs(
  paths: OutputPaths,
  scored: readonly ScoredSample[],
  scores: Scores,
  datasetSha256: string,
): Promise<void> {
  const lines: string[] = [];
  const evalByTask: Record<string, unknown[]> = {};
  for (const {sample, problem, outcome} of scored) {
    const headline = outcome.plus ?? outcome.base;
    const fields = {
      base_status: outcome.base.status,
      plus_status: outcome.plus?.status ?? null,
      base_fail_tests: failTests(problem, 'base', outcome.base),
      plus_fail_tests: failTests(problem, 'plus', outcome.plus),
    };
    lines.push(
      JSON.stringify({
        ...sample.record,
        result: humanEvalResult(headline),
        passed: headline.status === 'pass',
        ...fields,
        ...(outcome.flags.length ? {flags: outcome.flags} : {}),
      }),
    );
    (evalByTask[sample.record.task_id.toString()] ??= []).push({task_id: sample.record.task_id, solution: sample.program, ...fields});
  }
  await writeFileAtomic(paths.resultsPath, lines.join('\n') + '\n');
  const passAtK = (t: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(t).map(([k, v]) => [`pass@${k}`, v]));
  await writeJsonAtomic(paths.evalplusResultsPath, {
    date: new Date().toISOString().slice(0, 16).replace('T', ' '),
    hash: datasetSha256,
    eval: evalByTask,
    pass_at_k: {base: passAtK(scores.base['pass@k']), ...(scores.plus ? {plus: passAtK(scores.plus['pass@k'])} : {})},
  });
}
