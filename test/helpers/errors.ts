import {JuneError} from '../../src/errors.js';

/** Awaits `p` and returns the JuneError it rejects with; fails when it resolves or throws anything else. */
export async function caughtJuneError(p: Promise<unknown>): Promise<JuneError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof JuneError) return err;
    throw err;
  }
  throw new Error('expected a JuneError');
}

/** caughtJuneError, and its code must be `code`. */
export async function expectJuneError(p: Promise<unknown>, code: string): Promise<JuneError> {
  const err = await caughtJuneError(p);
  if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`);
  return err;
}
