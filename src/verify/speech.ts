/**
 * verify's speech check, on its own so the speech engines can plug in here (through src/pipeline)
 * without touching the rest of verify. Today june has no speech engine: the check reports that.
 */
import type {Check} from './verify.js';

/** The `speech` check: required only when `--require speech` names it. */
export async function speechCheck(required: boolean): Promise<Check> {
  return {
    name: 'speech',
    ok: false,
    required,
    detail: 'not installed: this june has no speech-to-text or text-to-speech engine yet',
    hint: required ? 'drop speech from --require until a june release with voice support' : 'only needed for voice commands',
  };
}
