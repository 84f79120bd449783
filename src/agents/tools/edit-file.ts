/**
 * edit_file: search and replace in one file. The exact text first; then a whitespace-tolerant line
 * match (each line compared trimmed, runs of whitespace as one; the replacement is re-indented to
 * the file). A miss answers with the most similar lines of the file, numbered; an ambiguous match
 * with the count and the line numbers — errors a model can act on. planEdit is pure.
 */
import {z} from 'zod';
import {numbered, previewDiff, readTextFile} from './common.js';
import {applyWrite} from './write-file.js';
import {ToolRefusal, type AgentTool} from './types.js';
import {resolveInWorkspace} from './workspace.js';

const parameters = z.object({
  path: z.string().describe('File relative to the workspace root'),
  old_text: z.string().describe('The exact text to replace, copied from the file (several lines are fine; without read_file line numbers)'),
  new_text: z.string().describe('The text that replaces it'),
  replace_all: z.boolean().optional().describe('Replace every occurrence (default: old_text must occur exactly once)'),
});

export type EditPlan =
  | {ok: true; content: string; how: 'exact' | 'whitespace'; count: number; lines: number[]}
  | {ok: false; message: string};

const norm = (l: string) => l.trim().replace(/\s+/g, ' ');
const indentOf = (l: string) => /^[ \t]*/.exec(l)![0];

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function listLines(lines: number[]): string {
  return lines.length > 12 ? `${lines.slice(0, 12).join(', ')}, …` : lines.join(', ');
}

function bigrams(s: string): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < s.length - 1; i++) {
    const b = s.slice(i, i + 2);
    m.set(b, (m.get(b) ?? 0) + 1);
  }
  return m;
}

function dice(a: Map<string, number>, alen: number, b: Map<string, number>, blen: number): number {
  if (alen < 2 && blen < 2) return alen === blen ? 1 : 0;
  let inter = 0;
  for (const [k, v] of a) inter += Math.min(v, b.get(k) ?? 0);
  return (2 * inter) / Math.max(1, alen - 1 + (blen - 1));
}

/** The window of the file most similar to old_text's lines: [first index, score]. */
function nearest(fileLines: string[], oldLines: string[]): [number, number] {
  const probe = oldLines.slice(0, 20).map(norm);
  const pb = probe.map((l) => bigrams(l));
  const fb = fileLines.map((l) => norm(l)).map((l) => [bigrams(l), l.length] as const);
  let best = 0;
  let bestScore = -1;
  const last = Math.max(0, fileLines.length - probe.length);
  for (let i = 0; i <= last; i++) {
    let s = 0;
    for (let j = 0; j < probe.length && i + j < fileLines.length; j++) {
      const [m, len] = fb[i + j]!;
      s += dice(pb[j]!, probe[j]!.length, m, len);
    }
    s /= probe.length;
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  }
  return [best, bestScore];
}

function trimBlankEnds(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]!.trim() === '') a++;
  while (b > a && lines[b - 1]!.trim() === '') b--;
  return lines.slice(a, b);
}

/** Plans the edit of `content` (which is not written): the new content, or a message for the model. */
export function planEdit(rel: string, content: string, oldText: string, newText: string, replaceAll = false): EditPlan {
  if (oldText === '') return {ok: false, message: 'old_text is empty: to create a file or replace all of it, use write_file'};
  if (oldText === newText) return {ok: false, message: 'old_text and new_text are the same: nothing would change'};
  const crlf = content.includes('\r\n');
  const work = crlf ? content.replace(/\r\n/g, '\n') : content;
  const oldN = oldText.replace(/\r\n/g, '\n');
  const newN = newText.replace(/\r\n/g, '\n');
  const back = (s: string) => (crlf ? s.replace(/\n/g, '\r\n') : s);

  // 1. exact
  const at: number[] = [];
  for (let i = work.indexOf(oldN); i !== -1; i = work.indexOf(oldN, i + oldN.length)) at.push(i);
  if (at.length > 1 && !replaceAll)
    return {
      ok: false,
      message: `old_text occurs ${at.length} times in ${rel} (at lines ${listLines(at.map((i) => lineOf(work, i)))}); include more surrounding lines so it matches exactly once, or set replace_all to true to replace every occurrence`,
    };
  if (at.length >= 1) {
    const lines = at.map((i) => lineOf(work, i));
    return {ok: true, content: back(work.split(oldN).join(newN)), how: 'exact', count: at.length, lines};
  }

  // 2. whitespace-tolerant, line by line
  const fileLines = work.split('\n');
  const oldLines = trimBlankEnds(oldN.split('\n'));
  if (oldLines.length === 0) return {ok: false, message: 'old_text is only whitespace and does not occur in the file as given'};
  const want = oldLines.map(norm);
  const hits: number[] = [];
  for (let i = 0; i + want.length <= fileLines.length; i++) {
    let all = true;
    for (let j = 0; j < want.length; j++) {
      if (norm(fileLines[i + j]!) !== want[j]) {
        all = false;
        break;
      }
    }
    if (all) {
      hits.push(i);
      i += want.length - 1;
    }
  }
  if (hits.length > 1 && !replaceAll)
    return {
      ok: false,
      message: `old_text matches ${hits.length} places in ${rel} when whitespace is ignored (at lines ${listLines(hits.map((i) => i + 1))}); include more surrounding lines so it matches once, or set replace_all to true`,
    };
  if (hits.length >= 1) {
    let newLines = newN.split('\n');
    if (newN.endsWith('\n')) newLines = newLines.slice(0, -1);
    const out = [...fileLines];
    for (const i of [...hits].reverse()) {
      const oldIndent = indentOf(oldLines[0]!);
      const fileIndent = indentOf(fileLines[i]!);
      const re = oldIndent === fileIndent ? newLines : newLines.map((l) => (l.trim() === '' ? l : l.startsWith(oldIndent) ? fileIndent + l.slice(oldIndent.length) : l));
      out.splice(i, want.length, ...(newN === '' ? [] : re));
    }
    return {ok: true, content: back(out.join('\n')), how: 'whitespace', count: hits.length, lines: hits.map((i) => i + 1)};
  }

  // 3. a miss: show the nearest lines
  const numberedOld = oldLines.filter((l) => /^\s*\d+\t/.test(l)).length > oldLines.length / 2;
  const tip = numberedOld ? ' old_text seems to include the line numbers read_file prints: leave them out.' : '';
  if (fileLines.length === 0 || work === '') return {ok: false, message: `old_text was not found: ${rel} is empty. Use write_file to give it content.`};
  const [i, score] = nearest(fileLines, oldLines);
  if (score < 0.2)
    return {ok: false, message: `old_text was not found in ${rel}, and no lines are similar to it.${tip} Read the file with read_file and copy old_text exactly, or use write_file to replace the whole file.`};
  const from = Math.max(0, i - 2);
  const to = Math.min(fileLines.length, i + oldLines.length + 2);
  return {
    ok: false,
    message:
      `old_text was not found in ${rel} (no exact match, none ignoring whitespace).${tip} The most similar lines are ${i + 1}-${Math.min(fileLines.length, i + oldLines.length)}:\n` +
      `${numbered(fileLines.slice(from, to), from + 1)}\n` +
      'Copy old_text exactly from the file (without line numbers) and retry, or use write_file to replace the whole file.',
  };
}

export const editFile: AgentTool<typeof parameters> = {
  name: 'edit_file',
  class: 'write',
  description:
    'Replace old_text with new_text in a file. old_text must match once (set replace_all for every occurrence); whitespace differences are tolerated line by line. Give a few lines of context so the match is unique.',
  parameters,
  async build(args, ctx) {
    const p = await resolveInWorkspace(ctx.workspace, args.path);
    let before: string;
    try {
      before = await readTextFile(p, args.path);
    } catch (err) {
      if (err instanceof ToolRefusal && /no such file/.test(err.message)) throw new ToolRefusal(`${args.path}: no such file in the workspace; use write_file to create it`);
      throw err;
    }
    const plan = planEdit(p.rel, before, args.old_text, args.new_text, args.replace_all ?? false);
    if (!plan.ok) throw new ToolRefusal(plan.message);
    return {
      describe: () => `edit_file ${p.rel} (${plan.count} ${plan.count === 1 ? 'replacement' : 'replacements'})`,
      preview: async () => previewDiff(p.rel, before, plan.content),
      async execute() {
        // the file may have changed since build: plan again on what is there now
        const now = await readTextFile(await resolveInWorkspace(ctx.workspace, args.path), args.path);
        const again = now === before ? plan : planEdit(p.rel, now, args.old_text, args.new_text, args.replace_all ?? false);
        if (!again.ok) return {ok: false, output: again.message};
        const change = await applyWrite(ctx, args.path, p.rel, now, again.content);
        const where = `line${again.lines.length > 1 ? 's' : ''} ${listLines(again.lines)}`;
        const how = again.how === 'whitespace' ? ' (matched ignoring whitespace; the new text was re-indented to the file)' : '';
        const head = `${ctx.dryRun ? 'dry run: would have edited' : 'edited'} ${p.rel}: ${again.count} ${again.count === 1 ? 'replacement' : 'replacements'} at ${where}${how}`;
        return {ok: true, output: `${head}\n${change.diff}`, changes: [change]};
      },
    };
  },
};
