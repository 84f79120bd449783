/**
 * The output budget: what the model reads of a tool result. A result over its budget is cut to its
 * head and tail (where a command's first lines and its error usually are) with a note saying how
 * much was left out; the caller keeps the whole output for the transcript. Pure.
 */

export const DEFAULT_OUTPUT_BUDGET = 16 * 1024;

export interface Budgeted {
  output: string;
  truncated: boolean;
}

/** Cuts `text` to at most `budget` bytes of UTF-8 (plus the note) as head + tail. */
export function applyOutputBudget(text: string, budget = DEFAULT_OUTPUT_BUDGET): Budgeted {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= budget) return {output: text, truncated: false};
  const buf = Buffer.from(text, 'utf8');
  const headBytes = Math.floor(budget * 0.6);
  const tailBytes = Math.max(0, budget - headBytes);
  // cut on line boundaries when one is near, and never inside a UTF-8 sequence
  let headEnd = utf8Boundary(buf, headBytes);
  const nl = buf.lastIndexOf(0x0a, headEnd - 1);
  if (nl > headEnd * 0.8) headEnd = nl + 1;
  let tailStart = utf8Boundary(buf, buf.length - tailBytes);
  const nl2 = buf.indexOf(0x0a, tailStart);
  if (nl2 !== -1 && nl2 < tailStart + tailBytes * 0.2) tailStart = nl2 + 1;
  const head = buf.subarray(0, headEnd).toString('utf8');
  const tail = buf.subarray(tailStart).toString('utf8');
  const omittedBytes = tailStart - headEnd;
  const omittedLines = countLines(buf.subarray(headEnd, tailStart));
  const note = `\n[… ${omittedBytes} bytes (${omittedLines} lines) of ${bytes} left out: output over the ${budget}-byte budget; narrow the command or read a range …]\n`;
  return {output: head + note + tail, truncated: true};
}

function utf8Boundary(buf: Buffer, i: number): number {
  let j = Math.max(0, Math.min(buf.length, i));
  // continuation bytes are 10xxxxxx
  while (j > 0 && j < buf.length && (buf[j]! & 0xc0) === 0x80) j--;
  return j;
}

function countLines(b: Buffer): number {
  let n = 0;
  for (const c of b) if (c === 0x0a) n++;
  return n;
}
