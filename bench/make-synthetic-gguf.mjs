#!/usr/bin/env node
// Writes a realistic-shape synthetic GGUF for runtime benchmarks (bench/runtime-overhead.mjs):
// llama architecture, n_embd 1024, 24 layers, 16 heads, n_ff 4096, vocab 32000 (≈468M parameters),
// the tiny test model's tokenizer metadata, seeded random weights written directly as Q8_0 (≈498 MB)
// or F16. The weights are noise: the output is gibberish, the speed is real.
//
//   node bench/make-synthetic-gguf.mjs [OUT.gguf, default $TMPDIR/june-bench/synthetic-468m-q8_0.gguf] [--type Q8_0|F16] [--tokenizer-from FILE]
//
// Reuses the GGUF writer in test/helpers/gguf-writer.ts (Node 24 strips its types on import).
import {existsSync, mkdirSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {performance} from 'node:perf_hooks';
import {readGgufFileInfo} from 'node-llama-cpp';
import {llamaSpec, specParameters, writeGguf} from '../test/helpers/gguf-writer.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const {values, positionals} = parseArgs({
  allowPositionals: true,
  options: {
    type: {type: 'string', default: 'Q8_0'},
    'tokenizer-from': {type: 'string', default: join(root, '..', 'shared', 'models', 'llama-2-tiny-random.gguf')},
    force: {type: 'boolean', default: false},
  },
});
const out = resolve(positionals[0] ?? join(tmpdir(), 'june-bench', `synthetic-468m-${values.type.toLowerCase()}.gguf`));
if (!['Q8_0', 'F16'].includes(values.type)) {
  console.error(`--type must be Q8_0 or F16 (got ${values.type})`);
  process.exit(2);
}

/** The tokenizer keys of a llama GGUF, re-typed for the writer. */
async function tokenizerMetadata(file) {
  const {metadata} = await readGgufFileInfo(file);
  const t = metadata.tokenizer?.ggml;
  if (!t?.tokens) throw new Error(`${file} has no tokenizer.ggml.tokens`);
  const md = [
    ['tokenizer.ggml.model', {type: 'string', value: t.model}],
    ['tokenizer.ggml.tokens', {type: 'array', itemType: 'string', value: [...t.tokens]}],
  ];
  if (t.scores) md.push(['tokenizer.ggml.scores', {type: 'array', itemType: 'f32', value: [...t.scores]}]);
  if (t.token_type) md.push(['tokenizer.ggml.token_type', {type: 'array', itemType: 'i32', value: [...t.token_type]}]);
  for (const k of ['bos_token_id', 'eos_token_id', 'unknown_token_id', 'padding_token_id'])
    if (typeof t[k] === 'number') md.push([`tokenizer.ggml.${k}`, {type: 'u32', value: t[k]}]);
  for (const k of ['add_bos_token', 'add_eos_token']) if (typeof t[k] === 'boolean') md.push([`tokenizer.ggml.${k}`, {type: 'bool', value: t[k]}]);
  return {md, vocab: t.tokens.length};
}

const {md, vocab} = await tokenizerMetadata(values['tokenizer-from']);
const spec = llamaSpec({
  name: `june synthetic llama ${values.type}`,
  nEmbd: 1024,
  nLayer: 24,
  nHead: 16,
  nFf: 4096,
  nVocab: vocab,
  contextLength: 4096,
  weightType: values.type,
  extraMetadata: md,
});
const params = specParameters(spec);
if (existsSync(out) && !values.force) {
  console.error(`exists: ${out} (${(statSync(out).size / 1e6).toFixed(0)} MB); --force rewrites it`);
  console.log(out);
  process.exit(0);
}
mkdirSync(dirname(out), {recursive: true});
const t0 = performance.now();
const bytes = await writeGguf(out, spec, {fill: 'random', seed: 468});
console.error(`wrote ${out}: ${(params / 1e6).toFixed(1)}M parameters, ${values.type}, ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log(out);
