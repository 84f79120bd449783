/**
 * Deterministic guards (no model judge): they end a turn and say why.
 *
 *   - loop: the same call (name + canonical arguments) three times in a row, or a short cycle of
 *     calls (length 2–4) repeated three times in a row;
 *   - invalid_tool_calls: three invalid calls in a row (bad JSON, unknown tool, schema violation).
 *     A call refused by confinement or by the approval policy is valid (it reached a decision).
 */

/** JSON with object keys sorted at every level, so {a,b} and {b,a} are the same call. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export function callKey(name: string, args: unknown): string {
  return `${name} ${canonicalJson(args)}`;
}

export const LOOP_REPEATS = 3;
export const MAX_CYCLE = 4;
export const INVALID_IN_A_ROW = 3;

/**
 * True when the tail of `keys` is one call repeated LOOP_REPEATS times, or a cycle of 2..MAX_CYCLE
 * calls repeated LOOP_REPEATS times.
 */
export function isLoop(keys: readonly string[]): boolean {
  for (let len = 1; len <= MAX_CYCLE; len++) {
    const need = len * LOOP_REPEATS;
    if (keys.length < need) break;
    const tail = keys.slice(keys.length - need);
    const unit = tail.slice(0, len);
    // a "cycle" of one repeated call is the len-1 case; longer cycles must hold distinct calls
    if (len > 1 && new Set(unit).size < len) continue;
    let same = true;
    for (let i = len; i < need && same; i++) same = tail[i] === unit[i % len];
    if (same) return true;
  }
  return false;
}

export class CallGuard {
  private readonly keys: string[] = [];
  private invalidRun = 0;

  /** Records a valid call; returns 'loop' when the guard trips. */
  valid(name: string, args: unknown): 'loop' | null {
    this.invalidRun = 0;
    this.keys.push(callKey(name, args));
    if (this.keys.length > 64) this.keys.splice(0, this.keys.length - 64);
    return isLoop(this.keys) ? 'loop' : null;
  }

  /** Records an invalid call; returns 'invalid_tool_calls' when the guard trips. */
  invalid(): 'invalid_tool_calls' | null {
    this.invalidRun++;
    return this.invalidRun >= INVALID_IN_A_ROW ? 'invalid_tool_calls' : null;
  }

  /** A final answer or a new turn breaks runs. */
  reset(): void {
    this.keys.length = 0;
    this.invalidRun = 0;
  }
}
