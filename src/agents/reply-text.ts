/**
 * Pure helpers for what a model writes:
 *
 *   - ThinkSplitter: streamed text → visible text and reasoning (`<think>…</think>` of thinking
 *     models), across chunk boundaries;
 *   - callFromText: a reply that carries a JSON tool call as text instead of `tool_calls` (common
 *     with local models behind OpenAI-compatible servers) → the call it names, if it names a
 *     declared tool.
 */

const OPEN = '<think>';
const CLOSE = '</think>';

export class ThinkSplitter {
  private inThink = false;
  private pending = '';
  private thought = '';

  /** Feeds a chunk; returns the visible text it completes and any finished thoughts. */
  push(chunk: string): {visible: string; thoughts: string[]} {
    let buf = this.pending + chunk;
    this.pending = '';
    let visible = '';
    const thoughts: string[] = [];
    for (;;) {
      const tag = this.inThink ? CLOSE : OPEN;
      const i = buf.indexOf(tag);
      if (i >= 0) {
        if (this.inThink) {
          this.thought += buf.slice(0, i);
          if (this.thought.trim()) thoughts.push(this.thought.trim());
          this.thought = '';
        } else visible += buf.slice(0, i);
        this.inThink = !this.inThink;
        buf = buf.slice(i + tag.length);
        continue;
      }
      // keep a tail that could be the start of a tag
      let keep = 0;
      for (let k = Math.min(tag.length - 1, buf.length); k > 0; k--)
        if (tag.startsWith(buf.slice(buf.length - k))) {
          keep = k;
          break;
        }
      const body = buf.slice(0, buf.length - keep);
      this.pending = buf.slice(buf.length - keep);
      if (this.inThink) this.thought += body;
      else visible += body;
      return {visible, thoughts};
    }
  }

  /** The end of the reply: what is still held back. */
  end(): {visible: string; thoughts: string[]} {
    const rest = this.pending;
    this.pending = '';
    if (this.inThink) {
      const t = (this.thought + rest).trim();
      this.thought = '';
      return {visible: '', thoughts: t ? [t] : []};
    }
    return {visible: rest, thoughts: []};
  }
}

/** Strips `<think>` blocks from a whole text. */
export function splitThinking(text: string): {visible: string; thoughts: string[]} {
  const s = new ThinkSplitter();
  const a = s.push(text);
  const b = s.end();
  return {visible: a.visible + b.visible, thoughts: [...a.thoughts, ...b.thoughts]};
}

/**
 * The tool call a text reply carries, if it is one: a JSON object (alone, or in a ```json fence)
 * shaped {"name", "arguments"} (OpenAI), {"tool", "arguments"} (june's constrained form),
 * {"function": {"name", "arguments"}} or {"tool_call"/"tool_calls": …}, naming a declared tool.
 */
export function callFromText(text: string, declared: ReadonlySet<string>): {name: string; arguments: unknown} | null {
  const t = text.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n```$/.exec(t);
  const body = fenced ? (fenced[1] as string) : t;
  const tagged = /^<tool_call>\s*([\s\S]*?)\s*<\/tool_call>$/.exec(body);
  const json = tagged ? (tagged[1] as string) : body;
  if (!json.startsWith('{')) return null;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  return pickCall(v, declared);
}

function pickCall(v: unknown, declared: ReadonlySet<string>): {name: string; arguments: unknown} | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (Array.isArray(o.tool_calls) && o.tool_calls.length === 1) return pickCall(o.tool_calls[0], declared);
  if (o.tool_call && typeof o.tool_call === 'object') return pickCall(o.tool_call, declared);
  if (o.function && typeof o.function === 'object') return pickCall(o.function, declared);
  const name = typeof o.name === 'string' ? o.name : typeof o.tool === 'string' ? o.tool : null;
  if (name === null || !declared.has(name)) return null;
  let args: unknown = o.arguments ?? o.parameters ?? o.args ?? {};
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      return null;
    }
  }
  return {name, arguments: args};
}
