/**
 * An energy voice-activity gate on 20 ms frames of 16 kHz audio. A frame is voiced when its RMS level
 * is above both an absolute floor and the recording's own noise floor plus a margin; voiced frames
 * closer than `bridgeMs` join one segment; segments shorter than `minSpeechMs` are clicks, not speech.
 *
 * For a file, the end of speech is the end of the last voiced segment (not the end of the file);
 * input with no segment is refused before any model runs (AUDIO_SILENT), so silence never turns
 * into a hallucinated turn. For a live source (a microphone), StreamingVad says when speech began
 * and when it ended (after `hangoverMs` of silence: that hang-over is part of the dead air).
 */
import {z} from 'zod';
import {JuneError} from '../errors.js';
import {rmsDbfs} from './audio.js';

export const VadOptionsSchema = z.object({
  frameMs: z.number().positive().default(20),
  /** Below this a frame is never voice, whatever the noise floor (dBFS). */
  absoluteFloorDb: z.number().default(-45),
  /** A voiced frame is this far above the recording's noise floor (dB). */
  marginDb: z.number().nonnegative().default(12),
  /** Voiced frames this close together are one segment. */
  bridgeMs: z.number().nonnegative().default(300),
  /** Shorter segments are clicks, not speech. */
  minSpeechMs: z.number().nonnegative().default(120),
  /** Live input: this much silence after speech ends the turn. */
  hangoverMs: z.number().nonnegative().default(600),
});
export type VadOptions = z.input<typeof VadOptionsSchema>;

export const SpeechSegmentSchema = z.object({startSample: z.number().int(), endSample: z.number().int()});
export type SpeechSegment = z.infer<typeof SpeechSegmentSchema>;

export interface VadResult {
  segments: SpeechSegment[];
  /** One past the last voiced sample, or null when there is no speech. */
  endOfSpeech: number | null;
  startOfSpeech: number | null;
  noiseFloorDb: number;
  thresholdDb: number;
  peakDb: number;
}

function frameLevels(samples: Int16Array, frame: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < samples.length; i += frame) out.push(rmsDbfs(samples, i, Math.min(samples.length, i + frame)));
  return out;
}

/** Finds the speech in a whole recording (16 kHz mono s16). Pure. */
export function detectSpeech(samples: Int16Array, sampleRate: number, options: VadOptions = {}): VadResult {
  const o = VadOptionsSchema.parse(options);
  const frame = Math.max(1, Math.round((sampleRate * o.frameMs) / 1000));
  const levels = frameLevels(samples, frame);
  const finite = levels.filter((l) => Number.isFinite(l)).sort((a, b) => a - b);
  // the noise floor: the 10th percentile of the frame levels (digital silence counts as −90 dBFS)
  const noiseFloorDb = finite.length === 0 ? -90 : Math.max(-90, finite[Math.floor(finite.length * 0.1)]!);
  const peakDb = finite.length === 0 ? -Infinity : finite[finite.length - 1]!;
  const thresholdDb = Math.max(o.absoluteFloorDb, noiseFloorDb + o.marginDb);
  const bridge = Math.ceil(o.bridgeMs / o.frameMs);
  const minFrames = Math.ceil(o.minSpeechMs / o.frameMs);
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < levels.length; i++) {
    if (!(levels[i]! >= thresholdDb)) continue;
    const last = runs[runs.length - 1];
    if (last && i - last[1] <= bridge) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  const segments = runs
    .filter(([a, b]) => b - a >= minFrames)
    .map(([a, b]) => ({startSample: a * frame, endSample: Math.min(samples.length, b * frame)}));
  const lastSeg = segments[segments.length - 1];
  return {
    segments,
    endOfSpeech: lastSeg ? lastSeg.endSample : null,
    startOfSpeech: segments[0]?.startSample ?? null,
    noiseFloorDb,
    thresholdDb,
    peakDb,
  };
}

/** detectSpeech, refusing input without speech (AUDIO_SILENT) before any model runs. */
export function requireSpeech(samples: Int16Array, sampleRate: number, name: string, options: VadOptions = {}): VadResult & {endOfSpeech: number; startOfSpeech: number} {
  const r = detectSpeech(samples, sampleRate, options);
  if (r.endOfSpeech === null || r.startOfSpeech === null) {
    const peak = Number.isFinite(r.peakDb) ? `peak ${r.peakDb.toFixed(1)} dBFS` : 'digital silence';
    throw new JuneError('AUDIO_SILENT', `${name} holds no speech (${peak}; speech needs ${r.thresholdDb.toFixed(0)} dBFS for ${VadOptionsSchema.parse(options).minSpeechMs} ms)`, {
      hint: 'record closer to the microphone or check that it is not muted',
    });
  }
  return r as VadResult & {endOfSpeech: number; startOfSpeech: number};
}

/**
 * The live gate: feed frames as they arrive; `speaking` turns true at the first voiced frame and
 * `ended` once `hangoverMs` of silence follows speech. The threshold starts at the absolute floor
 * and follows the quietest frames seen (the room's noise).
 */
export class StreamingVad {
  private readonly o: z.infer<typeof VadOptionsSchema>;
  private readonly frame: number;
  private pending: Int16Array = new Int16Array(0);
  private noiseDb = -90;
  private voicedFrames = 0;
  private silentRun = 0;
  private seen = 0;
  speaking = false;
  ended = false;
  /** One past the last voiced sample seen, in samples since the start. */
  lastVoicedSample = 0;

  constructor(
    readonly sampleRate: number,
    options: VadOptions = {},
  ) {
    this.o = VadOptionsSchema.parse(options);
    this.frame = Math.round((sampleRate * this.o.frameMs) / 1000);
  }

  push(samples: Int16Array): void {
    const all = new Int16Array(this.pending.length + samples.length);
    all.set(this.pending);
    all.set(samples, this.pending.length);
    let off = 0;
    for (; off + this.frame <= all.length; off += this.frame) this.frameLevel(rmsDbfs(all, off, off + this.frame));
    this.pending = all.slice(off);
  }

  private frameLevel(db: number): void {
    const level = Number.isFinite(db) ? db : -90;
    this.seen += this.frame;
    if (level < this.noiseDb + 3 || this.seen <= this.frame * 10) this.noiseDb = this.seen <= this.frame ? level : Math.min(level, this.noiseDb * 0.9 + level * 0.1);
    const threshold = Math.max(this.o.absoluteFloorDb, this.noiseDb + this.o.marginDb);
    if (level >= threshold) {
      this.voicedFrames++;
      this.silentRun = 0;
      this.lastVoicedSample = this.seen;
      if (this.voicedFrames * this.o.frameMs >= this.o.minSpeechMs) this.speaking = true;
    } else {
      this.silentRun++;
      if (!this.speaking && this.silentRun * this.o.frameMs > this.o.bridgeMs) this.voicedFrames = 0;
      if (this.speaking && this.silentRun * this.o.frameMs >= this.o.hangoverMs) this.ended = true;
    }
  }
}
