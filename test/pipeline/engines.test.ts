/**
 * The speech engines, for real: pocketsphinx kept running across clips, whisper.cpp through
 * @napi-rs/whisper on the empty test model, espeak-ng and flite; and what a missing one says.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readAudioFile, rmsDbfs} from '../../src/pipeline/audio.js';
import {detectSpeechEngines, openStt, openTts, summariseSpeech} from '../../src/pipeline/engines.js';
import {PocketsphinxEngine, WhisperEngine, cleanWhisperText} from '../../src/pipeline/stt.js';
import type {AudioChunk} from '../../src/pipeline/tts.js';
import {locateModel} from '../../src/runtime/model-files.js';
import {foxWav, helloWav, requireSpeechEngines, whisperTestModel} from '../helpers/env.js';
import {expectJuneError} from '../helpers/errors.js';

let empty: string;
beforeAll(() => {
  requireSpeechEngines();
  empty = mkdtempSync(join(tmpdir(), 'june-nopath-'));
});
afterAll(() => rmSync(empty, {recursive: true, force: true}));

async function collect(it: AsyncIterable<AudioChunk>): Promise<{samples: number; rate: number; db: number}> {
  const parts: Int16Array[] = [];
  let rate = 0;
  for await (const c of it) {
    parts.push(c.pcm);
    rate = c.sampleRate;
  }
  const all = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return {samples: all.length, rate, db: rmsDbfs(all)};
}

describe('pocketsphinx (one long-running process)', () => {
  it('recognises two clips in a row without restarting', async () => {
    const stt = PocketsphinxEngine.open();
    try {
      for (const [file, words] of [
        [helloWav, 'hello can you hear me'],
        [foxWav, 'quick brown fox'],
      ] as const) {
        const {pcm} = await readAudioFile(file);
        const s = stt.begin();
        s.write(pcm.samples);
        expect(await s.end()).toContain(words);
      }
      // nothing to recognise: the decoder goes idle, and the session ends with "" well before the 60 s cap
      const t0 = performance.now();
      const s = stt.begin();
      s.write(new Int16Array(16_000));
      expect(await s.end()).toBe('');
      expect(performance.now() - t0).toBeLessThan(30_000);
    } finally {
      await stt.close();
    }
  });
});

describe('whisper (@napi-rs/whisper)', () => {
  it('loads the empty test model and returns a string for a clip', async () => {
    const stt = await WhisperEngine.open(whisperTestModel, {threads: 2});
    const {pcm} = await readAudioFile(helloWav);
    const s = stt.begin();
    s.write(pcm.samples);
    expect(typeof (await s.end())).toBe('string');
    await stt.close();
  });

  it('a catalog whisper model that is not downloaded names the download', async () => {
    const home = mkdtempSync(join(tmpdir(), 'june-home-'));
    try {
      const err = await expectJuneError(openStt('whisper', {defaultModel: 'whisper-base.en', locate: (ref) => locateModel(ref, {env: {JUNE_HOME: home}})}), 'MODEL_NOT_FOUND');
      expect(err.hint).toContain('june download-models whisper-base.en');
    } finally {
      rmSync(home, {recursive: true, force: true});
    }
  });

  it('drops whisper annotations for non-speech', () => {
    expect(cleanWhisperText(' [BLANK_AUDIO] ')).toBe('');
    expect(cleanWhisperText(' Hello (music) there.')).toBe('Hello there.');
  });
});

describe('TTS engines', () => {
  it('espeak-ng streams non-silent speech, piece after piece', async () => {
    const tts = await openTts('espeak-ng');
    try {
      for (const text of ['Hello there.', '-starts with a dash', 'Version 3.5 is out.']) {
        const a = await collect(tts.synthesize(text));
        expect(a.rate).toBe(22_050);
        expect(a.samples / a.rate).toBeGreaterThan(0.4);
        expect(a.db).toBeGreaterThan(-40);
      }
    } finally {
      await tts.close();
    }
  });

  it('flite writes non-silent speech', async () => {
    const tts = await openTts('flite');
    const a = await collect(tts.synthesize('Hello there, can you hear me?'));
    expect(a.rate).toBeGreaterThanOrEqual(8000);
    expect(a.samples / a.rate).toBeGreaterThan(0.8);
    expect(a.db).toBeGreaterThan(-40);
  });

  it('piper and kokoro need the model files the user supplies', async () => {
    expect((await expectJuneError(openTts('piper'), 'USAGE')).message).toMatch(/--tts-model/);
    await expectJuneError(openTts('kokoro', {model: join(empty, 'kokoro-v1.0.onnx'), voices: join(empty, 'voices.bin')}), 'MODEL_NOT_FOUND');
  });
});

describe('a missing engine names what to install', () => {
  it('pocketsphinx, espeak-ng, flite, whisper-cli', async () => {
    const env = {PATH: empty};
    expect((await expectJuneError(openStt('pocketsphinx', {env}), 'ENGINE_MISSING')).hint).toBe('install it: apt-get install pocketsphinx pocketsphinx-en-us');
    expect((await expectJuneError(openTts('espeak-ng', {env}), 'ENGINE_MISSING')).hint).toBe('install it: apt-get install espeak-ng');
    expect((await expectJuneError(openTts('flite', {env}), 'ENGINE_MISSING')).hint).toBe('install it: apt-get install flite');
    await expectJuneError(openStt('whisper-cli', {env, model: whisperTestModel, locate: async (p) => ({path: p})}), 'ENGINE_MISSING');
    await expectJuneError(openStt('nope'), 'USAGE');
  });
});

describe('detectSpeechEngines (june verify)', () => {
  it('finds the installed engines', async () => {
    const found = await detectSpeechEngines({whisperModel: async () => whisperTestModel});
    const by = (n: string) => found.find((e) => e.name === n)!;
    expect(by('pocketsphinx').available).toBe(true);
    expect(by('espeak-ng').available).toBe(true);
    expect(by('flite').available).toBe(true);
    expect(by('whisper').available).toBe(true);
    const s = summariseSpeech(found);
    expect(s.ok).toBe(true);
    expect(s.detail).toMatch(/stt: pocketsphinx, whisper.*tts: espeak-ng, flite/);
  });

  it('reports none, with the packages to install, on a bare PATH', async () => {
    const s = summariseSpeech(await detectSpeechEngines({env: {PATH: empty}}));
    expect(s.ok).toBe(false);
    expect(s.detail).toMatch(/stt: whisper|stt: none/);
    expect(s.hint).toMatch(/apt-get install espeak-ng/);
  });
});
