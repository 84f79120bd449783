/**
 * `june voice-turn` as a user runs it: the built CLI, real pocketsphinx, the tiny GGUF (embedded, and
 * behind a real `june serve` for --endpoint) and espeak-ng.
 */
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readAudioFile, rmsDbfs, encodeWav} from '../../src/pipeline/audio.js';
import {TurnRecordSchema} from '../../src/pipeline/turn.js';
import {startJuneServe} from '../runtime/serve-process.js';
import {foxWav, helloWav, requireSpeechEngines, requireTinyModel, runJune, tempHome, whisperTestModel} from '../helpers/env.js';

let home: string;
let cleanup: () => void;
let work: string;
let model: string;
beforeAll(() => {
  requireSpeechEngines();
  model = requireTinyModel();
  ({home, cleanup} = tempHome('june-voice-'));
  work = mkdtempSync(join(home, 'work-'));
});
afterAll(() => cleanup());

const june = async (args: string[], opts: {env?: Record<string, string>; input?: string} = {}) => {
  const r = await runJune(args, {home, ...opts});
  return {exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr)};
};

function records(): unknown[] {
  const f = join(home, 'voice', 'turns.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

describe('june voice-turn', () => {
  it('--json: hears the question, answers with a non-silent WAV, stages timed, the turn recorded', async () => {
    const out = join(work, 'reply.wav');
    const r = await june(['voice-turn', '--input', helloWav, '--output', out, '--model', model, '--max-tokens', '24', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['transcript', 'reply', 'stages', 'deadAirMs', 'output', 'engines']);
    expect(Object.keys(j.stages)).toEqual(['sttMs', 'llmFirstTokenMs', 'llmFirstSentenceMs', 'ttsFirstAudioMs', 'totalMs']);
    expect(j.transcript).toContain('hello can you hear me');
    expect(j.output).toBe(out);
    expect(j.engines).toEqual({stt: 'pocketsphinx', tts: 'espeak-ng', llm: 'llama-2-tiny-random'});
    const s = j.stages;
    expect(Math.abs(s.sttMs + s.llmFirstSentenceMs + s.ttsFirstAudioMs - j.deadAirMs)).toBeLessThanOrEqual(0.31);
    expect(j.deadAirMs).toBeLessThanOrEqual(s.totalMs);
    const {pcm, info} = await readAudioFile(out);
    expect(info.sampleRate).toBe(22_050);
    expect(info.durationMs).toBeGreaterThan(500);
    expect(info.durationMs).toBeLessThan(60_000);
    expect(rmsDbfs(pcm.samples)).toBeGreaterThan(-40);
    const recs = records();
    expect(recs).toHaveLength(1);
    const rec = TurnRecordSchema.parse(recs[0]);
    expect(rec).toMatchObject({turn: 1, transcript: j.transcript, deadAirMs: j.deadAirMs, mode: 'streamed'});
  }, 120_000);

  it('prints the stage table, delivers at real-time pace with --realtime and writes OGG', async () => {
    const out = join(work, 'reply.ogg');
    const r = await june(['voice-turn', '--input', helloWav, '--output', out, '--model', model, '--max-tokens', '16', '--realtime']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/you: +hello can you hear me/);
    for (const row of ['stt', 'llm first token', 'llm first sentence', 'tts first audio', 'dead air', 'total']) expect(r.stdout).toMatch(new RegExp(`│ ${row} +│ +\\d+ ms │`));
    expect(readFileSync(out).subarray(0, 4).toString('latin1')).toBe('OggS');
    expect((await readAudioFile(out)).info.durationMs).toBeGreaterThan(300);
  }, 120_000);

  it('--repl: many turns with the engines kept loaded; a bad turn is reported and the next one runs', async () => {
    const before = records().length;
    const dir = join(work, 'replies');
    const notAudio = join(work, 'not-audio.wav');
    writeFileSync(notAudio, 'hello\n');
    const r = await june(['voice-turn', '--repl', '--output-dir', dir, '--model', model, '--max-tokens', '12', '--json'], {input: `${helloWav}\n${notAudio}\n${foxWav}\n`});
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0].transcript).toContain('hello can you hear me');
    expect(lines[1].error.code).toBe('AUDIO_INVALID');
    expect(lines[2].transcript).toContain('quick brown fox');
    expect(existsSync(join(dir, 'turn-1.wav')) && existsSync(join(dir, 'turn-2.wav'))).toBe(true);
    const recs = records().slice(before).map((x) => TurnRecordSchema.parse(x));
    expect(recs.map((x) => x.turn)).toEqual([1, 2]);
    expect(recs[0]!.session).toBe(recs[1]!.session);
  }, 180_000);

  describe('bad audio: one line, non-zero exit, no model loaded', () => {
    const cases: Array<[string, () => string, string[], string]> = [
      ['not audio', () => (writeFileSync(join(work, 'a.wav'), 'just text'), join(work, 'a.wav')), [], 'AUDIO_INVALID'],
      ['empty', () => (writeFileSync(join(work, 'e.wav'), ''), join(work, 'e.wav')), [], 'AUDIO_INVALID'],
      ['silent', () => (writeFileSync(join(work, 's.wav'), encodeWav({samples: new Int16Array(32_000), sampleRate: 16_000})), join(work, 's.wav')), [], 'AUDIO_SILENT'],
      ['too long', () => foxWav, ['--max-seconds', '2'], 'AUDIO_TOO_LONG'],
      [
        'unsupported encoding',
        () => {
          const b = Buffer.from(encodeWav({samples: new Int16Array(1600), sampleRate: 16_000}));
          b.writeUInt16LE(0x55, 20);
          writeFileSync(join(work, 'u.wav'), b);
          return join(work, 'u.wav');
        },
        [],
        'AUDIO_UNSUPPORTED',
      ],
      ['unreadable', () => join(work, 'missing.wav'), [], 'FILE_NOT_FOUND'],
    ];
    for (const [name, file, extra, code] of cases)
      it(name, async () => {
        const r = await june(['voice-turn', '--input', file(), '--output', join(work, 'x.wav'), '--model', model, ...extra]);
        expect(r.exitCode).toBe(1);
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^Error \\(${code}\\): .+ Hint: `));
      });

    it('--json gives the error object', async () => {
      const r = await june(['voice-turn', '--input', join(work, 'missing.wav'), '--model', model, '--json']);
      expect(r.exitCode).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toBe('FILE_NOT_FOUND');
    });
  });

  it('a missing engine names the Debian package; a missing whisper model the download', async () => {
    const r = await june(['voice-turn', '--input', helloWav, '--output', join(work, 'y.wav'), '--model', model], {env: {PATH: '/nonexistent'}});
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toMatch(/^Error \(ENGINE_MISSING\): .*pocketsphinx_continuous.* Hint: install it: apt-get install pocketsphinx pocketsphinx-en-us$/);
    const m = await june(['voice-turn', '--mic', '--output', join(work, 'y.wav'), '--model', model], {env: {PATH: '/nonexistent'}});
    expect(m.stderr.trim()).toBe('Error (ENGINE_MISSING): --mic needs arecord or rec to record, and neither is installed. Hint: apt-get install alsa-utils (or sox)');
    const w = await june(['voice-turn', '--input', helloWav, '--output', join(work, 'y.wav'), '--model', model, '--stt', 'whisper']);
    expect(w.exitCode).toBe(1);
    expect(w.stderr.trim()).toMatch(/^Error \(MODEL_NOT_FOUND\): whisper-base.en is not downloaded.*Hint: june download-models whisper-base.en/);
  }, 60_000);

  it('a downloaded catalog whisper model becomes the default recogniser; its empty transcript never reaches the LLM', async () => {
    const other = tempHome('june-voice-whisper-');
    try {
      mkdirSync(join(other.home, 'models'), {recursive: true});
      // the empty whisper test model, in the place of the catalog's default stt model
      copyFileSync(whisperTestModel, join(other.home, 'models', 'ggml-base.en.bin'));
      const r = await runJune(['voice-turn', '--input', helloWav, '--output', join(work, 'w.wav'), '--model', model], {home: other.home});
      expect(r.exitCode).toBe(1);
      expect(String(r.stderr).trim()).toMatch(/^Error \(NO_SPEECH\): no speech recognised by whisper\. Hint: /);
      expect(existsSync(join(other.home, 'voice', 'turns.jsonl')) ? readFileSync(join(other.home, 'voice', 'turns.jsonl'), 'utf8') : '').toBe('');
    } finally {
      other.cleanup();
    }
  }, 60_000);

  it('--endpoint and --profile: the reply streams from a real OpenAI-compatible server (june serve on 127.0.0.1)', async () => {
    const served = await startJuneServe(['--model', model, '--ctx-size', '2048'], home);
    try {
      const out = join(work, 'endpoint.wav');
      const r = await june(['voice-turn', '--input', helloWav, '--output', out, '--endpoint', served.url, '--max-tokens', '16', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.transcript).toContain('hello can you hear me');
      expect(j.engines).toEqual({stt: 'pocketsphinx', tts: 'espeak-ng', llm: served.model});
      expect(j.stages.llmFirstTokenMs).toBeGreaterThan(0);
      expect((await readAudioFile(out)).info.durationMs).toBeGreaterThan(300);
      // the server answered two chat requests: the session's one-token warm-up and the turn
      const metrics = await (await fetch(`${served.url}/metrics`)).text();
      expect(metrics).toMatch(/june_requests_total\{[^}]*route="\/v1\/chat\/completions"[^}]*status="200"[^}]*\} 2\b/);
      const generated = Number(/^june_completion_tokens_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1]);
      expect(generated).toBeGreaterThan(1);
      expect(generated).toBeLessThanOrEqual(1 + 16);

      // the same server named by a profile in config.json
      const other = tempHome('june-voice-profile-');
      try {
        writeFileSync(join(other.home, 'config.json'), JSON.stringify({profiles: {box: {endpoint: served.url}}}));
        const p = await runJune(['voice-turn', '--input', helloWav, '--output', join(work, 'profile.wav'), '--profile', 'box', '--max-tokens', '8', '--json'], {home: other.home});
        expect(p.exitCode, String(p.stderr)).toBe(0);
        expect(JSON.parse(String(p.stdout)).engines.llm).toBe(served.model);
        const after = await (await fetch(`${served.url}/metrics`)).text();
        expect(after).toMatch(/june_requests_total\{[^}]*route="\/v1\/chat\/completions"[^}]*status="200"[^}]*\} 4\b/);
      } finally {
        other.cleanup();
      }
    } finally {
      served.proc.kill('SIGKILL');
      await served.proc.catch(() => undefined);
    }
  }, 120_000);

  it('nothing to listen to is a usage error', async () => {
    const r = await june(['voice-turn', '--model', model]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toMatch(/^Error \(USAGE\): nothing to listen to/);
  });
});
