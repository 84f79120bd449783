/**
 * The one door to a model: every command calls openModel() and gets a ModelHost.
 *
 * - an endpoint (flag or profile) → the endpoint backend (OpenAI-compatible server);
 * - else a model ref (catalog id, hf: URI, GGUF path) → locateModel → GGUF policy → embedded backend;
 * - `profile` picks a named profile from config.json (`profiles: {fast: {model}, quality: {endpoint, model}}`);
 *   explicit options override the profile's fields;
 * - the configured `fallbackProfile` is tried only when it is configured and the chosen model fails
 *   to open, and it says so (onWarning, by default one "Warning:" line on stderr).
 *
 * There is no default model here: callers pass the catalog default for their role.
 */
import type {GpuSetting, JuneConfig} from '../config.js';
import {loadConfig} from '../config.js';
import {JuneError, isAbortError, toJuneError} from '../errors.js';
import type {Env} from '../paths.js';
import {resolveApiKey} from './endpoint/url.js';
import type {ModelHost} from './model-host.js';

export interface OpenModelOptions {
  /** Catalog id, hf: URI or GGUF path (embedded), or the server's model name (with an endpoint). */
  model?: string;
  /** An OpenAI-compatible server root. */
  endpoint?: string;
  /** Key for the endpoint; default: the profile's apiKeyEnv, then JUNE_API_KEY, then OPENAI_API_KEY. */
  apiKey?: string;
  /** A named profile from config.json. */
  profile?: string;
  gpu?: GpuSetting;
  threads?: number;
  contextSize?: number;
  /** Parallel sequences in the embedded context (june serve --parallel); default 1. */
  parallel?: number;
  mirror?: string;
  signal?: AbortSignal;
  /** Default: loadConfig(env). */
  config?: JuneConfig;
  env?: Env;
  /** Told when the fallback profile is used; default: one "Warning: …" line on stderr. */
  onWarning?: (message: string) => void;
}

/** What a set of options resolves to, before anything is opened. */
export type ModelTarget =
  | {kind: 'endpoint'; profile: string | null; endpoint: string; model: string | undefined; apiKey: string | undefined}
  | {kind: 'embedded'; profile: string | null; model: string};

/** Resolves options + config to a target; pure (no I/O), throws USAGE for unknown profiles or no model. */
export function resolveTarget(options: OpenModelOptions, config: JuneConfig, env: Env = process.env): ModelTarget {
  let profileName: string | null = null;
  let fromProfile: {model?: string | undefined; endpoint?: string | undefined; apiKeyEnv?: string | undefined} = {};
  if (options.profile !== undefined) {
    const p = config.profiles[options.profile];
    if (!p) {
      const known = Object.keys(config.profiles);
      throw new JuneError('USAGE', `unknown profile "${options.profile}"`, {
        hint: known.length ? `known profiles: ${known.join(', ')}` : 'no profiles are configured: add "profiles" to config.json',
      });
    }
    profileName = options.profile;
    fromProfile = p;
  }
  const endpoint = options.endpoint ?? (options.model === undefined ? fromProfile.endpoint : undefined);
  const model = options.model ?? fromProfile.model;
  if (endpoint !== undefined) {
    const keyFromProfileEnv = fromProfile.apiKeyEnv ? env[fromProfile.apiKeyEnv] : undefined;
    const apiKey = options.apiKey ?? (keyFromProfileEnv?.trim() ? keyFromProfileEnv.trim() : resolveApiKey(undefined, env));
    return {kind: 'endpoint', profile: profileName, endpoint, model, apiKey};
  }
  if (model === undefined)
    throw new JuneError('USAGE', profileName ? `profile "${profileName}" names neither a model nor an endpoint` : 'no model given', {
      hint: 'pass --model ID|FILE or --endpoint URL, or --profile NAME',
    });
  return {kind: 'embedded', profile: profileName, model};
}

/** Opens the model the options name (or the fallback profile when that fails and one is configured). */
export async function openModel(options: OpenModelOptions): Promise<ModelHost> {
  const env = options.env ?? process.env;
  const config = options.config ?? (await loadConfig(env));
  const target = resolveTarget(options, config, env);
  try {
    return await openTarget(target, options, config);
  } catch (err) {
    const fallback = config.fallbackProfile;
    if (fallback === undefined || fallback === target.profile || !shouldFallBack(err, options.signal)) throw err;
    if (!config.profiles[fallback])
      throw new JuneError('CONFIG_INVALID', `fallbackProfile "${fallback}" is not one of the profiles in config.json`, {
        hint: `known profiles: ${Object.keys(config.profiles).join(', ') || 'none'}`,
        cause: err,
      });
    const first = toJuneError(err);
    const what = target.profile ? `profile "${target.profile}"` : target.kind === 'endpoint' ? target.endpoint : target.model;
    (options.onWarning ?? warnOnStderr)(`${what} failed to open (${first.code}: ${first.message}); using the fallback profile "${fallback}"`);
    const fbTarget = resolveTarget({profile: fallback}, config, env);
    try {
      return await openTarget(fbTarget, {...options, model: undefined, endpoint: undefined, apiKey: undefined}, config);
    } catch (err2) {
      const second = toJuneError(err2);
      throw new JuneError(second.code, `${second.message} (the fallback profile "${fallback}", after ${what} failed: ${first.message})`, {
        ...(second.hint ? {hint: second.hint} : {}),
        cause: err2,
      });
    }
  }
}

function shouldFallBack(err: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted || isAbortError(err)) return false;
  // bad input from the user is reported, not papered over
  return !(err instanceof JuneError && (err.code === 'USAGE' || err.code === 'CONFIG_INVALID'));
}

function warnOnStderr(message: string): void {
  process.stderr.write(`Warning: ${message}\n`);
}

async function openTarget(target: ModelTarget, options: OpenModelOptions, config: JuneConfig): Promise<ModelHost> {
  if (target.kind === 'endpoint') {
    const {openEndpoint} = await import('./endpoint/endpoint-host.js');
    return openEndpoint({
      url: target.endpoint,
      ...(target.model !== undefined ? {model: target.model} : {}),
      ...(target.apiKey !== undefined ? {apiKey: target.apiKey} : {}),
      ...(options.signal ? {signal: options.signal} : {}),
    });
  }
  return openEmbeddedModel(target.model, options, config);
}

/** locateModel → GGUF policy → embedded backend (node-llama-cpp, imported only here). */
async function openEmbeddedModel(ref: string, options: OpenModelOptions, config: JuneConfig): Promise<ModelHost> {
  const {locateModel} = await import('./model-files.js');
  const located = await locateModel(ref, {
    ...(options.mirror !== undefined ? {mirror: options.mirror} : config.mirror !== undefined ? {mirror: config.mirror} : {}),
    ...(options.env ? {env: options.env} : {}),
  });
  const {openEmbedded} = await import('./embedded/index.js');
  return openEmbedded({
    id: located.id,
    path: located.path,
    gpu: options.gpu ?? config.gpu,
    ...(options.threads ?? config.threads ? {threads: options.threads ?? config.threads} : {}),
    ...(options.contextSize !== undefined ? {contextSize: options.contextSize} : {}),
    ...(options.parallel !== undefined ? {sequences: options.parallel} : {}),
    cpuMaxParamsB: config.policy.cpuMaxParamsB,
    ...(options.signal ? {signal: options.signal} : {}),
  });
}
