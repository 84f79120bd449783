#!/usr/bin/env node
// Does june's generation path cost speed? In one run, interleaves child processes that measure
// pp and tg on the same GGUF two ways:
//   bare — a bare node-llama-cpp evaluate loop (the engine's raw speed through its Node binding);
//   june — `june bench`'s own code (src/bench/runtime-bench.ts) through openModel() → the embedded
//          backend, i.e. exactly what every june command uses.
// Prints the june/bare ratio of the median (and best) pp and tg tokens/s and the peak RSS of both
// processes. Goals (issue 4): june ≥ 0.97× bare; june's peak RSS ≤ bare + 64 MB.
//
//   npx tsc -p tsconfig.json            # june's side runs from dist/
//   node bench/make-synthetic-gguf.mjs  # the realistic-shape model (≈468M params, Q8_0)
//   node bench/runtime-overhead.mjs [--model FILE] [--pp 512] [--tg 128] [--rounds 3] [--reps 2] [--threads N]
//
// Run on demand (not in npm test). It is CPU-heavy: on a shared machine, run it once, when quiet.
import {execFileSync, spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {performance} from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const {values} = parseArgs({
  options: {
    model: {type: 'string', default: join(tmpdir(), 'june-bench', 'synthetic-468m-q8_0.gguf')},
    pp: {type: 'string', default: '512'},
    tg: {type: 'string', default: '128'},
    rounds: {type: 'string', default: '3'},
    reps: {type: 'string', default: '2'},
    threads: {type: 'string'},
    child: {type: 'string'},
  },
});
const pp = Number(values.pp);
const tg = Number(values.tg);
const reps = Number(values.reps);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------------------------------------------------------------- children
async function bareChild() {
  const {getLlama} = await import('node-llama-cpp');
  const {benchText} = await import(join(root, 'dist', 'bench', 'runtime-bench.js'));
  const llama = await getLlama({gpu: false});
  // the same thread count june picks by default (the GGUF policy's cores − 1), so both sides match
  const {defaultThreads} = await import(join(root, 'dist', 'runtime', 'gguf', 'policy.js'));
  const threads = values.threads ? Number(values.threads) : defaultThreads(llama.cpuMathCores);
  const model = await llama.loadModel({modelPath: values.model, gpuLayers: 0});
  const context = await model.createContext({contextSize: 2048, batchSize: 512, threads});
  const seq = context.getSequence();
  const ppRates = [];
  const tgRates = [];
  const promptOf = (salt, n) => {
    let words = n;
    let toks = model.tokenize(benchText(words, salt));
    while (toks.length < n) toks = model.tokenize(benchText((words += 64), salt));
    return toks.slice(0, n);
  };
  // warm-up, as june bench does
  await seq.evaluateWithoutGeneratingNewTokens(promptOf(1000, Math.min(pp, 64)));
  await seq.clearHistory();
  for (let r = 0; r < reps; r++) {
    if (pp > 0) {
      const toks = promptOf(3000 + r, pp);
      const t0 = performance.now();
      await seq.evaluateWithoutGeneratingNewTokens(toks);
      ppRates.push(pp / ((performance.now() - t0) / 1000));
      await seq.clearHistory();
    }
    if (tg > 0) {
      let n = 0;
      let first = 0;
      let last = 0;
      for await (const _ of seq.evaluate(model.tokenize(benchText(4, 4000 + r)), {temperature: 0})) {
        last = performance.now();
        if (n === 0) first = last;
        if (++n >= tg) break;
      }
      tgRates.push((n - 1) / ((last - first) / 1000));
      await seq.clearHistory();
    }
  }
  await context.dispose();
  await model.dispose();
  return {threads, ppRates, tgRates, peakRssBytes: process.resourceUsage().maxRSS * 1024};
}

async function juneChild() {
  const {openModel} = await import(join(root, 'dist', 'runtime', 'open-model.js'));
  const {runRuntimeBench} = await import(join(root, 'dist', 'bench', 'runtime-bench.js'));
  const {ConfigSchema} = await import(join(root, 'dist', 'config.js'));
  const r = await runRuntimeBench({
    open: () =>
      openModel({model: values.model, gpu: 'false', contextSize: 2048, config: ConfigSchema.parse({}), env: {}, ...(values.threads ? {threads: Number(values.threads)} : {})}),
    pp,
    tg,
    repetitions: reps,
  });
  return {threads: r.threads, ppRates: r.samples.pp, tgRates: r.samples.tg, peakRssBytes: r.peakRssBytes, ppSource: r.pp.source, notes: r.notes};
}

if (values.child) {
  const out = values.child === 'bare' ? await bareChild() : await juneChild();
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------- parent
if (!existsSync(join(root, 'dist', 'runtime', 'open-model.js'))) {
  console.error('dist/ is missing: build first with `npx tsc -p tsconfig.json`');
  process.exit(1);
}
if (!existsSync(values.model)) {
  console.error(`${values.model} is missing: writing it with bench/make-synthetic-gguf.mjs`);
  execFileSync(process.execPath, [join(here, 'make-synthetic-gguf.mjs'), values.model], {stdio: 'inherit'});
}

function runChild(kind) {
  const args = [fileURLToPath(import.meta.url), '--child', kind, '--model', values.model, '--pp', String(pp), '--tg', String(tg), '--reps', String(reps)];
  if (values.threads) args.push('--threads', values.threads);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, {stdio: ['ignore', 'pipe', 'inherit']});
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`${kind} child exited ${code}`))));
  });
}

const rounds = Number(values.rounds);
const all = {bare: {pp: [], tg: [], rss: []}, june: {pp: [], tg: [], rss: []}};
let threads;
const started = performance.now();
for (let i = 0; i < rounds; i++) {
  // ABBA order so drift in machine load falls on both sides
  for (const kind of i % 2 === 0 ? ['bare', 'june'] : ['june', 'bare']) {
    const r = await runChild(kind);
    threads ??= r.threads;
    all[kind].pp.push(...r.ppRates);
    all[kind].tg.push(...r.tgRates);
    all[kind].rss.push(r.peakRssBytes);
    if (r.notes?.length) console.error(`june notes: ${r.notes.join('; ')}`);
    console.error(
      `round ${i + 1}/${rounds} ${kind.padEnd(4)}: pp ${r.ppRates.map((x) => x.toFixed(1)).join(', ')} · tg ${r.tgRates.map((x) => x.toFixed(1)).join(', ')} t/s · peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB${r.ppSource ? ` · pp timed by ${r.ppSource}` : ''}`,
    );
  }
}
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const line = (name, k) => {
  const b = all.bare[k];
  const j = all.june[k];
  if (!b.length || !j.length) return `${name}: not measured`;
  const rm = median(j) / median(b);
  const rb = Math.max(...j) / Math.max(...b);
  return `${name}: june ${median(j).toFixed(2)} vs bare ${median(b).toFixed(2)} t/s (median of ${j.length}/${b.length}) → ratio ${rm.toFixed(3)}× (best ${rb.toFixed(3)}×) ${rm >= 0.97 ? 'OK' : 'BELOW 0.97'}`;
};
const rssJ = Math.max(...all.june.rss);
const rssB = Math.max(...all.bare.rss);
console.log(`model ${values.model}, ${threads} threads, ${rounds} rounds × ${reps} repetitions, ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(line(`pp${pp}`, 'pp'));
console.log(line(`tg${tg}`, 'tg'));
console.log(`peak RSS: june ${mib(rssJ)} vs bare ${mib(rssB)} → +${mib(rssJ - rssB)} ${rssJ - rssB <= 64 * 2 ** 20 ? 'OK' : 'OVER +64 MB'}`);
