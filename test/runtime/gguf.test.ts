import {copyFileSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {countParameters, decideFit, defaultThreads, kvCacheBytes, planModelLoad, readGguf} from '../../src/runtime/gguf/index.js';
import {detectGpu} from '../../src/runtime/gpu.js';
import {TINY_MODEL_BYTES, requireTinyModel} from '../helpers/env.js';
import {llamaSpec, specParameters, writeGguf} from '../helpers/gguf-writer.js';
import {caughtJuneError} from '../helpers/errors.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'june-gguf-'));
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));


describe('shape arithmetic', () => {
  it('counts parameters as the sum of products of dimensions, bigint-safe', () => {
    expect(countParameters([{name: 'a', dimensions: [8, 32000]}, {name: 'b', dimensions: [8]}])).toBe(256_008);
    expect(countParameters([{name: 'big', dimensions: [100_000n, 100_000n, 10n]}])).toBe(1e11);
  });
  it('sizes an F16 KV cache with GQA', () => {
    // llama-2-7b: 32 layers, 4096 embd, 32 heads → 0.5 MiB per token
    expect(kvCacheBytes({layers: 32, embeddingLength: 4096, headCount: 32}, 4096)).toBe(2 * 1024 ** 3);
    expect(kvCacheBytes({layers: 32, embeddingLength: 4096, headCount: 32, headCountKv: 8}, 4096)).toBe(512 * 1024 ** 2);
  });
});

describe('GGUF policy: the tiny model', () => {
  it('reads its metadata and counts parameters from tensor shapes (the file has no parameter-count key)', async () => {
    const path = requireTinyModel();
    const {summary, fileInfo} = await readGguf(path);
    expect(JSON.stringify(fileInfo.metadata.general)).not.toMatch(/parameter/i);
    expect(summary.architecture).toBe('llama');
    expect(summary.fileBytes).toBe(TINY_MODEL_BYTES);
    expect(summary.tensorCount).toBe(12);
    // token_embd + output 2×8×32000, attention 4×8×8, ffn 3×8×32, norms 3×8
    expect(summary.parameters).toBe(2 * 8 * 32000 + 4 * 64 + 3 * 256 + 3 * 8);
    expect(summary.layers).toBeGreaterThanOrEqual(1);
    expect(summary.weightsBytes).toBeGreaterThan(1_000_000);
    expect(summary.weightsBytes).toBeLessThanOrEqual(TINY_MODEL_BYTES);
  });

  it('leaves one core free by default, never fewer than one thread', () => {
    expect([1, 2, 3, 4, 16, 64].map(defaultThreads)).toEqual([1, 1, 2, 3, 15, 63]);
    expect(defaultThreads(0)).toBe(1);
  });

  it('plans a CPU load with the measured defaults: cpuMathCores − 1 threads (min 1), batch 512, explicit context, mmap, flash attention auto', async () => {
    const plan = await planModelLoad({path: requireTinyModel(), gpu: 'false', contextSize: 1024});
    expect(plan.gpu.backend).toBe(false);
    expect(plan.gpuLayers).toBe(0);
    expect(plan.threads).toBe(Math.max(1, plan.gpu.cpuMathCores - 1));
    expect(plan.contextSize).toBe(1024);
    expect(plan.batchSize).toBe(512);
    expect(plan.useMmap).toBe(true);
    expect(plan.flashAttention).toBe('auto');
    const e = plan.estimate;
    expect(e.totalBytes).toBe(e.weightsBytes + e.kvCacheBytes + e.overheadBytes);
    // 1 layer × 1024 tokens × (8 + 8) × 2 bytes
    expect(e.kvCacheBytes).toBe(1 * 1024 * 16 * 2);
    expect(e.totalBytes).toBeGreaterThan(e.weightsBytes);
  });

  it('rejects a context larger than the model was trained on', async () => {
    const err = await caughtJuneError(planModelLoad({path: requireTinyModel(), gpu: 'false', contextSize: 8192}));
    expect(err.code).toBe('BAD_INPUT');
  });
});

describe('GGUF policy: broken files are GGUF_CORRUPT, never a crash', () => {
  const cases: Array<[string, (p: string) => void]> = [
    ['truncated in the tensor data', (p) => truncateSync(p, 1_000_000)],
    ['truncated by one byte', (p) => truncateSync(p, TINY_MODEL_BYTES - 1)],
    ['truncated in the metadata', (p) => truncateSync(p, 100_000)],
    ['truncated inside the header', (p) => truncateSync(p, 20)],
  ];
  for (const [label, damage] of cases) {
    it(label, async () => {
      const p = join(dir, `trunc-${label.replace(/\W+/g, '-')}.gguf`);
      copyFileSync(requireTinyModel(), p);
      damage(p);
      const err = await caughtJuneError(readGguf(p));
      expect(err.code).toBe('GGUF_CORRUPT');
      expect(err.message).toContain(p);
      expect(err.hint).toBeTruthy();
    });
  }

  it('a text file named .gguf', async () => {
    const p = join(dir, 'notes.gguf');
    writeFileSync(p, 'this is not a model\n'.repeat(50));
    const err = await caughtJuneError(readGguf(p));
    expect(err.code).toBe('GGUF_CORRUPT');
    expect(err.message).toMatch(/magic/);
  });

  it('an empty file', async () => {
    const p = join(dir, 'empty.gguf');
    writeFileSync(p, '');
    expect((await caughtJuneError(readGguf(p))).code).toBe('GGUF_CORRUPT');
  });

  it('a missing file is MODEL_NOT_FOUND', async () => {
    expect((await caughtJuneError(readGguf(join(dir, 'nope.gguf')))).code).toBe('MODEL_NOT_FOUND');
  });

  it('the planner reports the file problem before touching the GPU', async () => {
    const p = join(dir, 'notes2.gguf');
    writeFileSync(p, 'GGUF but not really');
    expect((await caughtJuneError(planModelLoad({path: p, gpu: 'cuda'}))).code).toBe('GGUF_CORRUPT');
  });
});

describe('GGUF policy: a 30B-parameter model (sparse file) on a machine without a GPU that fits it', () => {
  // llama-30B-class shape: n_embd 6656, 60 layers, 52 heads, n_ff 17920, vocab 32000, Q8_0 weights
  const spec = llamaSpec({name: 'synthetic-llama-30b', nEmbd: 6656, nLayer: 60, nHead: 52, nFf: 17920, nVocab: 32000, contextLength: 2048, weightType: 'Q8_0'});
  let path: string;
  let size: number;
  beforeAll(async () => {
    path = join(dir, 'synthetic-llama-30b.Q8_0.gguf');
    size = await writeGguf(path, spec, {fill: 'sparse'});
  });

  it('is a whole, valid GGUF (sparse on disk) with ≈32.5B parameters', async () => {
    const st = statSync(path);
    expect(st.size).toBe(size);
    expect(size).toBeGreaterThan(30e9);
    expect(st.blocks * 512).toBeLessThan(64 * 1024 * 1024);
    const {summary} = await readGguf(path);
    expect(summary.parameters).toBe(specParameters(spec));
    expect(summary.parameters).toBeGreaterThan(32e9);
    expect(summary.parameters).toBeLessThan(33e9);
  });

  it('is refused for size before any load — MODEL_TOO_LARGE naming the model, its size, the estimate and the GPU', async () => {
    const {info} = await detectGpu('auto');
    const fits = info.vram !== null && info.vram.free > 40 * 1024 ** 3;
    if (fits) {
      // a machine with a big GPU plans it onto the GPU instead
      const plan = await planModelLoad({path, gpu: 'auto'});
      expect(plan.gpuLayers).toBe('auto');
      return;
    }
    const err = await caughtJuneError(planModelLoad({path, gpu: 'auto'}));
    expect(err.code).toBe('MODEL_TOO_LARGE');
    expect(err.message).not.toMatch(/\n/);
    expect(err.message).toContain('synthetic-llama-30b.Q8_0.gguf');
    expect(err.message).toContain('32.5B parameters');
    expect(err.message).toMatch(/estimated \d+(\.\d)? GiB for a 2048-token context/);
    expect(err.message).toMatch(/KV cache \d/);
    expect(err.message).toMatch(/GPU found: /);
    if (info.backend === false) expect(err.message).toContain('no GPU (CPU only)');
    expect(err.hint).toMatch(/smaller model|--endpoint/);
  });

  it('the threshold comes from config: a 40B limit lets it plan a CPU load (without loading)', async () => {
    const {info} = await detectGpu('false');
    const plan = await planModelLoad({path, gpu: 'false', cpuMaxParamsB: 40, contextSize: 512});
    expect(plan.gpuLayers).toBe(0);
    expect(plan.threads).toBe(defaultThreads(info.cpuMathCores));
    expect(plan.estimate.weightsBytes).toBeGreaterThan(30e9);
  });

  it('a truncated copy of it is GGUF_CORRUPT', async () => {
    const p = join(dir, 'synthetic-llama-30b-truncated.gguf');
    await writeGguf(p, spec, {fill: 'sparse'});
    truncateSync(p, size - 4096);
    expect((await caughtJuneError(readGguf(p))).code).toBe('GGUF_CORRUPT');
  });
});

describe('decideFit (pure)', () => {
  const big = {parameters: 32.5e9, cpuMaxParamsB: 30, fullGpuEstimate: {gpuBytes: 40e9, totalBytes: 41e9}};
  it('refuses a 30B+ model without a GPU', () => {
    const d = decideFit({...big, gpu: {backend: false, vram: null}});
    expect(d.ok).toBe(false);
  });
  it('refuses it on a GPU that is too small', () => {
    const d = decideFit({...big, gpu: {backend: 'cuda', vram: {total: 24e9, free: 23e9}}});
    expect(d).toMatchObject({ok: false});
    expect(d.reason).toMatch(/VRAM/);
  });
  it('allows it on a GPU that fits, fully offloaded', () => {
    expect(decideFit({...big, gpu: {backend: 'cuda', vram: {total: 80e9, free: 79e9}}})).toMatchObject({ok: true, gpuLayers: 'auto'});
  });
  it('allows small models on CPU with 0 GPU layers', () => {
    expect(decideFit({...big, parameters: 7e9, gpu: {backend: false, vram: null}})).toMatchObject({ok: true, gpuLayers: 0});
  });
});

describe('GPU detection', () => {
  it('an explicit GPU backend that is not usable is GPU_UNAVAILABLE with a hint, never a silent CPU fallback', async () => {
    const {getLlamaGpuTypes} = await import('node-llama-cpp');
    const supported = await getLlamaGpuTypes('supported');
    for (const backend of ['cuda', 'vulkan', 'metal'] as const) {
      if (supported.includes(backend)) {
        const {info} = await detectGpu(backend);
        expect(info.backend).toBe(backend);
        continue;
      }
      const err = await caughtJuneError(detectGpu(backend));
      expect(err.code).toBe('GPU_UNAVAILABLE');
      expect(err.message).toContain(`--gpu ${backend}`);
      expect(err.hint).toMatch(/--gpu (auto|false)/);
    }
  });

  it('--gpu false is CPU only', async () => {
    const {info} = await detectGpu('false');
    expect(info.backend).toBe(false);
    expect(info.vram).toBeNull();
    expect(info.cpuMathCores).toBeGreaterThanOrEqual(1);
  });
});
