/** run_shell: a bash command line in the session container (cwd /workspace). */
import {z} from 'zod';
import {commandOutcome, oneLine, requireExecutor} from './command.js';
import {ToolRefusal, type AgentTool} from './types.js';

const parameters = z.object({
  command: z.string().describe('A bash command line, run in the workspace root, e.g. "python3 -m unittest -v"'),
});

export const runShell: AgentTool<typeof parameters> = {
  name: 'run_shell',
  class: 'execute',
  description: 'Run a bash command in the sandbox (cwd = workspace root, no network, Debian with python3 and coreutils). Prints stdout+stderr and the exit code.',
  parameters,
  async build(args, ctx) {
    if (args.command.trim() === '') throw new ToolRefusal('command is empty');
    const executor = requireExecutor(ctx);
    return {
      describe: () => `run_shell: ${oneLine(args.command)}`,
      preview: async () => args.command,
      async execute() {
        const r = await executor.run(['bash', '-c', args.command], {timeoutMs: ctx.commandTimeoutMs, signal: ctx.signal});
        return commandOutcome(r, ctx.commandTimeoutMs);
      },
    };
  },
};
