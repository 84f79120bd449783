#!/usr/bin/env node
// Dead air of `june voice-turn` (issue 11, "Figures"): run on demand, not in npm test. Needs the built
// CLI (npm run build), pocketsphinx + pocketsphinx-en-us, espeak-ng, and the tiny GGUF.
//
//   node bench/voice-dead-air.mjs [--turns N] [--max-tokens 120 (voice-turn's default)] [--json]
//
// On ../shared/audio/flite-rms-*.wav, with pocketsphinx, the tiny GGUF and espeak-ng, all opened once
// and warmed in this one process, N turns per arm, the arms interleaved turn by turn:
//   streamed   — june's way: the clip delivered at real-time pace up to the end of the last voiced
//                segment, the LLM started as soon as the transcript is final, each piece of the reply
//                synthesised as soon as it is complete, audio out in order while the LLM goes on;
//   sequential — the seed's way: the whole file delivered (at real-time pace), then the full
//                transcript, the full reply, the full synthesis, then the audio.
// Both arms share the same warm engines and the same reply-token cap. Dead air = last voiced sample
// delivered → first reply audio byte. Prints median and p95 of every stage and of dead air for
// both arms, and the ratio streamed/sequential of the dead-air medians.
// Goals on the 2-core CPU: streamed median dead air ≤ 1.0 s, and ≤ 0.5 × sequential.
// Data from JUNE_TEST_SHARED, else JUNE_MIRROR, else ../shared.
import {existsSync, readdirSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {parseArgs} from 'node:util';
import {performance} from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const shared = process.env.JUNE_TEST_SHARED ?? process.env.JUNE_MIRROR ?? resolve(root, '..', 'shared');
const {values} = parseArgs({options: {turns: {type: 'string', default: '10'}, 'max-tokens': {type: 'string', default: '120'}, json: {type: 'boolean', default: false}}});
const turns = Number(values.turns);
const maxTokens = Number(values['max-tokens']);
if (!Number.isInteger(turns) || turns < 1) throw new Error('--turns N needs a positive integer');
const say = (s) => {
  if (!values.json) console.log(s);
};

const dist = join(root, 'dist');
if (!existsSync(join(dist, 'pipeline', 'index.js'))) throw new Error('build first: npm run build');
const pl = await import(join(dist, 'pipeline', 'index.js'));
const {openModel} = await import(join(dist, 'runtime', 'open-model.js'));
const {detectGpu} = await import(join(dist, 'runtime', 'gpu.js'));
// the same LLM threads as `june voice-turn` on a CPU (one math core left to the recogniser and the voice)
const threads = pl.voiceLlmThreads((await detectGpu('false')).info.cpuMathCores);

const audioDir = join(shared, 'audio');
const files = readdirSync(audioDir)
  .filter((f) => /^flite-rms-.*\.wav$/.test(f))
  .sort()
  .map((f) => join(audioDir, f));
if (files.length === 0) throw new Error(`no flite-rms-*.wav in ${audioDir}`);
const modelPath = join(shared, 'models', 'llama-2-tiny-random.gguf');
const clips = await Promise.all(files.map((f) => pl.loadClip(f)));

const t0 = performance.now();
const pipeline = await pl.openVoicePipeline({
  stt: 'pocketsphinx',
  tts: 'espeak-ng',
  maxTokens,
  // a fixed seed-free temperature 0: both arms get the same reply for the same transcript
  temperature: 0,
  openLlm: () => openModel({model: modelPath, contextSize: 2048, gpu: 'false', threads}),
});
say(`LLM threads ${threads}; engines opened and warmed in ${Math.round(performance.now() - t0)} ms (stt ${pipeline.openMs.stt}, tts ${pipeline.openMs.tts}, llm ${pipeline.openMs.llm}); ${turns} turns per arm, reply cap ${maxTokens} tokens`);

const arms = {streamed: [], sequential: []};
for (let i = 0; i < turns; i++) {
  const clip = clips[i % clips.length];
  // alternate which arm goes first, so neither always runs on a machine the other just warmed
  const order = i % 2 === 0 ? ['streamed', 'sequential'] : ['sequential', 'streamed'];
  for (const mode of order) {
    const sink = new pl.MemorySink();
    const o = await pl.runTurn(pipeline, clip.input, {mode, realtime: true, sink});
    arms[mode].push({...o.result.stages, deadAirMs: o.result.deadAirMs, transcript: o.result.transcript, replyTokens: o.replyTokens});
    say(`${mode.padEnd(10)} turn ${i + 1}: dead air ${Math.round(o.result.deadAirMs)} ms (stt ${Math.round(o.result.stages.sttMs)}, first sentence ${Math.round(o.result.stages.llmFirstSentenceMs)}, tts ${Math.round(o.result.stages.ttsFirstAudioMs)}) — "${o.result.transcript}"`);
  }
}
await pipeline.close();

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
const STAGES = ['sttMs', 'llmFirstTokenMs', 'llmFirstSentenceMs', 'ttsFirstAudioMs', 'totalMs'];
const r1 = (x) => Math.round(x * 10) / 10;
function summary(rows) {
  const stat = (k) => ({median: r1(quantile(rows.map((r) => r[k]), 0.5)), p95: r1(quantile(rows.map((r) => r[k]), 0.95))});
  return {deadAirMs: stat('deadAirMs'), stages: Object.fromEntries(STAGES.map((k) => [k, stat(k)]))};
}
const result = {streamed: summary(arms.streamed), sequential: summary(arms.sequential)};
result.ratio = Math.round((result.streamed.deadAirMs.median / result.sequential.deadAirMs.median) * 1000) / 1000;

if (values.json) {
  console.log(JSON.stringify(result));
} else {
  const row = (name, k) => {
    const s = k === 'deadAirMs' ? result.streamed.deadAirMs : result.streamed.stages[k];
    const q = k === 'deadAirMs' ? result.sequential.deadAirMs : result.sequential.stages[k];
    return `${name.padEnd(20)} ${String(s.median).padStart(9)} ${String(s.p95).padStart(9)}   ${String(q.median).padStart(9)} ${String(q.p95).padStart(9)}`;
  };
  say('');
  say(`${''.padEnd(20)} ${'streamed'.padStart(19)}   ${'sequential'.padStart(19)}`);
  say(`${'ms'.padEnd(20)} ${'median'.padStart(9)} ${'p95'.padStart(9)}   ${'median'.padStart(9)} ${'p95'.padStart(9)}`);
  for (const k of STAGES) say(row(k, k));
  say(row('deadAirMs', 'deadAirMs'));
  say('');
  const okAbs = result.streamed.deadAirMs.median <= 1000;
  const okRatio = result.ratio <= 0.5;
  say(`ratio (streamed / sequential dead-air median): ${result.ratio}  — goals: streamed median ≤ 1000 ms ${okAbs ? 'met' : 'NOT met'}, ratio ≤ 0.5 ${okRatio ? 'met' : 'NOT met'}`);
}
