import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {
  CATALOG_FILE,
  ModelRole,
  defaultFor,
  findEntry,
  hfResolveUrl,
  loadCatalog,
  parseCatalog,
  parseHfUri,
  suggestIds,
  unknownModelError,
} from '../../src/runtime/catalog.js';
import {TINY_MODEL_BYTES, TINY_MODEL_SHA256} from '../helpers/env.js';

const raw = (): {version: number; defaults: Record<string, string>; models: Record<string, unknown>[]} =>
  JSON.parse(readFileSync(CATALOG_FILE, 'utf8'));

describe('model catalog (datasets/models.json)', () => {
  const catalog = loadCatalog();

  it('validates and has a real, non-test default for every role', () => {
    for (const role of ModelRole.options) {
      const d = defaultFor(catalog, role);
      expect(d.role).toBe(role);
      expect(d.testOnly).toBe(false);
    }
  });

  it('keeps the default coder a real model, never the tiny test model', () => {
    const coder = defaultFor(catalog, 'coder');
    expect(coder.id).not.toBe('llama-2-tiny-random');
    expect(coder.source).toMatch(/^hf:Qwen\/Qwen2\.5-Coder-/);
  });

  it('holds the required models', () => {
    for (const id of [
      'qwen2.5-coder-0.5b-instruct-q4_k_m',
      'qwen2.5-coder-1.5b-instruct-q4_k_m',
      'qwen2.5-coder-7b-instruct-q4_k_m',
      'qwen3-4b-q4_k_m',
      'qwen3-30b-a3b-thinking-2507-q4_k_m',
      'whisper-tiny.en',
      'whisper-base.en',
      'llama-2-tiny-random',
    ])
      expect(findEntry(catalog, id), id).toBeDefined();
    expect(findEntry(catalog, 'qwen3-30b-a3b-thinking-2507-q4_k_m')!.gpuOnly).toBe(true);
    expect(findEntry(catalog, 'QWEN2.5-CODER-7B')!.id).toBe('qwen2.5-coder-7b-instruct-q4_k_m');
  });

  it('records the tiny test model exactly as published', () => {
    const tiny = findEntry(catalog, 'llama-2-tiny-random')!;
    expect(tiny).toMatchObject({
      source: 'hf:aladar/llama-2-tiny-random-GGUF/llama-2-tiny-random.gguf',
      file: 'llama-2-tiny-random.gguf',
      bytes: TINY_MODEL_BYTES,
      sha256: TINY_MODEL_SHA256,
      verified: true,
      testOnly: true,
    });
  });

  it('says where every entry came from, and leaves unchecked fields null rather than guessed', () => {
    for (const m of catalog.models) {
      expect(m.sources.length, m.id).toBeGreaterThan(0);
      if (m.verified) expect(m.sha256, m.id).not.toBeNull();
      else expect(m.sha256, m.id).toBeNull();
    }
    // every catalog key is present in the file (null, not omitted), so a reader sees what is unknown
    for (const m of raw().models)
      for (const key of ['bytes', 'sha256', 'paramsB', 'quantization', 'contextLength', 'license']) expect(m, String(m.id)).toHaveProperty(key);
  });

  it('rejects an entry marked verified without a sha256, a default of the wrong role, and duplicate ids', () => {
    const bad1 = raw();
    bad1.models[0] = {...bad1.models[0], verified: true, sha256: null};
    expect(() => parseCatalog(JSON.stringify(bad1), 'x.json')).toThrow(/verified: true needs a checked sha256/);
    const bad2 = raw();
    bad2.defaults.coder = 'whisper-base.en';
    expect(() => parseCatalog(JSON.stringify(bad2), 'x.json')).toThrow(/default coder "whisper-base.en" has role stt/);
    const bad3 = raw();
    bad3.defaults.coder = 'llama-2-tiny-random';
    expect(() => parseCatalog(JSON.stringify(bad3), 'x.json')).toThrow(/test-only/);
    const bad4 = raw();
    bad4.models.push({...bad4.models[1]});
    expect(() => parseCatalog(JSON.stringify(bad4), 'x.json')).toThrow(/used twice/);
    expect(() => parseCatalog('{', 'x.json')).toThrow(/not valid JSON/);
  });

  it('honours a configured default', () => {
    expect(defaultFor(catalog, 'coder', {coder: 'qwen2.5-coder-7b'}).id).toBe('qwen2.5-coder-7b-instruct-q4_k_m');
    expect(() => defaultFor(catalog, 'coder', {coder: 'nope'})).toThrow(/not in the catalog/);
  });

  it('suggests close ids for a typo', () => {
    expect(suggestIds(catalog, 'qwen-coder')).toContain('qwen2.5-coder-1.5b-instruct-q4_k_m');
    expect(suggestIds(catalog, 'whisper-tiny')).toEqual(['whisper-tiny.en']);
    const err = unknownModelError(catalog, 'qwen3-4');
    expect(err.code).toBe('MODEL_UNKNOWN');
    expect(err.hint).toMatch(/did you mean "qwen3-4b-q4_k_m"/);
    expect(err.hint).toMatch(/june models list/);
  });

  it('parses hf: URIs and builds their download URLs', () => {
    expect(parseHfUri('hf:rhasspy/piper-voices/en/en_US/x.onnx')).toEqual({owner: 'rhasspy', repo: 'piper-voices', path: 'en/en_US/x.onnx', file: 'x.onnx'});
    expect(parseHfUri('hf:owner/repo')).toBeUndefined();
    expect(parseHfUri('hf:o/r/../x')).toBeUndefined();
    expect(hfResolveUrl(parseHfUri('hf:Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf')!)).toBe(
      'https://huggingface.co/Qwen/Qwen3-4B-GGUF/resolve/main/Qwen3-4B-Q4_K_M.gguf',
    );
  });
});
