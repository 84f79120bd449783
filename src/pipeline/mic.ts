/**
 * The microphone: arecord (alsa-utils) or sox's rec, 16 kHz mono s16 raw on stdout, gated by the
 * streaming VAD. A turn ends after the VAD's hang-over of silence; that hang-over is part of the
 * dead air (it is measured from the last voiced sample).
 */
import {spawn} from 'node:child_process';
import {JuneError} from '../errors.js';
import type {Env} from '../paths.js';
import {STT_RATE} from './audio.js';
import {findExecutable} from './tools.js';
import type {LiveInput} from './turn.js';
import {StreamingVad, type VadOptions} from './vad.js';

export function micRecorder(env: Env = process.env): {bin: string; args: string[]} {
  const arecord = findExecutable('arecord', env);
  if (arecord) return {bin: arecord, args: ['-q', '-f', 'S16_LE', '-r', String(STT_RATE), '-c', '1', '-t', 'raw']};
  const rec = findExecutable('rec', env);
  if (rec) return {bin: rec, args: ['-q', '-t', 'raw', '-r', String(STT_RATE), '-e', 'signed', '-b', '16', '-c', '1', '-']};
  throw new JuneError('ENGINE_MISSING', '--mic needs arecord or rec to record, and neither is installed', {hint: 'apt-get install alsa-utils (or sox)'});
}

/** One utterance from the microphone, delivered live; waits up to `maxSeconds` for speech. */
export function micInput(o: {env?: Env; maxSeconds?: number; vad?: VadOptions; onListening?: () => void} = {}): LiveInput {
  const rec = micRecorder(o.env);
  const maxSamples = (o.maxSeconds ?? 30) * STT_RATE;
  return {
    kind: 'live',
    run: (write, signal) =>
      new Promise((resolve, reject) => {
        const child = spawn(rec.bin, rec.args, {stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? {signal} : {})});
        const vad = new StreamingVad(STT_RATE, o.vad);
        let stderr = '';
        let seen = 0;
        let lastVoicedAt = 0;
        let settled = false;
        const finish = (err: Error | null) => {
          if (settled) return;
          settled = true;
          child.kill('SIGTERM');
          if (err) reject(err);
          else resolve({lastVoicedAt, speechMs: (vad.lastVoicedSample / STT_RATE) * 1000});
        };
        o.onListening?.();
        child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1000)));
        let carry: Buffer | null = null;
        child.stdout.on('data', (d: Buffer) => {
          let buf = carry ? Buffer.concat([carry, d]) : d;
          carry = buf.length % 2 ? buf.subarray(buf.length - 1) : null;
          if (carry) buf = buf.subarray(0, buf.length - 1);
          const pcm = new Int16Array(buf.length >> 1);
          for (let i = 0; i < pcm.length; i++) pcm[i] = buf.readInt16LE(i * 2);
          const before = vad.lastVoicedSample;
          vad.push(pcm);
          write(pcm);
          seen += pcm.length;
          if (vad.lastVoicedSample !== before) lastVoicedAt = performance.now();
          if (vad.ended) finish(null);
          else if (seen >= maxSamples)
            finish(vad.speaking ? null : new JuneError('AUDIO_SILENT', `no speech from the microphone in ${o.maxSeconds ?? 30} s`, {hint: 'check that the microphone is not muted (alsamixer)'}));
        });
        child.on('error', (e) => finish(new JuneError('ENGINE_FAILED', `${rec.bin} could not start: ${e.message}`, {cause: e})));
        child.on('close', (code) => {
          if (!settled) finish(new JuneError('ENGINE_FAILED', `${rec.bin} stopped recording (code ${code}): ${stderr.trim().split('\n').pop() ?? ''}`, {hint: 'check the sound device (arecord -l)'}));
        });
      }),
  };
}
