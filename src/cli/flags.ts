/** The flags that mean the same thing in every command, defined once. */
import {Flags} from '@oclif/core';
import type {GpuSetting} from '../config.js';
import type {OpenModelOptions} from '../runtime/open-model.js';

export const modelFlag = Flags.string({
  char: 'm',
  description: 'Model: a catalog id, an hf:owner/repo/file.gguf URI or a path to a GGUF file.',
  helpValue: 'ID|FILE',
});

export const mirrorFlag = Flags.string({
  description: 'Mirror root (directory or http(s) URL) holding models/ and datasets/ (env: JUNE_MIRROR).',
  helpValue: 'DIR|URL',
});

export const gpuFlag = Flags.string({
  description: 'GPU backend to use: auto, cuda, vulkan, metal, or false for CPU only.',
  options: ['auto', 'cuda', 'vulkan', 'metal', 'false'],
});

export const threadsFlag = Flags.integer({
  description: 'CPU threads for inference (default: the machine\'s math cores − 1, at least 1: all of them collapse when anything else runs).',
  min: 1,
});

export const ctxSizeFlag = Flags.integer({
  description: 'Context size in tokens.',
  min: 64,
});

export const endpointFlag = Flags.string({
  description: 'An OpenAI-compatible server (vLLM, llama-server, Ollama, june serve) to use instead of a local model.',
  helpValue: 'URL',
});

export const parallelFlag = Flags.integer({
  description: 'How many jobs to run at once.',
  min: 1,
});

const positiveSeconds = Flags.custom<number>({
  parse: async (input) => {
    const v = Number(input);
    if (input.trim() === '' || !Number.isFinite(v) || v <= 0) throw new Error(`Expected a positive number but received: ${input}`);
    return v;
  },
});

/** EvalPlus's --min-time-limit, in seconds: the floor of every per-input time limit. */
export const minTimeLimitFlag = positiveSeconds({
  description: 'Per-test time limit floor in seconds (EvalPlus --min-time-limit; default 4).',
  helpValue: 'SECONDS',
});

/** EvalPlus's --gt-time-limit-factor: per-input limit = max(floor, factor × the reference's own time). */
export const timeFactorFlag = positiveSeconds({
  description: "Per-test limit = max(floor, factor × the canonical solution's own time) (EvalPlus --gt-time-limit-factor; default 4).",
  helpValue: 'FACTOR',
});

export const profileFlag = Flags.string({
  description: 'A named profile from config.json (profiles.NAME).',
  helpValue: 'NAME',
});

export const apiKeyFlag = Flags.string({
  description: 'Bearer token for --endpoint (env: JUNE_API_KEY, OPENAI_API_KEY).',
});

/** The shared model flags as parsed by oclif. */
export interface ModelFlagValues {
  endpoint?: string | undefined;
  'api-key'?: string | undefined;
  profile?: string | undefined;
  gpu?: string | undefined;
  threads?: number | undefined;
  'ctx-size'?: number | undefined;
}

/** The shared model flags as openModel options: only the ones given (one mapping for every command). */
export function modelFlagOptions(f: ModelFlagValues): Pick<OpenModelOptions, 'endpoint' | 'apiKey' | 'profile' | 'gpu' | 'threads' | 'contextSize'> {
  return {
    ...(f.endpoint !== undefined ? {endpoint: f.endpoint} : {}),
    ...(f['api-key'] !== undefined ? {apiKey: f['api-key']} : {}),
    ...(f.profile !== undefined ? {profile: f.profile} : {}),
    ...(f.gpu !== undefined ? {gpu: f.gpu as GpuSetting} : {}),
    ...(f.threads !== undefined ? {threads: f.threads} : {}),
    ...(f['ctx-size'] !== undefined ? {contextSize: f['ctx-size']} : {}),
  };
}
