/** write_file: creates or overwrites a workspace text file (parent directories created). */
import {readFile} from 'node:fs/promises';
import {z} from 'zod';
import {countTextLines, looksBinary, previewDiff, statOrNull, unifiedDiff, writeConfined} from './common.js';
import {ToolRefusal, type AgentTool, type ToolContext} from './types.js';
import {resolveInWorkspace, type ResolvedPath} from './workspace.js';

const parameters = z.object({
  path: z.string().describe('File relative to the workspace root; parent directories are created'),
  content: z.string().describe('The whole new content of the file'),
});

/** The current text of a path about to be written: null when it does not exist. */
async function currentText(p: ResolvedPath, input: string): Promise<string | null> {
  const st = await statOrNull(p.abs);
  if (!st) return null;
  if (st.isDirectory()) throw new ToolRefusal(`${input} is a directory; give a file path`);
  if (!st.isFile()) throw new ToolRefusal(`${input} is not a regular file`);
  const buf = await readFile(p.abs);
  if (looksBinary(buf)) throw new ToolRefusal(`${input} is a binary file; write_file replaces text files only`);
  return buf.toString('utf8');
}

export async function applyWrite(ctx: ToolContext, input: string, rel: string, before: string | null, after: string) {
  const diff = unifiedDiff(rel, before, after);
  if (!ctx.dryRun) await writeConfined(ctx, input, after);
  return {path: rel, before, after: ctx.dryRun ? (before ?? '') : after, diff};
}

export const writeFile: AgentTool<typeof parameters> = {
  name: 'write_file',
  class: 'write',
  description: 'Create a file or replace its whole content (parent directories are created). For a small change to a big file use edit_file.',
  parameters,
  async build(args, ctx) {
    const p = await resolveInWorkspace(ctx.workspace, args.path);
    if (p.rel === '.') throw new ToolRefusal('path names the workspace root; give a file path');
    const before = await currentText(p, args.path);
    const lines = countTextLines(args.content);
    return {
      describe: () => `write_file ${p.rel} (${lines} lines)`,
      preview: async () => previewDiff(p.rel, before, args.content),
      async execute() {
        const now = await currentText(await resolveInWorkspace(ctx.workspace, args.path), args.path);
        const change = await applyWrite(ctx, args.path, p.rel, now, args.content);
        const what = now === null ? 'created' : now === args.content ? 'unchanged (same content)' : 'overwrote';
        const bytes = Buffer.byteLength(args.content);
        const output = ctx.dryRun
          ? `dry run: would have ${what === 'created' ? 'created' : 'written'} ${p.rel} (${lines} lines, ${bytes} bytes); nothing was written`
          : `${what} ${p.rel} (${lines} lines, ${bytes} bytes)`;
        return {ok: true, output, changes: [change]};
      },
    };
  },
};
