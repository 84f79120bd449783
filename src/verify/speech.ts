/**
 * verify's speech check: the engines src/pipeline finds (pocketsphinx, whisper, espeak-ng, flite,
 * Piper…), summarised as one check. Loaded lazily, so verify pays for speech detection only here.
 */
import type {Env} from '../paths.js';
import type {Check} from './verify.js';

/** The `speech` check: required only when `--require speech` names it. */
export async function speechCheck(required: boolean, env?: Env): Promise<Check> {
  const {speechCheck: detect} = await import('../pipeline/engines.js');
  return detect({required, ...(env ? {env} : {})});
}
