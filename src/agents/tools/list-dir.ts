/** list_dir: the entries of one workspace directory. */
import {lstat, readdir, readlink} from 'node:fs/promises';
import {join} from 'node:path';
import {z} from 'zod';
import {statOrNull} from './common.js';
import {ToolRefusal, type AgentTool} from './types.js';
import {resolveInWorkspace} from './workspace.js';

export const MAX_LIST_ENTRIES = 1000;

const parameters = z.object({
  path: z.string().optional().describe('Directory relative to the workspace root (default ".", the root)'),
});

function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

export const listDir: AgentTool<typeof parameters> = {
  name: 'list_dir',
  class: 'read',
  description: 'List a workspace directory: subdirectories end with "/", files show their size.',
  parameters,
  async build(args, ctx) {
    const path = args.path ?? '.';
    const p = await resolveInWorkspace(ctx.workspace, path);
    const st = await statOrNull(p.abs);
    if (!st) throw new ToolRefusal(`${path}: no such directory in the workspace`);
    if (!st.isDirectory()) throw new ToolRefusal(`${path} is a file, not a directory; use read_file`);
    return {
      describe: () => `list_dir ${p.rel}`,
      preview: async () => undefined,
      async execute() {
        const names = (await readdir(p.abs)).sort((a, b) => a.localeCompare(b));
        const dirs: string[] = [];
        const files: string[] = [];
        for (const name of names.slice(0, MAX_LIST_ENTRIES)) {
          const full = join(p.abs, name);
          const l = await lstat(full).catch(() => null);
          if (!l) continue;
          if (l.isSymbolicLink()) files.push(`${name} -> ${await readlink(full).catch(() => '?')}`);
          else if (l.isDirectory()) dirs.push(`${name}/`);
          else files.push(`${name}  (${size(l.size)})`);
        }
        const lines = [...dirs, ...files];
        const head = `${p.rel === '.' ? 'workspace root' : p.rel + '/'}: ${dirs.length} directories, ${files.length} files`;
        const more = names.length > MAX_LIST_ENTRIES ? `\n[… ${names.length - MAX_LIST_ENTRIES} more entries not shown; use search with a glob to find files]` : '';
        return {ok: true, output: lines.length ? `${head}\n${lines.join('\n')}${more}` : `${head} (empty)`};
      },
    };
  },
};
