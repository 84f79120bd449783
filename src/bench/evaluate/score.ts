/**
 * From verdicts to figures, as EvalPlus scores: a sample counts for "plus" only when it passes base
 * and plus; pass@k per suite with the unbiased estimator, averaged over the tasks present; k only
 * up to the smallest number of samples per task.
 */
import type {SampleVerdict, SuiteResult, TestStatus} from '../../sandbox/types.js';
import {DEFAULT_KS, passAtKTable} from '../pass-at-k.js';
import {STRICT_FLAGS} from './limits.js';

export interface SampleOutcome {
  taskId: string;
  base: SuiteResult;
  /** plus as EvalPlus counts it: the base result unless base passed, then plus's own. null without plus tests. */
  plus: SuiteResult | null;
  flags: string[];
}

function flaggedFail(s: SuiteResult, flags: string[]): SuiteResult {
  if (s.status !== 'pass') return s;
  return {...s, status: 'fail', reason: `flagged: ${flags.join(', ')} (--strict)`};
}

/** The statuses a verdict stands for; `strict` fails samples the harness flagged non_plain_return (the sandbox is always asked for the reference harness's verdict, so a stored verdict serves both modes). */
export function sampleOutcome(taskId: string, v: SampleVerdict, strict: boolean): SampleOutcome {
  const hard = v.flags.filter((f) => STRICT_FLAGS.includes(f));
  const flagged = strict && hard.length > 0;
  const base = flagged ? flaggedFail(v.base, hard) : v.base;
  let plus: SuiteResult | null = null;
  if (v.plus) plus = base.status !== 'pass' ? base : flagged ? flaggedFail(v.plus, hard) : v.plus;
  return {taskId, base, plus, flags: v.flags};
}

export interface SuiteSummary {
  'pass@1': number;
  'pass@k': Record<string, number>;
  passed: number;
  failed: number;
  timedOut: number;
}

export function summarizeSuite(items: ReadonlyArray<{taskId: string; status: TestStatus}>, ks: readonly number[] = DEFAULT_KS): SuiteSummary {
  const perTask = new Map<string, {n: number; c: number}>();
  let passed = 0;
  let failed = 0;
  let timedOut = 0;
  for (const it of items) {
    const t = perTask.get(it.taskId) ?? {n: 0, c: 0};
    t.n++;
    if (it.status === 'pass') {
      t.c++;
      passed++;
    } else if (it.status === 'timeout') timedOut++;
    else failed++;
    perTask.set(it.taskId, t);
  }
  const table = passAtKTable([...perTask.values()], ks);
  return {'pass@1': table['1'] ?? 0, 'pass@k': table, passed, failed, timedOut};
}

export interface Scores {
  tasks: number;
  samples: number;
  base: SuiteSummary;
  plus: SuiteSummary | null;
}

export function scoreOutcomes(outcomes: readonly SampleOutcome[], ks: readonly number[] = DEFAULT_KS): Scores {
  const base = summarizeSuite(outcomes.map((o) => ({taskId: o.taskId, status: o.base.status})), ks);
  const withPlus = outcomes.length > 0 && outcomes.every((o) => o.plus !== null);
  const plus = withPlus ? summarizeSuite(outcomes.map((o) => ({taskId: o.taskId, status: (o.plus as SuiteResult).status})), ks) : null;
  return {tasks: new Set(outcomes.map((o) => o.taskId)).size, samples: outcomes.length, base, plus};
}

/** human-eval's `result` field: "passed", "timed out" or "failed: …". */
export function humanEvalResult(s: SuiteResult): string {
  if (s.status === 'pass') return 'passed';
  if (s.status === 'timeout') return 'timed out';
  return `failed: ${s.reason ?? ''}`.trimEnd();
}
