/**
 * Streaming a constrained turn as it decodes. Under the tool grammar the model writes one JSON object:
 * `{"tool": …, "arguments": …}` or `{"final": "<answer>"}`. The answer's text is what a user waits
 * for, so it is streamed token by token as the JSON string's contents (escapes decoded), not held
 * until the object closes; a call streams nothing (it is announced whole, once validated).
 *
 * Pure: feed it the raw chunks; each `push` returns the answer text that became known.
 */

const FINAL_OPENING = /^\s*\{\s*"final"\s*:\s*"/;
/** What the opening of a final answer can look like before it is complete. */
const FINAL_PREFIX = /^\s*(?:\{\s*(?:"(?:f(?:i(?:n(?:a(?:l(?:"\s*(?::\s*)?)?)?)?)?)?)?)?)?$/;

export type ConstrainedStreamState = 'undecided' | 'final' | 'closed' | 'call';

export class ConstrainedReplyStream {
  private raw = '';
  private mode: ConstrainedStreamState = 'undecided';
  /** How far the string's contents in `raw` have been decoded. */
  private decodedTo = 0;
  private text = '';
  /** A decoded high surrogate waiting for its pair (never streamed alone: it is not valid UTF-8). */
  private held = '';

  get state(): ConstrainedStreamState {
    return this.mode;
  }

  /** The answer's text decoded so far (a final answer only; '' otherwise). */
  get answer(): string {
    return this.text;
  }

  /** Feeds a raw chunk; returns the answer text it completed ('' when none). */
  push(chunk: string): string {
    // a call, or an answer whose string has closed: nothing more to stream (and nothing to keep)
    if (this.mode === 'call' || this.mode === 'closed') return '';
    this.raw += chunk;
    if (this.mode === 'undecided') {
      const m = FINAL_OPENING.exec(this.raw);
      if (m) {
        this.mode = 'final';
        this.decodedTo = m[0].length;
      } else if (!FINAL_PREFIX.test(this.raw)) {
        this.mode = 'call';
      }
    }
    if (this.mode !== 'final') return '';
    return this.decode();
  }

  private decode(): string {
    // the longest stretch from decodedTo that ends outside an escape (and before the closing quote);
    // an escape begun but not finished is scanned again with the next chunk
    let end = this.decodedTo;
    let closedAt = -1;
    let inEscape = false;
    for (let i = this.decodedTo; i < this.raw.length; i++) {
      const c = this.raw[i]!;
      if (inEscape) {
        if (c === 'u') {
          if (i + 4 >= this.raw.length) break; // \uXXXX not all here yet
          i += 4;
        }
        inEscape = false;
        end = i + 1;
      } else if (c === '\\') {
        inEscape = true;
      } else if (c === '"') {
        closedAt = i;
        break;
      } else {
        end = i + 1;
      }
    }
    const piece = end > this.decodedTo ? (JSON.parse(`"${this.raw.slice(this.decodedTo, end)}"`) as string) : '';
    this.decodedTo = end;
    if (closedAt >= 0) this.mode = 'closed';
    let out = this.held + piece;
    this.held = '';
    const last = out.charCodeAt(out.length - 1);
    if (this.mode === 'final' && last >= 0xd800 && last <= 0xdbff) {
      this.held = out.slice(-1);
      out = out.slice(0, -1);
    }
    this.text += out;
    return out;
  }
}
