/**
 * `june bench`: how fast a model runs through june's own generation path (the ModelHost every
 * command uses), llama-bench style. Load time, time to first token, prompt processing (pp) and
 * token generation (tg) tokens/s over N repetitions (min/median/max), peak RSS and VRAM.
 *
 * - pp: a prompt of `pp` tokens, answered with one token; timed by the backend's own prompt timing
 *   where it has one (embedded: measured; endpoint: the server's `timings`, marked 'server'),
 *   else — embedded only — by time to first token. An endpoint without timings gives no pp.
 * - tg: `tg` tokens generated past any end-of-generation token (ignoreEos), timed from the first
 *   token to the last: (tokens − 1) / (total − ttft).
 * Every repetition starts with a different first token so no KV cache is reused.
 */
import {hostname, cpus} from 'node:os';
import {createHash} from 'node:crypto';
import {z} from 'zod';
import {JuneError} from '../errors.js';
import type {GenerationResult, ModelHost} from '../runtime/model-host.js';
import {JsonlAppender, readJsonlRecords} from './run-store.js';

export interface RuntimeBenchOptions {
  /** Opens the model; timed as loadMs. */
  open: () => Promise<ModelHost>;
  pp: number;
  tg: number;
  repetitions: number;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** VRAM in use once the model is loaded, or null without a GPU. */
  vramBytes?: (host: ModelHost) => Promise<number | null>;
}

export const StatsSchema = z.object({min: z.number(), median: z.number(), max: z.number()});
export type Stats = z.infer<typeof StatsSchema>;

export const PhaseSchema = z.object({
  /** Tokens per repetition (the requested size). */
  tokens: z.number().int().nonnegative(),
  tokensPerSecond: StatsSchema.nullable(),
  /** 'measured' by june, 'server' (the endpoint's own timings), 'ttft' (time to first token), 'stream' (timed from the SSE stream), or 'unavailable'. */
  source: z.enum(['measured', 'server', 'ttft', 'stream', 'unavailable']),
});
export type Phase = z.infer<typeof PhaseSchema>;

export const BenchResultSchema = z.object({
  model: z.string(),
  backend: z.enum(['embedded', 'endpoint']),
  source: z.string(),
  threads: z.number().int().nullable(),
  gpu: z.union([z.string(), z.literal(false)]),
  loadMs: z.number(),
  ttftMs: z.number(),
  pp: PhaseSchema,
  tg: PhaseSchema,
  repetitions: z.number().int().positive(),
  peakRssBytes: z.number().int().nullable(),
  vramBytes: z.number().int().nullable(),
  notes: z.array(z.string()),
  /** Per-repetition figures behind the min/median/max. */
  samples: z.object({ttftMs: z.array(z.number()), pp: z.array(z.number()), tg: z.array(z.number())}),
});
export type BenchResult = z.infer<typeof BenchResultSchema>;

export const BenchRecordSchema = BenchResultSchema.extend({
  date: z.string(),
  machine: z.object({key: z.string(), hostname: z.string(), cpu: z.string(), cores: z.number().int()}),
  june: z.string(),
});
export type BenchRecord = z.infer<typeof BenchRecordSchema>;

export function stats(values: readonly number[]): Stats | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return {min: s[0] as number, median, max: s[s.length - 1] as number};
}

// plain words: most are one token in llama-style vocabularies; the count is checked, never assumed
const WORDS = (
  'the of and to in is was for on that with as by at from his her they this had not are but which have were one their ' +
  'all been has when there who more would will its what so out about up into time can only other new some could them these ' +
  'two may then first any like now my such make over our even most after also made many before must through back years ' +
  'where much your way well down should because each just those people how too little state good very world still own see ' +
  'men work long here get both between life being under never day same another know while last might us great old year off ' +
  'come since against go came right used take three'
).split(' ');

/** Deterministic text of `words` words; `salt` changes the first words so no KV cache is shared. */
export function benchText(words: number, salt: number): string {
  let s = (salt * 2654435761 + 12345) >>> 0 || 1;
  const out: string[] = [`Run ${salt}:`];
  for (let i = 0; i < words; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.push(WORDS[s % WORDS.length] as string);
  }
  return out.join(' ');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof JuneError ? signal.reason : new JuneError('INTERRUPTED', 'interrupted');
}

/** Prompt tokens the model actually evaluated (not served from the KV cache). */
function evaluatedPromptTokens(r: GenerationResult): number {
  return r.usage.evaluatedPromptTokens ?? r.usage.promptTokens - (r.usage.cachedPromptTokens ?? 0);
}

export async function runRuntimeBench(o: RuntimeBenchOptions): Promise<BenchResult> {
  if (!Number.isInteger(o.pp) || o.pp < 0 || !Number.isInteger(o.tg) || o.tg < 0 || o.pp + o.tg === 0)
    throw new JuneError('USAGE', '--pp and --tg must be whole numbers ≥ 0, not both 0', {hint: 'e.g. --pp 512 --tg 128'});
  if (!Number.isInteger(o.repetitions) || o.repetitions < 1) throw new JuneError('USAGE', '--repetitions must be ≥ 1', {hint: 'e.g. --repetitions 5'});
  const progress = o.onProgress ?? (() => undefined);
  const notes: string[] = [];
  progress('loading the model');
  const t0 = performance.now();
  const host = await o.open();
  const loadMs = performance.now() - t0;
  try {
    const endpoint = host.info.backend === 'endpoint';
    const signal = o.signal;
    const gen = (prompt: string, maxTokens: number, ignoreEos: boolean): Promise<GenerationResult> =>
      host.complete(prompt, {maxTokens, temperature: 0, ignoreEos, ...(signal ? {signal} : {})}).result;

    // a warm-up run (as llama-bench does), which also finds how many words make `pp` tokens
    let ppWords = o.pp;
    if (o.pp > 0) {
      progress(`calibrating a ${o.pp}-token prompt`);
      for (let i = 0; i < 4; i++) {
        throwIfAborted(signal);
        const r = await gen(benchText(ppWords, 1000 + i), 1, true);
        const got = r.usage.promptTokens;
        if (got <= 0) {
          notes.push('the backend reports no prompt token counts: pp prompt sized by words');
          break;
        }
        if (Math.abs(got - o.pp) <= Math.max(1, o.pp * 0.005)) break;
        const step = Math.round((o.pp - got) * (ppWords / got));
        ppWords = Math.max(1, ppWords + (step !== 0 ? step : got > o.pp ? -1 : 1));
      }
    } else {
      throwIfAborted(signal);
      await gen(benchText(4, 999), 1, true);
    }

    const ttfts: number[] = [];
    const ppRates: number[] = [];
    const tgRates: number[] = [];
    let ppSource: Phase['source'] = 'unavailable';
    let ppTokensSeen = 0;
    let tgShort = 0;
    for (let rep = 0; rep < o.repetitions; rep++) {
      throwIfAborted(signal);
      progress(`repetition ${rep + 1}/${o.repetitions}`);
      // time to first token after a short prompt
      const first = await gen(benchText(4, 2000 + rep), 1, true);
      ttfts.push(first.timings.ttftMs);
      if (o.pp > 0) {
        throwIfAborted(signal);
        const r = await gen(benchText(ppWords, 3000 + rep), 1, true);
        const tokens = evaluatedPromptTokens(r) || o.pp;
        ppTokensSeen = tokens;
        const src = r.timings.promptTimingSource;
        if (r.timings.promptMs !== undefined && r.timings.promptMs > 0 && (src === 'measured' || src === 'server')) {
          ppRates.push(tokens / (r.timings.promptMs / 1000));
          ppSource = src;
        } else if (!endpoint) {
          ppRates.push(tokens / (r.timings.ttftMs / 1000));
          ppSource = 'ttft';
        }
      }
      if (o.tg > 0) {
        throwIfAborted(signal);
        const r = await gen(benchText(4, 4000 + rep), o.tg, true);
        const n = r.usage.completionTokens;
        if (n < o.tg) tgShort = Math.max(tgShort, o.tg - n);
        const ms = r.timings.totalMs - r.timings.ttftMs;
        if (n > 1 && ms > 0) tgRates.push((n - 1) / (ms / 1000));
      }
    }
    if (o.pp > 0 && ppTokensSeen && Math.abs(ppTokensSeen - o.pp) > Math.max(1, o.pp * 0.01))
      notes.push(`pp prompts were ${ppTokensSeen} tokens (asked for ${o.pp})`);
    if (o.pp > 0 && endpoint && ppSource === 'unavailable') notes.push('pp: the server reports no prompt timings (llama-server and june serve do)');
    if (tgShort > 0) notes.push(`tg: the backend stopped up to ${tgShort} tokens short of ${o.tg} (end of generation not ignored)`);

    const ppStats = stats(ppRates);
    const tgStats = stats(tgRates);
    const ttft = stats(ttfts);
    const rssKb = process.resourceUsage().maxRSS;
    return {
      model: host.info.id,
      backend: host.info.backend,
      source: host.info.source,
      threads: host.info.threads,
      gpu: host.info.gpu,
      loadMs: round(loadMs),
      ttftMs: round(ttft?.median ?? 0),
      pp: {tokens: o.pp, tokensPerSecond: ppStats && roundStats(ppStats), source: ppStats ? ppSource : 'unavailable'},
      tg: {tokens: o.tg, tokensPerSecond: tgStats && roundStats(tgStats), source: tgStats ? (endpoint ? 'stream' : 'measured') : 'unavailable'},
      repetitions: o.repetitions,
      // an endpoint's memory is the server's, which june cannot see
      peakRssBytes: endpoint ? null : rssKb * 1024,
      vramBytes: o.vramBytes ? await o.vramBytes(host) : null,
      notes,
      samples: {ttftMs: ttfts.map((x) => round(x)), pp: ppRates.map((x) => round(x)), tg: tgRates.map((x) => round(x))},
    };
  } finally {
    await host.close();
  }
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function roundStats(s: Stats): Stats {
  return {min: round(s.min), median: round(s.median), max: round(s.max)};
}

/** This machine, for comparing like with like. */
export function machineInfo(gpu: string | false): BenchRecord['machine'] {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown';
  const cores = cpus().length;
  const host = hostname();
  const key = createHash('sha256').update(`${host}\n${cpu}\n${cores}\n${gpu === false ? 'cpu' : gpu}`).digest('hex').slice(0, 16);
  return {key, hostname: host, cpu, cores};
}

export async function appendBenchRecord(file: string, record: BenchRecord): Promise<void> {
  const out = await JsonlAppender.open(file);
  try {
    await out.append(record);
  } finally {
    await out.close();
  }
}

/** The last record of the same model (id and source) on the same machine, if any. */
export async function previousRecord(file: string, result: Pick<BenchResult, 'model' | 'source' | 'backend'>, machineKey: string): Promise<BenchRecord | undefined> {
  const {records} = await readJsonlRecords(file, BenchRecordSchema);
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i] as BenchRecord;
    if (r.model === result.model && r.source === result.source && r.backend === result.backend && r.machine.key === machineKey) return r;
  }
  return undefined;
}

export interface Change {
  metric: string;
  before: number | null;
  after: number | null;
  /** after/before − 1, or null when either is missing. */
  change: number | null;
  /** True when the change is for the better (faster, smaller). */
  better: boolean | null;
}

/** Changes against a previous record: medians for pp/tg, and load, ttft, memory. */
export function compareRecords(before: BenchResult, after: BenchResult): Change[] {
  const rows: [string, number | null, number | null, 'higher' | 'lower'][] = [
    ['pp t/s', before.pp.tokensPerSecond?.median ?? null, after.pp.tokensPerSecond?.median ?? null, 'higher'],
    ['tg t/s', before.tg.tokensPerSecond?.median ?? null, after.tg.tokensPerSecond?.median ?? null, 'higher'],
    ['ttft ms', before.ttftMs, after.ttftMs, 'lower'],
    ['load ms', before.loadMs, after.loadMs, 'lower'],
    ['peak RSS', before.peakRssBytes, after.peakRssBytes, 'lower'],
    ['VRAM', before.vramBytes, after.vramBytes, 'lower'],
  ];
  return rows.map(([metric, b, a, dir]) => {
    const change = a !== null && b !== null && b !== 0 ? a / b - 1 : null;
    return {metric, before: b, after: a, change, better: change === null ? null : dir === 'higher' ? change >= 0 : change <= 0};
  });
}
