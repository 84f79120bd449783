/** read_file: numbered lines of a workspace text file, a range at a time. */
import {z} from 'zod';
import {DEFAULT_OUTPUT_BUDGET} from './budget.js';
import {numbered, readTextFile} from './common.js';
import {ToolRefusal, type AgentTool} from './types.js';
import {resolveInWorkspace} from './workspace.js';

export const DEFAULT_READ_LINES = 400;
/** A longer line is cut (with a mark) so one minified line cannot fill the budget. */
export const MAX_LINE_CHARS = 2000;
/** What one read returns at most, so the whole result fits the output budget uncut. */
const READ_BYTES = DEFAULT_OUTPUT_BUDGET - 1024;

const parameters = z.object({
  path: z.string().describe('File relative to the workspace root'),
  offset: z.number().int().optional().describe('First line to read, 1-based (default 1)'),
  limit: z.number().int().optional().describe(`Lines to read (default ${DEFAULT_READ_LINES})`),
});

export const readFileTool: AgentTool<typeof parameters> = {
  name: 'read_file',
  class: 'read',
  description: `Read a text file with numbered lines. Long files come a range at a time: offset (1-based first line) and limit (default ${DEFAULT_READ_LINES} lines).`,
  parameters,
  async build(args, ctx) {
    if (args.offset !== undefined && args.offset < 1) throw new ToolRefusal('offset is a 1-based line number: use 1 or more');
    if (args.limit !== undefined && args.limit < 1) throw new ToolRefusal('limit must be 1 or more');
    const p = await resolveInWorkspace(ctx.workspace, args.path);
    await readTextFile(p, args.path);
    const offset = args.offset ?? 1;
    const limit = args.limit ?? DEFAULT_READ_LINES;
    return {
      describe: () => `read_file ${p.rel}${args.offset || args.limit ? ` (from line ${offset})` : ''}`,
      preview: async () => undefined,
      async execute() {
        // read again: the file may have changed between build and execute
        const text = await readTextFile(await resolveInWorkspace(ctx.workspace, args.path), args.path);
        const all = text.split('\n');
        if (text.endsWith('\n')) all.pop();
        const total = text === '' ? 0 : all.length;
        if (total === 0) return {ok: true, output: `${p.rel}: empty file (0 lines)`};
        if (offset > total) return {ok: false, output: `${p.rel} has ${total} lines; offset ${offset} is past the end (use an offset from 1 to ${total})`};
        const out: string[] = [];
        let bytes = 0;
        let cutByBytes = false;
        for (let i = offset - 1; i < Math.min(total, offset - 1 + limit); i++) {
          let l = all[i]!.replace(/\r$/, '');
          if (l.length > MAX_LINE_CHARS) l = `${l.slice(0, MAX_LINE_CHARS)} [… line cut: ${l.length} chars]`;
          bytes += Buffer.byteLength(l) + 8;
          if (bytes > READ_BYTES && out.length > 0) {
            cutByBytes = true;
            break;
          }
          out.push(l);
        }
        const last = offset + out.length - 1;
        const whole = offset === 1 && last === total;
        const head = whole ? `${p.rel} (${total} lines)` : `${p.rel}: lines ${offset}-${last} of ${total}`;
        const tail =
          last < total
            ? `\n[${total - last} more lines${cutByBytes ? ' (this read stopped at the output budget)' : ''}: read_file with offset ${last + 1} to continue]`
            : '';
        return {ok: true, output: `${head}\n${numbered(out, offset)}${tail}`};
      },
    };
  },
};
