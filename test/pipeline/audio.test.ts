/**
 * Audio in and out, and the energy gate: real WAV files made with wavefile and sox at other rates,
 * channel counts and bit depths, real OGG/Opus through ffmpeg and opusdec, and every bad-audio case.
 */
import {mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execa} from 'execa';
import wavefile from 'wavefile';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {STT_RATE, WavStreamParser, decodeAudio, encodeWav, readAudioFile, rmsDbfs} from '../../src/pipeline/audio.js';
import {StreamingVad, detectSpeech, requireSpeech} from '../../src/pipeline/vad.js';
import {expectJuneError} from '../helpers/errors.js';
import {helloWav, requireProgram} from '../helpers/env.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'june-audio-'));
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

/** A sine tone, as float samples. */
function tone(seconds: number, rate: number, freq = 440, amp = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) out[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return out;
}

/** Zero crossings per second: a frequency estimate that survives resampling. */
function crossingsPerSecond(s: Int16Array, rate: number): number {
  let n = 0;
  for (let i = 1; i < s.length; i++) if ((s[i - 1]! < 0) !== (s[i]! < 0)) n++;
  return n / 2 / (s.length / rate);
}

function wavBytes(channels: number, rate: number, bitDepth: string, samples: Float32Array | Float32Array[]): Uint8Array {
  const w = new wavefile.WaveFile();
  const planes = Array.isArray(samples) ? samples : [samples];
  w.fromScratch(channels, rate, '32f', channels === 1 ? planes[0]! : planes);
  if (bitDepth === '8m') {
    w.toBitDepth('16');
    w.toMuLaw();
  } else if (bitDepth === '8a') {
    w.toBitDepth('16');
    w.toALaw();
  } else if (bitDepth !== '32f') w.toBitDepth(bitDepth);
  return w.toBuffer();
}

describe('decodeAudio: any WAV to 16 kHz mono s16', () => {
  const cases: Array<[string, number, number, string]> = [
    ['44.1 kHz stereo 24-bit', 2, 44_100, '24'],
    ['48 kHz mono 32-bit float', 1, 48_000, '32f'],
    ['8 kHz mono µ-law', 1, 8_000, '8m'],
    ['8 kHz mono A-law', 1, 8_000, '8a'],
    ['22.05 kHz stereo 8-bit', 2, 22_050, '8'],
    ['16 kHz mono 32-bit int', 1, 16_000, '32'],
  ];
  for (const [name, channels, rate, depth] of cases)
    it(`converts ${name}, keeping duration and pitch`, async () => {
      const t = tone(0.5, rate);
      const bytes = wavBytes(channels, rate, depth, channels === 2 ? [t, t] : t);
      const {pcm, info} = await decodeAudio(bytes, name);
      expect(pcm.sampleRate).toBe(STT_RATE);
      expect(info.sampleRate).toBe(rate);
      expect(info.channels).toBe(channels);
      expect(pcm.samples.length).toBeGreaterThan(STT_RATE * 0.49);
      expect(pcm.samples.length).toBeLessThan(STT_RATE * 0.51);
      expect(crossingsPerSecond(pcm.samples, STT_RATE)).toBeGreaterThan(420);
      expect(crossingsPerSecond(pcm.samples, STT_RATE)).toBeLessThan(460);
      // level kept: a 0.5 sine is about −9 dBFS
      expect(rmsDbfs(pcm.samples)).toBeGreaterThan(-12);
      expect(rmsDbfs(pcm.samples)).toBeLessThan(-7);
    });

  it('mixes opposite channels down to their average (silence), not one channel', async () => {
    const t = tone(0.3, 16_000);
    const inv = t.map((x) => -x);
    const {pcm} = await decodeAudio(wavBytes(2, 16_000, '16', [t, inv]), 'opposite');
    expect(Math.max(...Array.from(pcm.samples, Math.abs))).toBeLessThan(3);
  });

  it('reads a sox-made 44.1 kHz stereo 16-bit copy of the shared clip like the original', async () => {
    requireProgram('sox', 'sox');
    const out = join(dir, 'hello-44k-stereo.wav');
    await execa('sox', [helloWav, '-r', '44100', '-c', '2', '-b', '16', out]);
    const a = await readAudioFile(helloWav);
    const b = await readAudioFile(out);
    expect(Math.abs(b.pcm.samples.length - a.pcm.samples.length)).toBeLessThan(50);
    const va = detectSpeech(a.pcm.samples, STT_RATE);
    const vb = detectSpeech(b.pcm.samples, STT_RATE);
    expect(Math.abs(vb.endOfSpeech! - va.endOfSpeech!)).toBeLessThan(STT_RATE * 0.05);
  });
});

describe('OGG/Opus voice notes', () => {
  let ogg: string;
  beforeAll(async () => {
    requireProgram('opusenc', 'opus-tools');
    ogg = join(dir, 'note.ogg');
    await execa('opusenc', ['--quiet', helloWav, ogg]);
  });

  it('decodes through ffmpeg when installed', async () => {
    requireProgram('ffmpeg', 'ffmpeg');
    const {pcm, info} = await readAudioFile(ogg);
    expect(info.decoder).toBe('ffmpeg');
    expect(pcm.samples.length / STT_RATE).toBeGreaterThan(1.5);
    expect(requireSpeech(pcm.samples, STT_RATE, ogg).endOfSpeech).toBeGreaterThan(STT_RATE);
  });

  it('decodes through opusdec when ffmpeg is not installed', async () => {
    const bin = join(dir, 'bin-opusdec');
    mkdirSync(bin, {recursive: true});
    symlinkSync(requireProgram('opusdec', 'opus-tools'), join(bin, 'opusdec'));
    const {pcm, info} = await readAudioFile(ogg, {env: {PATH: bin}});
    expect(info.decoder).toBe('opusdec');
    expect(pcm.samples.length / STT_RATE).toBeGreaterThan(1.5);
  });

  it('says what to install when neither decoder is there', async () => {
    const empty = join(dir, 'bin-empty');
    mkdirSync(empty, {recursive: true});
    const err = await expectJuneError(readAudioFile(ogg, {env: {PATH: empty}}), 'AUDIO_UNSUPPORTED');
    expect(err.hint).toMatch(/apt-get install ffmpeg/);
  });
});

describe('bad audio: one JuneError each', () => {
  it('empty file', async () => {
    const p = join(dir, 'empty.wav');
    writeFileSync(p, '');
    expect((await expectJuneError(readAudioFile(p), 'AUDIO_INVALID')).message).toMatch(/empty/);
  });
  it('not audio', async () => {
    const p = join(dir, 'notes.wav');
    writeFileSync(p, 'this is a text file, not audio\n');
    expect((await expectJuneError(readAudioFile(p), 'AUDIO_INVALID')).message).toMatch(/not an audio file/);
  });
  it('a truncated WAV (header only)', async () => {
    const p = join(dir, 'truncated.wav');
    writeFileSync(p, Buffer.from(readFileSync(helloWav).subarray(0, 30)));
    await expectJuneError(readAudioFile(p), 'AUDIO_INVALID');
  });
  it('an unsupported encoding inside a WAV (MPEG layer 3, tag 0x55)', async () => {
    const b = Buffer.from(encodeWav({samples: new Int16Array(1600), sampleRate: 16_000}));
    b.writeUInt16LE(0x55, 20);
    const err = await expectJuneError(decodeAudio(b, 'mp3-in-wav.wav'), 'AUDIO_UNSUPPORTED');
    expect(err.message).toMatch(/0x55/);
  });
  it('too long', async () => {
    const b = encodeWav({samples: new Int16Array(STT_RATE * 3), sampleRate: STT_RATE});
    expect((await expectJuneError(decodeAudio(b, 'long.wav', {maxSeconds: 2}), 'AUDIO_TOO_LONG')).message).toMatch(/3\.0 s/);
  });
  it('unreadable: missing, a directory', async () => {
    await expectJuneError(readAudioFile(join(dir, 'nope.wav')), 'FILE_NOT_FOUND');
    await expectJuneError(readAudioFile(dir), 'BAD_INPUT');
  });
});

describe('energy VAD', () => {
  it('finds the end of the last voiced segment, before the end of the file', async () => {
    const {pcm} = await readAudioFile(helloWav);
    const v = requireSpeech(pcm.samples, STT_RATE, 'hello');
    expect(v.startOfSpeech).toBeGreaterThanOrEqual(0);
    expect(v.endOfSpeech).toBeGreaterThan(STT_RATE * 1.0);
    expect(v.endOfSpeech).toBeLessThan(pcm.samples.length - STT_RATE * 0.1);
  });

  it('refuses digital silence and near-silent noise before any model runs', () => {
    expect(() => requireSpeech(new Int16Array(STT_RATE * 2), STT_RATE, 'silence.wav')).toThrowError(/holds no speech/);
    const hiss = new Int16Array(STT_RATE * 2).map(() => Math.round((Math.random() - 0.5) * 60)); // ≈ −65 dBFS
    try {
      requireSpeech(hiss, STT_RATE, 'hiss.wav');
      expect.unreachable();
    } catch (err) {
      expect((err as {code: string}).code).toBe('AUDIO_SILENT');
    }
  });

  it('ignores a click shorter than speech', () => {
    const s = new Int16Array(STT_RATE * 2);
    for (let i = 8000; i < 8000 + 480; i++) s[i] = 16000; // 30 ms
    expect(detectSpeech(s, STT_RATE).endOfSpeech).toBeNull();
  });

  it('the streaming gate ends a turn after its hang-over of silence', () => {
    const vad = new StreamingVad(STT_RATE, {hangoverMs: 300});
    const speech = new Int16Array(STT_RATE / 2).map((_, i) => Math.round(8000 * Math.sin(i / 5)));
    vad.push(new Int16Array(STT_RATE / 4));
    expect(vad.speaking).toBe(false);
    vad.push(speech);
    expect(vad.speaking).toBe(true);
    vad.push(new Int16Array(STT_RATE / 5));
    expect(vad.ended).toBe(false);
    // within one 20 ms frame of the real end of the tone
    expect(Math.abs(vad.lastVoicedSample - (STT_RATE / 4 + STT_RATE / 2))).toBeLessThanOrEqual(320);
    vad.push(new Int16Array(STT_RATE / 5));
    expect(vad.ended).toBe(true);
  });
});

describe('WavStreamParser (espeak-ng --stdout)', () => {
  it('reads the placeholder-length header and PCM however it is chunked', async () => {
    requireProgram('espeak-ng', 'espeak-ng');
    const {stdout} = await execa('espeak-ng', ['--stdout', 'testing one two three'], {encoding: 'buffer'});
    const bytes = Buffer.from(stdout);
    // espeak-ng's streamed header: RIFF and data lengths are placeholders, not the real size
    expect(bytes.readUInt32LE(40)).not.toBe(bytes.length - 44);
    for (const size of [1, 7, 44, 4096]) {
      const p = new WavStreamParser();
      const parts: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) parts.push(p.push(bytes.subarray(i, i + size)));
      const pcm = Buffer.concat(parts);
      expect(p.sampleRate).toBe(22_050);
      expect(pcm.length).toBe(bytes.length - 44);
    }
  });
});
