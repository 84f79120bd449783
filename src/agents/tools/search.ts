/**
 * search: a JavaScript regular expression over the workspace's text files. .gitignore files (the
 * root's and nested ones) are respected through `ignore`, `glob` filters paths with `picomatch`,
 * .git, binary files, symlinks and very large files are skipped, and matches are capped with a note.
 */
import {lstat, readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import ignore, {type Ignore} from 'ignore';
import picomatch from 'picomatch';
import {z} from 'zod';
import {MAX_TEXT_BYTES, looksBinary, statOrNull} from './common.js';
import {ToolRefusal, type AgentTool} from './types.js';
import {resolveInWorkspace, toRel} from './workspace.js';

export const MAX_MATCHES = 200;
const MAX_MATCH_LINE = 300;
/** The walk stops after this long (a huge tree or a slow pattern) and says so. */
const SEARCH_TIME_MS = 10_000;

const parameters = z.object({
  pattern: z.string().describe('JavaScript regular expression, e.g. "def \\\\w+\\\\(" (no slashes, no flags)'),
  path: z.string().optional().describe('File or directory to search, relative to the workspace root (default: the whole workspace)'),
  glob: z.string().optional().describe('Only files matching this glob: "*.py" matches the name anywhere, "src/**/*.ts" the path from the workspace root'),
});

interface Rules {
  /** Workspace-relative directory the rules belong to ('' for the root). */
  base: string;
  ig: Ignore;
}

function ignored(rules: readonly Rules[], rel: string, dir: boolean): boolean {
  for (const r of rules) {
    const sub = r.base === '' ? rel : rel.startsWith(r.base + '/') ? rel.slice(r.base.length + 1) : null;
    if (sub === null || sub === '') continue;
    if (r.ig.ignores(dir ? sub + '/' : sub)) return true;
  }
  return false;
}

async function loadRules(absDir: string, relDir: string): Promise<Rules | null> {
  try {
    const text = await readFile(join(absDir, '.gitignore'), 'utf8');
    return {base: relDir, ig: ignore().add(text)};
  } catch {
    return null;
  }
}

export const search: AgentTool<typeof parameters> = {
  name: 'search',
  class: 'read',
  description: `Search the workspace's text files for a JavaScript regular expression; prints path:line: text for each match (at most ${MAX_MATCHES}). Respects .gitignore; glob narrows the files, path the folder.`,
  parameters,
  async build(args, ctx) {
    let re: RegExp;
    try {
      re = new RegExp(args.pattern);
    } catch (err) {
      throw new ToolRefusal(`pattern is not a valid JavaScript regular expression: ${(err as Error).message}`);
    }
    const start = await resolveInWorkspace(ctx.workspace, args.path ?? '.');
    const st = await statOrNull(start.abs);
    if (!st) throw new ToolRefusal(`${args.path}: no such file or directory in the workspace`);
    const glob = args.glob ? picomatch(args.glob, {dot: true, basename: !args.glob.includes('/')}) : null;
    const root = ctx.workspace;
    return {
      describe: () => `search /${args.pattern}/${args.path ? ` in ${start.rel}` : ''}${args.glob ? ` (${args.glob})` : ''}`,
      preview: async () => undefined,
      async execute() {
        const t0 = performance.now();
        const out: string[] = [];
        let matches = 0;
        let files = 0;
        let filesMatched = 0;
        let skippedBinary = 0;
        let skippedLarge = 0;
        let stoppedEarly = false;
        const scan = async (abs: string, rel: string) => {
          if (glob && !glob(rel)) return;
          const s = await lstat(abs).catch(() => null);
          if (!s?.isFile()) return;
          if (s.size > MAX_TEXT_BYTES) {
            skippedLarge++;
            return;
          }
          const buf = await readFile(abs).catch(() => null);
          if (!buf) return;
          if (looksBinary(buf)) {
            skippedBinary++;
            return;
          }
          files++;
          const lines = buf.toString('utf8').split('\n');
          let hit = false;
          for (let i = 0; i < lines.length; i++) {
            const line = lines[i]!.replace(/\r$/, '');
            if (!re.test(line)) continue;
            matches++;
            hit = true;
            if (out.length < MAX_MATCHES) out.push(`${rel}:${i + 1}: ${line.length > MAX_MATCH_LINE ? line.slice(0, MAX_MATCH_LINE) + ' […]' : line}`);
          }
          if (hit) filesMatched++;
        };
        const walk = async (abs: string, rel: string, rules: Rules[]) => {
          if (performance.now() - t0 > SEARCH_TIME_MS) {
            stoppedEarly = true;
            return;
          }
          const own = await loadRules(abs, rel);
          const active = own ? [...rules, own] : rules;
          const entries = await readdir(abs, {withFileTypes: true}).catch(() => []);
          entries.sort((a, b) => a.name.localeCompare(b.name));
          for (const e of entries) {
            if (stoppedEarly) return;
            const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
            if (e.name === '.git') continue;
            if (e.isSymbolicLink()) continue;
            if (e.isDirectory()) {
              if (!ignored(active, childRel, true)) await walk(join(abs, e.name), childRel, active);
            } else if (e.isFile() && !ignored(active, childRel, false)) {
              await scan(join(abs, e.name), childRel);
            }
          }
        };
        if (st.isDirectory()) {
          // rules of the directories above the start apply too
          const rel = start.rel === '.' ? '' : start.rel;
          const rules: Rules[] = [];
          const parts = rel === '' ? [] : rel.split('/');
          for (let i = 0; i < parts.length; i++) {
            const r = await loadRules(join(root, ...parts.slice(0, i)), parts.slice(0, i).join('/'));
            if (r) rules.push(r);
          }
          await walk(start.abs, rel, rules);
        } else {
          await scan(start.abs, toRel(root, start.abs));
        }
        const notes: string[] = [];
        if (matches > out.length) notes.push(`${matches - out.length} more matches not shown: narrow the pattern, path or glob`);
        if (skippedBinary) notes.push(`${skippedBinary} binary files skipped`);
        if (skippedLarge) notes.push(`${skippedLarge} files over ${MAX_TEXT_BYTES} bytes skipped`);
        if (stoppedEarly) notes.push(`stopped after ${SEARCH_TIME_MS / 1000} s: results are partial, narrow path or glob`);
        const head = matches
          ? `${matches} matches in ${filesMatched} of ${files} files searched`
          : `no matches for /${args.pattern}/ in ${files} files searched${args.glob ? ` matching ${args.glob}` : ''}`;
        return {ok: true, output: [head, ...out, ...notes.map((n) => `[${n}]`)].join('\n')};
      },
    };
  },
};
