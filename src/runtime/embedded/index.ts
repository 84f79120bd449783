/**
 * Opening a GGUF on the embedded backend: the GGUF policy first (nothing is loaded for a refused or
 * corrupt file), then node-llama-cpp's loadModel + createContext with the planned options. A model is
 * loaded once per process for a given path + options and shared: every caller gets a handle, and the
 * model is freed when the last handle is closed.
 */
import {basename, resolve} from 'node:path';
import type {GpuSetting} from '../../config.js';
import {JuneError, isAbortError} from '../../errors.js';
import {planModelLoad} from '../gguf/policy.js';
import type {ChatTemplateReport, Generation, ModelHost} from '../model-host.js';
import {engineVersions} from '../engine-version.js';
import {EmbeddedModelHost} from './host.js';
import {guardContextSampling} from './sampling-guard.js';

export {EmbeddedModelHost, type LoadTimings} from './host.js';

export interface EmbeddedLoadOptions {
  /** A GGUF file. */
  path: string;
  /** Catalog id or name for ModelInfo.id; default: the file name. */
  id?: string;
  gpu?: GpuSetting;
  /** Default: the GGUF policy's defaultThreads = cpuMathCores − 1, at least 1 (never node-llama-cpp's max(4, cores), which ran >7× slower on 2 cores). */
  threads?: number;
  /** Default: min(4096, the model's training context). */
  contextSize?: number;
  /** Default 512. */
  batchSize?: number;
  /** Parallel sequences (june serve --parallel); default 1. */
  sequences?: number;
  /** config policy.cpuMaxParamsB; default 30. */
  cpuMaxParamsB?: number;
  signal?: AbortSignal;
}

interface Entry {
  host: Promise<EmbeddedModelHost>;
  refs: number;
}

const registry = new Map<string, Entry>();
const stats = {loadAttempts: 0, loads: 0, reuses: 0};

/** How many times this process asked node-llama-cpp to load a model, loaded one, or reused one. */
export function embeddedStats(): {loadAttempts: number; loads: number; reuses: number; open: number} {
  return {...stats, open: registry.size};
}

function registryKey(o: EmbeddedLoadOptions): string {
  return JSON.stringify([resolve(o.path), o.gpu ?? 'auto', o.threads ?? null, o.contextSize ?? null, o.batchSize ?? null, o.sequences ?? 1, o.cpuMaxParamsB ?? null]);
}

async function load(o: EmbeddedLoadOptions): Promise<EmbeddedModelHost> {
  const plan = await planModelLoad({
    path: o.path,
    ...(o.gpu !== undefined ? {gpu: o.gpu} : {}),
    ...(o.threads !== undefined ? {threads: o.threads} : {}),
    ...(o.contextSize !== undefined ? {contextSize: o.contextSize} : {}),
    ...(o.batchSize !== undefined ? {batchSize: o.batchSize} : {}),
    ...(o.sequences !== undefined ? {sequences: o.sequences} : {}),
    ...(o.cpuMaxParamsB !== undefined ? {cpuMaxParamsB: o.cpuMaxParamsB} : {}),
    ...(o.signal ? {signal: o.signal} : {}),
  });
  const lib = await import('node-llama-cpp');
  stats.loadAttempts++;
  const t0 = performance.now();
  let model;
  try {
    model = await plan.llama.loadModel({
      modelPath: plan.gguf.summary.path,
      gpuLayers: plan.gpuLayers,
      useMmap: plan.useMmap,
      ...(o.signal ? {loadSignal: o.signal} : {}),
    });
  } catch (err) {
    if (o.signal?.aborted || isAbortError(err)) throw err;
    throw new JuneError('MODEL_LOAD_FAILED', `node-llama-cpp could not load ${plan.gguf.summary.name}: ${(err as Error).message}`, {
      hint: 'check the file with `june verify --model FILE`; a model made for a newer llama.cpp needs a newer june',
      cause: err,
    });
  }
  const t1 = performance.now();
  let context;
  try {
    context = await model.createContext({
      contextSize: plan.contextSize,
      batchSize: plan.batchSize,
      sequences: plan.sequences,
      threads: plan.threads,
      flashAttention: plan.flashAttention,
      ...(o.signal ? {createSignal: o.signal} : {}),
    });
  } catch (err) {
    await model.dispose();
    if (o.signal?.aborted || isAbortError(err)) throw err;
    throw new JuneError('MODEL_LOAD_FAILED', `cannot create a ${plan.contextSize}-token context for ${plan.gguf.summary.name}: ${(err as Error).message}`, {
      hint: 'use a smaller --ctx-size',
      cause: err,
    });
  }
  const t2 = performance.now();
  try {
    guardContextSampling(context, engineVersions().nodeLlamaCpp ?? '0.0.0');
  } catch (err) {
    await context.dispose();
    await model.dispose();
    throw err;
  }
  const chatWrapper = lib.resolveChatWrapper(model);
  stats.loads++;
  return new EmbeddedModelHost(lib, plan, model, context, chatWrapper, {loadModelMs: t1 - t0, createContextMs: t2 - t1}, o.id ?? basename(o.path));
}

/**
 * A caller's handle on a shared EmbeddedModelHost; close() releases only this handle. It forwards
 * every ModelHost method the host has — an optional one left out (countTokens once was) makes
 * callers fall back silently (the agent counted prompts by bytes and overflowed the context).
 */
class EmbeddedHandle implements ModelHost {
  private released = false;
  constructor(
    readonly host: EmbeddedModelHost,
    private readonly onClose: () => Promise<void>,
  ) {}
  get info(): EmbeddedModelHost['info'] {
    return this.host.info;
  }
  chat(...args: Parameters<ModelHost['chat']>): Generation {
    return this.host.chat(...args);
  }
  complete(...args: Parameters<ModelHost['complete']>): Generation {
    return this.host.complete(...args);
  }
  chatTemplateReport(): Promise<ChatTemplateReport> {
    return this.host.chatTemplateReport();
  }
  countTokens(...args: Parameters<EmbeddedModelHost['countTokens']>): ReturnType<EmbeddedModelHost['countTokens']> {
    return this.host.countTokens(...args);
  }
  async close(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.onClose();
  }
}

export type EmbeddedModel = EmbeddedHandle;

/**
 * Loads (or reuses) the model for these options after the GGUF policy allowed it. Throws
 * MODEL_NOT_FOUND, GGUF_CORRUPT, GPU_UNAVAILABLE, MODEL_TOO_LARGE, BAD_INPUT or MODEL_LOAD_FAILED.
 */
export async function loadEmbeddedModel(options: EmbeddedLoadOptions): Promise<EmbeddedModel> {
  const key = registryKey(options);
  let entry = registry.get(key);
  if (entry) stats.reuses++;
  else {
    entry = {host: load(options), refs: 0};
    registry.set(key, entry);
    const e = entry;
    e.host.catch(() => {
      if (registry.get(key) === e) registry.delete(key);
    });
  }
  entry.refs++;
  let host: EmbeddedModelHost;
  try {
    host = await entry.host;
  } catch (err) {
    entry.refs--;
    throw err;
  }
  const e = entry;
  return new EmbeddedHandle(host, async () => {
    e.refs--;
    if (e.refs === 0 && registry.get(key) === e) {
      registry.delete(key);
      await host.close();
    }
  });
}

/** Same as loadEmbeddedModel (the name src/runtime/open-model.ts uses). */
export const openEmbedded = loadEmbeddedModel;
