/**
 * JSON as Python's `json` module writes it: standard JSON plus the bare tokens NaN, Infinity and
 * -Infinity (EvalPlus's MBPP+ inputs contain them). Two helpers over one string-aware scan:
 * - parsePythonJson: the JS value (NaN/±Infinity restored), for validation and display;
 * - topLevelSources: the exact source text of each member of a top-level object, so values whose
 *   meaning JS numbers cannot keep (big integers, 1.0 vs 1) reach Python byte for byte.
 */

const MARK = '\u0000june-pyjson:';
const SPECIAL: Record<string, number> = {NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY};

/** Index just past the JSON string starting at `i` (text[i] === '"'). */
function skipString(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === '\\') j += 2;
    else if (c === '"') return j + 1;
    else j++;
  }
  throw new SyntaxError(`unterminated string starting at position ${i}`);
}

/** Replaces the bare NaN/Infinity tokens (outside strings) with marker strings JSON.parse accepts. */
function markSpecials(text: string): {text: string; found: boolean} {
  let out = '';
  let last = 0;
  let found = false;
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '"') {
      i = skipString(text, i);
      continue;
    }
    const token = c === 'N' || c === 'I' || c === '-' ? ['-Infinity', 'Infinity', 'NaN'].find((t) => text.startsWith(t, i)) : undefined;
    if (token) {
      out += text.slice(last, i) + JSON.stringify(MARK + token);
      i += token.length;
      last = i;
      found = true;
      continue;
    }
    i++;
  }
  return {text: found ? out + text.slice(last) : text, found};
}

export function parsePythonJson(text: string): unknown {
  const marked = markSpecials(text);
  if (!marked.found) return JSON.parse(text);
  return JSON.parse(marked.text, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(MARK) ? SPECIAL[value.slice(MARK.length)] : value,
  );
}

function skipWs(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i] as string)) i++;
  return i;
}

/** Index just past the JSON value starting at `i`. */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '[' || c === '{') {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text[j];
      if (d === '"') {
        j = skipString(text, j);
        continue;
      }
      if (d === '[' || d === '{') depth++;
      else if (d === ']' || d === '}') {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    throw new SyntaxError(`unterminated ${c === '[' ? 'array' : 'object'} starting at position ${i}`);
  }
  let j = i;
  while (j < text.length && !/[\s,}\]]/.test(text[j] as string)) j++;
  if (j === i) throw new SyntaxError(`expected a value at position ${i}`);
  return j;
}

/**
 * The source text of each member of the top-level object in `text`. Call it on text that
 * parsePythonJson accepted (it checks the shape only as far as it needs).
 */
export function topLevelSources(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = skipWs(text, 0);
  if (text[i] !== '{') throw new SyntaxError('expected a JSON object');
  i = skipWs(text, i + 1);
  if (text[i] === '}') return out;
  for (;;) {
    if (text[i] !== '"') throw new SyntaxError(`expected a key at position ${i}`);
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    if (text[i] !== ':') throw new SyntaxError(`expected ':' at position ${i}`);
    i = skipWs(text, i + 1);
    const end = skipValue(text, i);
    out[key] = text.slice(i, end);
    i = skipWs(text, end);
    if (text[i] === ',') {
      i = skipWs(text, i + 1);
      continue;
    }
    if (text[i] === '}') return out;
    throw new SyntaxError(`expected ',' or '}' at position ${i}`);
  }
}
