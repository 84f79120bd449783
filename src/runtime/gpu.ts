/**
 * GPU detection through node-llama-cpp: which compute backend this process can use (CUDA, Vulkan,
 * Metal or none), the devices and their VRAM. The `Llama` instance made here is the one the embedded
 * backend loads models with, so detection costs nothing extra (one instance per GPU setting per process).
 *
 * node-llama-cpp is imported dynamically: `june --help` never pays for it.
 */
import type {Llama} from 'node-llama-cpp';
import type {GpuSetting} from '../config.js';
import {JuneError} from '../errors.js';
import {formatBytes} from '../format.js';

export type GpuBackend = 'cuda' | 'vulkan' | 'metal';

export interface GpuInfo {
  /** The backend in use, or false for CPU only. */
  backend: GpuBackend | false;
  /** Device names as the backend reports them (empty without a GPU). */
  devices: string[];
  /** VRAM in bytes; null without a GPU. */
  vram: {total: number; free: number} | null;
  /** CPU cores useful for math (node-llama-cpp's `cpuMathCores`): the right thread count on CPU. */
  cpuMathCores: number;
}

export interface DetectedGpu {
  llama: Llama;
  info: GpuInfo;
}

const instances = new Map<string, Promise<DetectedGpu>>();

/** One line describing the GPU found, for messages and the verify table. */
export function describeGpu(info: GpuInfo): string {
  if (info.backend === false) return 'no GPU (CPU only)';
  const name = info.devices.length > 0 ? info.devices.join(', ') : 'unnamed device';
  const vram = info.vram ? `, ${formatBytes(info.vram.free)} free of ${formatBytes(info.vram.total)} VRAM` : '';
  return `${info.backend} (${name}${vram})`;
}


function gpuHint(setting: GpuBackend): string {
  switch (setting) {
    case 'cuda':
      return 'install the NVIDIA driver and CUDA runtime (nvidia-smi must work), or run with --gpu auto or --gpu false';
    case 'vulkan':
      return 'install a Vulkan driver (vulkaninfo must list a device), or run with --gpu auto or --gpu false';
    case 'metal':
      return 'Metal exists only on macOS (Apple silicon); run with --gpu auto or --gpu false';
  }
}

/**
 * The Llama instance for a GPU setting, with what it found. `auto` takes the best GPU available or
 * the CPU; an explicit backend that is not usable → JuneError GPU_UNAVAILABLE (never a silent CPU
 * fallback); `false` is CPU only.
 */
export function detectGpu(setting: GpuSetting = 'auto'): Promise<DetectedGpu> {
  let p = instances.get(setting);
  if (!p) {
    p = createInstance(setting);
    instances.set(setting, p);
    p.catch(() => instances.delete(setting));
  }
  return p;
}

async function createInstance(setting: GpuSetting): Promise<DetectedGpu> {
  const {getLlama, LlamaLogLevel} = await import('node-llama-cpp');
  const gpu = setting === 'false' ? false : setting;
  let llama: Llama;
  try {
    llama = await getLlama({
      gpu,
      // never compile or download at run time: use the prebuilt binaries that npm installed
      build: 'never',
      skipDownload: true,
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
      // llama.cpp's own messages go to stderr, never to stdout (which carries --json results)
      logger: (level, message) => {
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) process.stderr.write(`llama.cpp: ${message.trimEnd()}\n`);
      },
    });
  } catch (err) {
    if (gpu === false || gpu === 'auto')
      throw new JuneError('MODEL_LOAD_FAILED', `node-llama-cpp could not start (${(err as Error).message})`, {
        hint: 'reinstall june so that npm fetches node-llama-cpp\'s prebuilt binaries for this platform',
        cause: err,
      });
    throw new JuneError('GPU_UNAVAILABLE', `--gpu ${gpu} was requested but no ${gpu} backend is usable on this machine`, {
      hint: gpuHint(gpu),
      cause: err,
    });
  }
  if (gpu !== false && gpu !== 'auto' && llama.gpu !== gpu) {
    await llama.dispose();
    throw new JuneError('GPU_UNAVAILABLE', `--gpu ${gpu} was requested but no ${gpu} backend is usable on this machine (found: ${llama.gpu === false ? 'CPU only' : llama.gpu})`, {
      hint: gpuHint(gpu),
    });
  }
  const backend = llama.gpu;
  let devices: string[] = [];
  let vram: GpuInfo['vram'] = null;
  if (backend !== false) {
    devices = await llama.getGpuDeviceNames();
    const state = await llama.getVramState();
    vram = {total: state.total, free: state.free};
  }
  return {llama, info: {backend, devices, vram, cpuMathCores: llama.cpuMathCores}};
}
