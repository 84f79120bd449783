#!/usr/bin/env node
// Threads on a busy machine (issue 12 §4). llama.cpp's threads spin at their barriers, so a thread
// count that uses every core collapses as soon as anything else wants one — and june's agent and voice
// turn run tools and speech engines beside generation. This measures prompt processing (pp) and
// generation (tg) tokens/s through june's own path (openModel → the embedded backend →
// src/bench/runtime-bench.ts, exactly what `june bench` runs) for
//   threads = cores, cores − 1 and 1 (and june's default, whatever it resolves to),
//   on an idle machine and with one core kept busy (a busy-loop child this script starts and stops),
//   on the tiny GGUF and on the synthetic 468M model (bench/make-synthetic-gguf.mjs writes it).
// Arms are interleaved (the order rotates every round) and each runs in its own process; the 1-minute
// load average (`uptime`) is printed beside every figure, since a shared machine is never idle.
//
//   npx tsc -p tsconfig.json                 # june's side runs from dist/
//   node bench/threads-contention.mjs [--models tiny,synthetic] [--rounds 2] [--reps 2]
//        [--pp 512] [--tg 128] [--synthetic-pp 128] [--synthetic-tg 16] [--threads 2,1] [--json FILE]
//
// Run on demand (not in npm test): it is CPU-heavy.
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, writeFileSync} from 'node:fs';
import {availableParallelism, loadavg, tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {performance} from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const {values} = parseArgs({
  options: {
    models: {type: 'string', default: 'tiny,synthetic'},
    tiny: {type: 'string', default: join(root, '..', 'shared', 'models', 'llama-2-tiny-random.gguf')},
    synthetic: {type: 'string', default: join(tmpdir(), 'june-bench', 'synthetic-468m-q8_0.gguf')},
    rounds: {type: 'string', default: '2'},
    reps: {type: 'string', default: '2'},
    pp: {type: 'string', default: '512'},
    tg: {type: 'string', default: '128'},
    'synthetic-pp': {type: 'string', default: '128'},
    'synthetic-tg': {type: 'string', default: '16'},
    threads: {type: 'string'},
    json: {type: 'string'},
    child: {type: 'boolean', default: false},
    model: {type: 'string'},
    'child-threads': {type: 'string'},
  },
});

function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------------------------------------------------------------- child: one arm, june's own path
if (values.child) {
  const {openModel} = await import(join(root, 'dist', 'runtime', 'open-model.js'));
  const {runRuntimeBench} = await import(join(root, 'dist', 'bench', 'runtime-bench.js'));
  const {ConfigSchema} = await import(join(root, 'dist', 'config.js'));
  const t = values['child-threads'];
  const r = await runRuntimeBench({
    open: () =>
      openModel({model: values.model, gpu: 'false', contextSize: 1024, config: ConfigSchema.parse({}), env: {}, ...(t && t !== 'default' ? {threads: Number(t)} : {})}),
    pp: Number(values.pp),
    tg: Number(values.tg),
    repetitions: Number(values.reps),
  });
  process.stdout.write(JSON.stringify({threads: r.threads, pp: r.samples.pp, tg: r.samples.tg, notes: r.notes}) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------- parent
if (!existsSync(join(root, 'dist', 'runtime', 'open-model.js'))) {
  console.error('dist/ is missing: build first with `npx tsc -p tsconfig.json`');
  process.exit(1);
}
const cores = availableParallelism();
const threadList = values.threads
  ? values.threads.split(',').map((s) => s.trim())
  : [...new Set([cores, Math.max(1, cores - 1), 1].map(String))];
const arms = [...threadList, 'default'];
const label = (t) => {
  if (t === 'default') return "june's default";
  const n = Number(t);
  const names = [n === cores && 'cores', n === cores - 1 && 'cores − 1', n === 1 && '1'].filter(Boolean);
  return `${n}${names.length ? ` (= ${names.join(' = ')})` : ''}`;
};

const models = [];
for (const which of values.models.split(',').map((s) => s.trim())) {
  if (which === 'tiny') {
    if (!existsSync(values.tiny)) {
      console.error(`${values.tiny} is missing (the tiny test model from ../shared)`);
      process.exit(1);
    }
    models.push({name: 'tiny', path: values.tiny, pp: Number(values.pp), tg: Number(values.tg)});
  } else if (which === 'synthetic') {
    if (!existsSync(values.synthetic)) {
      console.error(`${values.synthetic} is missing: writing it with bench/make-synthetic-gguf.mjs`);
      execFileSync(process.execPath, [join(here, 'make-synthetic-gguf.mjs'), values.synthetic], {stdio: 'inherit'});
    }
    models.push({name: 'synthetic-468m', path: values.synthetic, pp: Number(values['synthetic-pp']), tg: Number(values['synthetic-tg'])});
  } else {
    console.error(`--models: unknown model "${which}" (tiny, synthetic)`);
    process.exit(2);
  }
}

/** Children to stop if this script is interrupted (the busy loop must never outlive it). */
const live = new Set();
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    for (const p of live) p.kill('SIGKILL');
    process.exit(130);
  });

/** One core kept busy: a child that spins until killed. */
function startBusy() {
  const p = spawn(process.execPath, ['-e', 'for (;;) {}'], {stdio: 'ignore'});
  live.add(p);
  p.once('exit', () => live.delete(p));
  return {
    stop: () =>
      new Promise((res) => {
        p.once('exit', () => res());
        p.kill('SIGKILL');
      }),
  };
}

function runArm(model, threads) {
  const args = [fileURLToPath(import.meta.url), '--child', '--model', model.path, '--child-threads', threads, '--pp', String(model.pp), '--tg', String(model.tg), '--reps', values.reps];
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, args, {stdio: ['ignore', 'pipe', 'inherit']});
    live.add(p);
    p.once('exit', () => live.delete(p));
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? res(JSON.parse(out.trim().split('\n').pop())) : rej(new Error(`arm ${model.name} threads ${threads} exited ${code}`))));
  });
}

const rounds = Number(values.rounds);
/** results[model][arm][load] = {pp: [], tg: [], load: [], threads} */
const results = {};
const started = performance.now();
const cells = [];
for (const t of arms) for (const load of ['idle', 'busy']) cells.push({t, load});
for (let r = 0; r < rounds; r++) {
  for (const model of models) {
    // rotate (and reverse every other round) so drift in the machine's load falls on every arm
    const k = (r * 3) % cells.length;
    let order = [...cells.slice(k), ...cells.slice(0, k)];
    if (r % 2 === 1) order = order.reverse();
    for (const {t, load} of order) {
      const busy = load === 'busy' ? startBusy() : null;
      if (busy) await new Promise((res) => setTimeout(res, 300));
      const la = loadavg()[0];
      let out;
      try {
        out = await runArm(model, t);
      } finally {
        await busy?.stop();
      }
      const cell = (((results[model.name] ??= {})[t] ??= {})[load] ??= {pp: [], tg: [], load: [], threads: out.threads});
      cell.pp.push(...out.pp);
      cell.tg.push(...out.tg);
      cell.load.push(la);
      console.error(
        `round ${r + 1}/${rounds} ${model.name} threads ${String(out.threads).padStart(2)}${t === 'default' ? ' (default)' : '          '} ${load}: ` +
          `pp ${out.pp.map((x) => x.toFixed(0)).join(', ')} · tg ${out.tg.map((x) => x.toFixed(1)).join(', ')} t/s · load ${la.toFixed(2)}`,
      );
    }
  }
}

const f = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '—');
console.log(`threads on a busy machine: ${cores} cores, ${rounds} rounds × ${values.reps} repetitions, ${((performance.now() - started) / 1000).toFixed(0)} s; medians in tokens/s; load = 1-min load average when each arm started`);
console.log('| model | threads | pp idle | pp busy | pp busy/idle | tg idle | tg busy | tg busy/idle | load idle | load busy |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
const summary = [];
for (const model of models) {
  for (const t of arms) {
    const c = results[model.name]?.[t];
    if (!c) continue;
    const row = {
      model: model.name,
      pp: model.pp,
      tg: model.tg,
      arm: t,
      threads: c.idle.threads,
      ppIdle: median(c.idle.pp),
      ppBusy: median(c.busy.pp),
      tgIdle: median(c.idle.tg),
      tgBusy: median(c.busy.tg),
      loadIdle: median(c.idle.load),
      loadBusy: median(c.busy.load),
    };
    summary.push(row);
    console.log(
      `| ${model.name} pp${model.pp}/tg${model.tg} | ${t === 'default' ? `${row.threads} (june's default)` : label(t)} | ${f(row.ppIdle)} | ${f(row.ppBusy)} | ${(row.ppBusy / row.ppIdle).toFixed(2)}× | ` +
        `${f(row.tgIdle)} | ${f(row.tgBusy)} | ${(row.tgBusy / row.tgIdle).toFixed(2)}× | ${row.loadIdle.toFixed(2)} | ${row.loadBusy.toFixed(2)} |`,
    );
  }
}
if (values.json) writeFileSync(values.json, JSON.stringify({cores, rounds, reps: Number(values.reps), results: summary}, null, 2) + '\n');
console.log(JSON.stringify(summary.map((r) => ({model: r.model, threads: r.threads, arm: r.arm, ppIdle: Math.round(r.ppIdle), ppBusy: Math.round(r.ppBusy), tgIdle: Math.round(r.tgIdle), tgBusy: Math.round(r.tgBusy)}))));
