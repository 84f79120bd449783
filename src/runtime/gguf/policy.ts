/**
 * The GGUF policy every model load goes through, before anything is loaded: read the metadata,
 * count the parameters, estimate the memory the requested context needs, look at the GPU, and either
 * refuse (a model of `policy.cpuMaxParamsB` billion parameters or more without a GPU that fits it →
 * MODEL_TOO_LARGE) or return the load options (GPU layers, context size, threads, batch).
 */
import type {GgufInsights, Llama} from 'node-llama-cpp';
import type {GpuSetting} from '../../config.js';
import {JuneError} from '../../errors.js';
import {type GpuInfo, describeGpu, detectGpu} from '../gpu.js';
import {formatBytes} from '../../format.js';
import {type GgufModelFile, type GgufSummary, readGguf} from './read.js';
import {kvCacheBytes} from './shape.js';

export const DEFAULT_CONTEXT_SIZE = 4096;
export const DEFAULT_BATCH_SIZE = 512;
export const DEFAULT_CPU_MAX_PARAMS_B = 30;

export interface MemoryEstimate {
  contextSize: number;
  /** Weights as loaded (mmap'd file pages on CPU, copies on GPU). */
  weightsBytes: number;
  /** F16 K+V for the context. */
  kvCacheBytes: number;
  /** Compute buffers, logits and the rest of the context (node-llama-cpp's estimate minus the KV cache). */
  overheadBytes: number;
  totalBytes: number;
  /** How much of the total lands in VRAM and in RAM for the planned GPU layers. */
  gpuBytes: number;
  cpuBytes: number;
}

/**
 * Memory for weights + KV cache + overhead, from node-llama-cpp's GgufInsights estimators (the
 * header-only ones: nothing is loaded) and our own KV-cache arithmetic.
 */
export function estimateMemory(
  insights: GgufInsights,
  summary: GgufSummary,
  opts: {contextSize: number; batchSize: number; sequences: number; gpuLayers: number},
): MemoryEstimate {
  const model = insights.estimateModelResourceRequirements({gpuLayers: opts.gpuLayers});
  const ctx = insights.estimateContextResourceRequirements({
    contextSize: opts.contextSize,
    modelGpuLayers: opts.gpuLayers,
    batchSize: opts.batchSize,
    sequences: opts.sequences,
    flashAttention: false,
  });
  const kv =
    summary.embeddingLength && summary.headCount
      ? kvCacheBytes(
          {
            layers: summary.layers,
            embeddingLength: summary.embeddingLength,
            headCount: summary.headCount,
            ...(summary.headCountKv ? {headCountKv: summary.headCountKv} : {}),
          },
          opts.contextSize * opts.sequences,
        )
      : 0;
  const ctxTotal = ctx.cpuRam + ctx.gpuVram;
  const weightsBytes = Math.max(summary.weightsBytes, model.cpuRam + model.gpuVram);
  const overheadBytes = Math.max(0, ctxTotal - kv);
  return {
    contextSize: opts.contextSize,
    weightsBytes,
    kvCacheBytes: kv,
    overheadBytes,
    totalBytes: weightsBytes + kv + overheadBytes,
    gpuBytes: model.gpuVram + ctx.gpuVram,
    cpuBytes: model.cpuRam + ctx.cpuRam,
  };
}

export type FitDecision =
  | {ok: true; gpuLayers: number | 'auto'; reason: string}
  | {ok: false; reason: string};

/**
 * Pure: may this model be loaded here? Below the threshold it always may (GPU layers 'auto' with a
 * GPU, 0 without). At or above it, only with a GPU whose free VRAM holds the whole estimate.
 */
export function decideFit(input: {
  parameters: number;
  cpuMaxParamsB: number;
  gpu: Pick<GpuInfo, 'backend' | 'vram'>;
  /** The estimate with every layer on the GPU. */
  fullGpuEstimate: Pick<MemoryEstimate, 'gpuBytes' | 'totalBytes'>;
}): FitDecision {
  const threshold = input.cpuMaxParamsB * 1e9;
  if (input.parameters < threshold)
    return {
      ok: true,
      gpuLayers: input.gpu.backend === false ? 0 : 'auto',
      reason: `${formatParams(input.parameters)} parameters is below the ${input.cpuMaxParamsB}B CPU limit`,
    };
  if (input.gpu.backend === false || !input.gpu.vram)
    return {ok: false, reason: `models of ${input.cpuMaxParamsB}B+ parameters need a GPU and none was found`};
  const need = Math.max(input.fullGpuEstimate.gpuBytes, input.fullGpuEstimate.totalBytes);
  if (need > input.gpu.vram.free)
    return {
      ok: false,
      reason: `it needs ${formatBytes(need)} of VRAM and the GPU has ${formatBytes(input.gpu.vram.free)} free`,
    };
  return {ok: true, gpuLayers: 'auto', reason: `fits in VRAM (${formatBytes(need)} of ${formatBytes(input.gpu.vram.free)} free)`};
}

export function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

/**
 * The default CPU thread count: one fewer than the machine's math cores (node-llama-cpp's
 * cpuMathCores), at least 1. llama.cpp's threads spin at their barriers, so threads = cores collapses
 * as soon as anything else wants a core — on 2 cores with one busy, generation fell 20–50× (issue 12,
 * bench/threads-contention.mjs) — and june runs tools, the sandbox and speech engines beside the
 * model. Leaving one core free costs at most 1/cores of the idle speed and is never catastrophic.
 * `--threads` / config `threads` override it.
 */
export function defaultThreads(cpuMathCores: number): number {
  return Math.max(1, Math.floor(cpuMathCores) - 1);
}

export interface LoadPlanRequest {
  path: string;
  gpu?: GpuSetting;
  /** Tokens; default min(4096, the model's training context). */
  contextSize?: number;
  batchSize?: number;
  /** Parallel sequences in the context (june serve); default 1. */
  sequences?: number;
  /** CPU threads; default defaultThreads(cpuMathCores) = cores − 1, at least 1. */
  threads?: number;
  /** Threshold in billions of parameters (config policy.cpuMaxParamsB); default 30. */
  cpuMaxParamsB?: number;
  signal?: AbortSignal;
}

export interface LoadPlan {
  llama: Llama;
  gguf: GgufModelFile;
  gpu: GpuInfo;
  /** 0 on CPU; 'auto' lets node-llama-cpp fit as many layers as the GPU holds. */
  gpuLayers: number | 'auto';
  contextSize: number;
  batchSize: number;
  sequences: number;
  threads: number;
  flashAttention: 'auto';
  useMmap: true;
  estimate: MemoryEstimate;
  decision: string;
}

/** One line naming the model, its size, the estimate and the GPU found. */
export function tooLargeMessage(summary: GgufSummary, estimate: MemoryEstimate, gpu: GpuInfo, reason: string): string {
  return (
    `refusing to load ${summary.name} (${formatParams(summary.parameters)} parameters, ${formatBytes(summary.fileBytes)} file): ` +
    `estimated ${formatBytes(estimate.totalBytes)} for a ${estimate.contextSize}-token context ` +
    `(weights ${formatBytes(estimate.weightsBytes)} + KV cache ${formatBytes(estimate.kvCacheBytes)} + overhead ${formatBytes(estimate.overheadBytes)}); ` +
    `GPU found: ${describeGpu(gpu)}; ${reason}`
  );
}

/**
 * Runs the whole policy and returns how to load the model, or throws MODEL_NOT_FOUND, GGUF_CORRUPT,
 * GPU_UNAVAILABLE or MODEL_TOO_LARGE. Loads nothing.
 */
export async function planModelLoad(req: LoadPlanRequest): Promise<LoadPlan> {
  // the file first: a missing or corrupt file is the more useful error even without a GPU
  const slim = await readGguf(req.path, req.signal ? {signal: req.signal} : {});
  const {llama, info: gpu} = await detectGpu(req.gpu ?? 'auto');
  // re-derive insights with the real backend so the GPU split is right
  const gguf = gpu.backend === false ? slim : await readGguf(req.path, {llama, ...(req.signal ? {signal: req.signal} : {})});
  const s = gguf.summary;
  const sequences = req.sequences ?? 1;
  const trainCtx = s.trainContextSize ?? DEFAULT_CONTEXT_SIZE;
  const contextSize = req.contextSize ?? Math.min(DEFAULT_CONTEXT_SIZE, trainCtx);
  if (req.contextSize !== undefined && req.contextSize > trainCtx)
    throw new JuneError('BAD_INPUT', `--ctx-size ${req.contextSize} is larger than ${s.name}'s training context (${trainCtx} tokens)`, {
      hint: `use --ctx-size ${trainCtx} or less`,
    });
  const batchSize = Math.max(req.batchSize ?? DEFAULT_BATCH_SIZE, 1);
  const threads = req.threads ?? defaultThreads(gpu.cpuMathCores);
  const cpuMaxParamsB = req.cpuMaxParamsB ?? DEFAULT_CPU_MAX_PARAMS_B;
  const allLayers = s.layers + 1;
  const fullGpuEstimate = estimateMemory(gguf.insights, s, {contextSize, batchSize, sequences, gpuLayers: gpu.backend === false ? 0 : allLayers});
  const decision = decideFit({parameters: s.parameters, cpuMaxParamsB, gpu, fullGpuEstimate});
  if (!decision.ok)
    throw new JuneError('MODEL_TOO_LARGE', tooLargeMessage(s, fullGpuEstimate, gpu, decision.reason), {
      hint: `use a smaller model, run it on a machine with a GPU that fits it, or serve it elsewhere and pass --endpoint (the limit is policy.cpuMaxParamsB = ${cpuMaxParamsB} in config.json)`,
    });
  const estimate =
    decision.gpuLayers === 0 ? estimateMemory(gguf.insights, s, {contextSize, batchSize, sequences, gpuLayers: 0}) : fullGpuEstimate;
  return {
    llama,
    gguf,
    gpu,
    gpuLayers: decision.gpuLayers,
    contextSize,
    batchSize: Math.min(batchSize, contextSize),
    sequences,
    threads,
    flashAttention: 'auto',
    useMmap: true,
    estimate,
    decision: decision.reason,
  };
}
