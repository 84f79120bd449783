/**
 * External programs the pipeline uses (speech engines, decoders, players): found on PATH, never
 * assumed. A missing one is a JuneError that names the Debian package to install.
 */
import {accessSync, constants} from 'node:fs';
import {delimiter, isAbsolute, join} from 'node:path';
import {JuneError} from '../errors.js';

/** The Debian package that provides each program june may run. */
export const DEBIAN_PACKAGE: Readonly<Record<string, string>> = {
  pocketsphinx_continuous: 'pocketsphinx pocketsphinx-en-us',
  'espeak-ng': 'espeak-ng',
  flite: 'flite',
  ffmpeg: 'ffmpeg',
  opusdec: 'opus-tools',
  opusenc: 'opus-tools',
  sox: 'sox',
  play: 'sox',
  rec: 'sox',
  aplay: 'alsa-utils',
  arecord: 'alsa-utils',
};

/** The absolute path of an executable on PATH (or the path itself when given one), else null. */
export function findExecutable(name: string, env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const candidates = isAbsolute(name) || name.includes('/') ? [name] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}

/** The path of a required program, or ENGINE_MISSING naming what to install. */
export function requireExecutable(name: string, what: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const p = findExecutable(name, env);
  if (p) return p;
  const pkg = DEBIAN_PACKAGE[name];
  throw new JuneError('ENGINE_MISSING', `${what} needs \`${name}\`, which is not installed (not on PATH)`, {
    hint: pkg ? `install it: apt-get install ${pkg}` : `install ${name} and put it on PATH`,
  });
}
