/** run_python: Python code or a workspace file in the session container (python3 -u, cwd /workspace). */
import {z} from 'zod';
import {statOrNull} from './common.js';
import {commandOutcome, oneLine, requireExecutor} from './command.js';
import {ToolRefusal, type AgentTool} from './types.js';
import {resolveInWorkspace} from './workspace.js';

/** Longer code goes on stdin (`python3 -`) instead of -c, past the kernel's limit on one argument. */
const MAX_ARG_BYTES = 100_000;

const parameters = z.object({
  code: z.string().optional().describe('Python source to run (give code or file, not both)'),
  file: z.string().optional().describe('A .py file in the workspace to run, relative to the workspace root'),
});

export const runPython: AgentTool<typeof parameters> = {
  name: 'run_python',
  class: 'execute',
  description: 'Run Python 3 code, or a workspace file, in the sandbox (cwd = workspace root, no network). Give exactly one of code or file. Prints stdout+stderr and the exit code.',
  parameters,
  async build(args, ctx) {
    if ((args.code === undefined) === (args.file === undefined)) throw new ToolRefusal('give exactly one of code (Python source) or file (a .py path in the workspace)');
    if (args.code !== undefined && args.code.trim() === '') throw new ToolRefusal('code is empty');
    let argv: string[];
    let stdin: string | undefined;
    let shown: string;
    let describe: string;
    if (args.file !== undefined) {
      const p = await resolveInWorkspace(ctx.workspace, args.file);
      const st = await statOrNull(p.abs);
      if (!st) throw new ToolRefusal(`${args.file}: no such file in the workspace (write it with write_file first)`);
      if (!st.isFile()) throw new ToolRefusal(`${args.file} is not a file`);
      argv = ['python3', '-u', p.rel];
      shown = `python3 ${p.rel}`;
      describe = `run_python ${p.rel}`;
    } else {
      const code = args.code!;
      if (Buffer.byteLength(code) <= MAX_ARG_BYTES) argv = ['python3', '-u', '-c', code];
      else {
        argv = ['python3', '-u', '-'];
        stdin = code;
      }
      shown = code;
      describe = `run_python: ${oneLine(code)}`;
    }
    const executor = requireExecutor(ctx);
    return {
      describe: () => describe,
      preview: async () => shown,
      async execute() {
        const r = await executor.run(argv, {timeoutMs: ctx.commandTimeoutMs, signal: ctx.signal, stdin});
        return commandOutcome(r, ctx.commandTimeoutMs);
      },
    };
  },
};
