/**
 * `june verify`: is this machine ready? verify spans every layer (the runtime, the sandbox, speech), so
 * it lives above them, beside the commands: the runtime knows nothing of Docker. Each check is data ({name, ok, required, detail, hint});
 * the overall verdict is pure (every required check passes). Required: Node ≥ 22, the model loads,
 * one real inference runs. Docker, the sandbox image and speech engines (src/pipeline's detection) warn unless `--require`
 * names them; downloaded models are checked against the sha256 in the lock.
 *
 * Side effects (Docker, files, the model) sit behind VerifyDeps so the decisions stay testable.
 */
import {stat} from 'node:fs/promises';
import {join} from 'node:path';
import {z} from 'zod';
import type {GpuSetting} from '../config.js';
import {JuneError, toJuneError} from '../errors.js';
import {type Env, resolvePaths} from '../paths.js';
import {speechCheck} from './speech.js';

export const REQUIREMENTS = ['docker', 'sandbox', 'speech'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

export const CheckSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  required: z.boolean(),
  detail: z.string(),
  hint: z.string().nullable(),
});
export type Check = z.infer<typeof CheckSchema>;

export const InferenceSchema = z.object({model: z.string(), tokens: z.number().int(), tokensPerSecond: z.number()});

export const VerifyResultSchema = z.object({
  ok: z.boolean(),
  checks: z.array(CheckSchema),
  inference: InferenceSchema.nullable(),
});
export type VerifyResult = z.infer<typeof VerifyResultSchema>;

export const MIN_NODE_MAJOR = 22;

/** Pure: --require docker,sandbox,speech → the list; anything else is a usage error. */
export function parseRequirements(values: readonly string[] | undefined): Requirement[] {
  const out = new Set<Requirement>();
  for (const v of values ?? [])
    for (const part of v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
      if (!(REQUIREMENTS as readonly string[]).includes(part))
        throw new JuneError('USAGE', `--require ${part}: unknown check`, {hint: `use any of ${REQUIREMENTS.join(', ')}`});
      out.add(part as Requirement);
    }
  return [...out];
}

/** Pure: the Node.js check. */
export function nodeCheck(version: string): Check {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  const ok = Number.isFinite(major) && major >= MIN_NODE_MAJOR;
  return {
    name: 'node',
    ok,
    required: true,
    detail: `Node.js ${version}${ok ? '' : ` (june needs ${MIN_NODE_MAJOR} or newer)`}`,
    hint: ok ? null : 'install Node.js 24 LTS and put it first on PATH',
  };
}

/** Pure: the verdict. */
export function verdict(checks: readonly Check[]): boolean {
  return checks.every((c) => c.ok || !c.required);
}

/** Pure: generation speed from a result's timings: tokens after the first over the time after the first. */
export function tokensPerSecond(tokens: number, ttftMs: number, totalMs: number): number {
  if (tokens > 1 && totalMs > ttftMs) return ((tokens - 1) * 1000) / (totalMs - ttftMs);
  return totalMs > 0 ? (tokens * 1000) / totalMs : 0;
}

/** Downloaded models against the lock: present, same size, same sha256 (the downloader's own lock reader). */
export async function modelsCheck(env: Env, signal?: AbortSignal): Promise<Check> {
  const paths = resolvePaths(env);
  const hintDownload = 'june download-models --all-defaults (add --mirror DIR offline)';
  const {readLock} = await import('../runtime/download/lock.js');
  const {sha256OfFile} = await import('../runtime/download/fetch-file.js');
  let records;
  try {
    records = Object.values((await readLock(paths.modelsLock)).files);
  } catch (err) {
    const je = err instanceof JuneError ? err : null;
    return {name: 'models', ok: false, required: false, detail: je?.message ?? String(err), hint: je?.hint ?? 'check the lock file'};
  }
  if (records.length === 0)
    return {name: 'models', ok: false, required: false, detail: `no downloaded models (nothing recorded in ${paths.modelsLock})`, hint: hintDownload};
  const bad: string[] = [];
  for (const r of records) {
    const p = join(paths.modelsDir, r.file);
    try {
      const st = await stat(p);
      if (st.size !== r.bytes) bad.push(`${r.file}: ${st.size} bytes, the lock says ${r.bytes}`);
      else if ((await sha256OfFile(p, signal)) !== r.sha256) bad.push(`${r.file}: sha256 differs from the lock`);
    } catch (err) {
      if ((err as {code?: string}).code === 'ENOENT') bad.push(`${r.file}: missing`);
      else if (err instanceof JuneError && err.code === 'FILE_NOT_FOUND') bad.push(`${r.file}: missing`);
      else throw err;
    }
  }
  if (bad.length > 0)
    return {name: 'models', ok: false, required: false, detail: bad.join('; '), hint: 'download them again: june download-models ID (a damaged file is replaced)'};
  return {name: 'models', ok: true, required: false, detail: `${records.length} downloaded, sha256 matches the lock: ${records.map((r) => r.file).join(', ')}`, hint: null};
}

export interface DockerProbe {
  /** Resolves with the engine version, or throws (DOCKER_UNAVAILABLE…). */
  ping(): Promise<string>;
  /** The sandbox image's tag and whether it is in the engine. */
  sandboxImage(): Promise<{present: boolean; tag: string}>;
}

export interface ModelProbe {
  /** Where the model is (locateModel), throwing for bad references. */
  locate(ref: string): Promise<{id: string; path: string}>;
  /** Policy check without loading: throws GGUF_CORRUPT / MODEL_TOO_LARGE / GPU_UNAVAILABLE… */
  plan(path: string): Promise<void>;
  /** Loads the model and runs one short generation. */
  infer(id: string, path: string, signal?: AbortSignal): Promise<{loadDetail: string; tokens: number; ttftMs: number; totalMs: number}>;
  /** The GPU the model would use. */
  gpu(): Promise<string>;
}

export interface VerifyOptions {
  /** A catalog id, hf: URI or GGUF path; default: the configured/catalog default coder model. */
  model?: string;
  require?: readonly string[];
  gpu?: GpuSetting;
  signal?: AbortSignal;
  env?: Env;
  nodeVersion?: string;
  /** The default model id when --model is not given. */
  defaultModel: () => string;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new JuneError('DOCKER_UNAVAILABLE', `${what}: no answer in ${ms / 1000} s`, {hint: 'check DOCKER_HOST and the engine'})), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function failed(name: string, required: boolean, err: unknown): Check {
  const je = toJuneError(err);
  return {name, ok: false, required, detail: `${je.code}: ${je.message}`, hint: je.hint ?? null};
}

/**
 * Runs every check. An explicit --model that cannot be used (missing, corrupt, unknown, too large for
 * this machine) throws its one-line JuneError before anything else runs; everything else lands in
 * the checks.
 */
export async function runVerify(opts: VerifyOptions, deps: {docker: DockerProbe; model: ModelProbe}): Promise<VerifyResult> {
  const required = new Set(parseRequirements(opts.require));
  const env = opts.env ?? process.env;

  let target: {id: string; path: string} | null = null;
  let targetError: unknown = null;
  if (opts.model !== undefined) {
    target = await deps.model.locate(opts.model);
    await deps.model.plan(target.path);
  } else {
    try {
      target = await deps.model.locate(opts.defaultModel());
      await deps.model.plan(target.path);
    } catch (err) {
      targetError = err;
    }
  }

  const checks: Check[] = [nodeCheck(opts.nodeVersion ?? process.version)];

  try {
    checks.push({name: 'gpu', ok: true, required: opts.gpu !== undefined && opts.gpu !== 'auto' && opts.gpu !== 'false', detail: await deps.model.gpu(), hint: null});
  } catch (err) {
    checks.push(failed('gpu', true, err));
  }

  let dockerUp = false;
  try {
    const version = await withTimeout(deps.docker.ping(), 10_000, 'Docker engine');
    dockerUp = true;
    checks.push({name: 'docker', ok: true, required: required.has('docker'), detail: `engine ${version} reachable`, hint: null});
  } catch (err) {
    checks.push(failed('docker', required.has('docker'), err));
  }

  if (!dockerUp)
    checks.push({name: 'sandbox', ok: false, required: required.has('sandbox'), detail: 'cannot check: the Docker engine is not reachable', hint: 'start Docker, then `june sandbox build`'});
  else
    try {
      const img = await withTimeout(deps.docker.sandboxImage(), 20_000, 'listing images');
      checks.push(
        img.present
          ? {name: 'sandbox', ok: true, required: required.has('sandbox'), detail: `image ${img.tag} present`, hint: null}
          : {name: 'sandbox', ok: false, required: required.has('sandbox'), detail: `image ${img.tag} not built`, hint: 'june sandbox build'},
      );
    } catch (err) {
      checks.push(failed('sandbox', required.has('sandbox'), err));
    }

  try {
    checks.push(await modelsCheck(env, opts.signal));
  } catch (err) {
    checks.push(failed('models', false, err));
  }

  try {
    checks.push(await speechCheck(required.has('speech'), env));
  } catch (err) {
    checks.push(failed('speech', required.has('speech'), err));
  }

  let inference: VerifyResult['inference'] = null;
  if (!target) {
    checks.push(failed('model', true, targetError));
    checks.push({name: 'inference', ok: false, required: true, detail: 'not run: no model loaded', hint: 'fix the model check first'});
  } else {
    try {
      const r = await deps.model.infer(target.id, target.path, opts.signal);
      checks.push({name: 'model', ok: true, required: true, detail: r.loadDetail, hint: null});
      const tps = tokensPerSecond(r.tokens, r.ttftMs, r.totalMs);
      const ok = r.tokens > 0;
      checks.push({
        name: 'inference',
        ok,
        required: true,
        detail: ok ? `${r.tokens} tokens at ${tps.toFixed(1)} tokens/s (first token after ${Math.round(r.ttftMs)} ms)` : 'the model produced no tokens',
        hint: ok ? null : 'try another model',
      });
      inference = {model: target.id, tokens: r.tokens, tokensPerSecond: Math.round(tps * 10) / 10};
    } catch (err) {
      const je = toJuneError(err);
      if (je.code === 'INTERRUPTED') throw je;
      const loadFailed = je.code !== 'INFERENCE_FAILED' && je.code !== 'TIMEOUT';
      checks.push(loadFailed ? failed('model', true, je) : {name: 'model', ok: true, required: true, detail: `${target.id} loaded`, hint: null});
      checks.push(loadFailed ? {name: 'inference', ok: false, required: true, detail: 'not run: the model did not load', hint: 'fix the model check first'} : failed('inference', true, je));
    }
  }

  return {ok: verdict(checks), checks, inference};
}
