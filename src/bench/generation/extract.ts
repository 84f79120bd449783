/**
 * From a model's answer to a program: pull the code out of a markdown answer, then keep what the
 * program needs, as EvalPlus's sanitizer does (`evalplus/sanitize.py`): the imports, then the entry
 * point and every function, class and module-level assignment it reaches, in source order; the first
 * definition of a name wins; tests, prints and `if __name__` blocks go.
 */
import {outlinePython, type TopLevelStatement} from './python-outline.js';

interface Fence {
  lang: string;
  body: string;
  closed: boolean;
}

const FENCE = /^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n]*$/;

/** Every fenced block of a markdown text; a final block whose closing fence is missing is kept (cut-off answers). */
export function fencedBlocks(text: string): Fence[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: Fence[] = [];
  let open: {marker: string; lang: string; body: string[]} | null = null;
  for (const line of lines) {
    const m = FENCE.exec(line);
    if (open) {
      if (m && m[1]![0] === open.marker[0] && m[1]!.length >= open.marker.length && m[2] === '') {
        out.push({lang: open.lang, body: open.body.join('\n'), closed: true});
        open = null;
      } else open.body.push(line);
    } else if (m) open = {marker: m[1]!, lang: m[2]!.toLowerCase(), body: []};
  }
  if (open) out.push({lang: open.lang, body: open.body.join('\n'), closed: false});
  return out;
}

const PYTHONISH = new Set(['', 'python', 'py', 'python3', 'py3']);
const CODE_LINE = /^(?:async\s+def|def|class|import|from|@)\b/m;

/**
 * The code in a model's answer.
 * - Fenced blocks: the python (or untagged) block that defines the entry point, else the longest
 *   python block, else the longest block. An unclosed last fence counts (the answer was cut off).
 * - A closing fence with no opening one (the prompt already opened the block): the text before it.
 * - No fences: from the first line that starts a definition or an import to the end; what is not
 *   code among it is left for `sanitizeProgram` to drop.
 */
export function extractCode(answer: string, entryPoint?: string): string {
  const text = answer.replace(/\r\n?/g, '\n');
  const blocks = fencedBlocks(text);
  const firstFence = text.search(/^[ \t]*(`{3,}|~{3,})/m);
  const before = firstFence === -1 ? '' : text.slice(0, firstFence);
  // "```python\n" was part of the prompt: the code comes first, then a bare closing fence
  if (firstFence !== -1 && CODE_LINE.test(before) && /^[ \t]*(`{3,}|~{3,})[ \t]*$/.test(text.slice(firstFence).split('\n')[0]!))
    return before.replace(/\s+$/, '');
  if (blocks.length > 0) {
    const defines = (b: Fence): boolean =>
      entryPoint !== undefined && new RegExp(`^(?:async\\s+)?def\\s+${escapeRe(entryPoint)}\\s*\\(`, 'm').test(b.body);
    const py = blocks.filter((b) => PYTHONISH.has(b.lang));
    const pick =
      py.find(defines) ??
      longest(py) ??
      longest(blocks);
    return (pick?.body ?? '').replace(/\s+$/, '');
  }
  const at = text.search(CODE_LINE);
  return at === -1 ? text.trim() : text.slice(at).replace(/\s+$/, '');
}

function longest(blocks: Fence[]): Fence | undefined {
  let best: Fence | undefined;
  for (const b of blocks) if (!best || b.body.trim().length > best.body.trim().length) best = b;
  return best;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Keeps the imports and the definitions `entryPoint` depends on (all definitions when it is not
 * given), in source order. As in EvalPlus, a function without a `return` is dropped — except the
 * entry point itself: dropping the one function the tests call can only turn an answer into a
 * failure, never the reverse. When the code defines nothing at all the text is returned unchanged,
 * so the scorer reports the model's actual output rather than an empty program.
 */
export function sanitizeProgram(code: string, entryPoint?: string): string {
  const statements = outlinePython(code);
  const imports: TopLevelStatement[] = [];
  const defs: TopLevelStatement[] = [];
  const seen = new Set<string>();
  for (const s of statements) {
    if (s.kind === 'import') imports.push(s);
    else if (s.kind === 'function' || s.kind === 'class' || s.kind === 'assignment') {
      if (!s.name || seen.has(s.name)) continue;
      if (s.kind === 'function' && !s.hasReturn && s.name !== entryPoint) continue;
      seen.add(s.name);
      defs.push(s);
    }
  }
  if (imports.length === 0 && defs.length === 0) return code;
  let keep: Set<TopLevelStatement>;
  if (entryPoint && defs.some((d) => d.name === entryPoint)) {
    const byName = new Map(defs.map((d) => [d.name!, d]));
    const reached = new Set<string>([entryPoint]);
    const queue = [entryPoint];
    while (queue.length) {
      const d = byName.get(queue.shift()!);
      if (!d) continue;
      for (const id of d.identifiers)
        if (byName.has(id) && !reached.has(id)) {
          reached.add(id);
          queue.push(id);
        }
    }
    keep = new Set(defs.filter((d) => reached.has(d.name!)));
  } else keep = new Set(defs);
  const out = [...imports, ...defs.filter((d) => keep.has(d))].sort((a, b) => a.startLine - b.startLine);
  // imports first, as EvalPlus writes them
  return [...out.filter((s) => s.kind === 'import'), ...out.filter((s) => s.kind !== 'import')].map((s) => s.text).join('\n');
}

/** A chat answer as a full program: extract, then sanitize around the entry point. */
export function answerToProgram(answer: string, entryPoint?: string): string {
  return sanitizeProgram(extractCode(answer, entryPoint), entryPoint);
}
