/** run_js: a JavaScript snippet in a fresh isolated-vm isolate (no Node APIs, no I/O); console.log is captured. */
import {z} from 'zod';
import {runJsSnippet} from '../../sandbox/js.js';
import {oneLine} from './command.js';
import {ToolRefusal, type AgentTool} from './types.js';

/** Heap of the isolate, MiB. */
const JS_MEMORY_MB = 128;
const JS_OUTPUT_BYTES = 256 * 1024;

const parameters = z.object({
  code: z.string().describe('JavaScript to run; console.log output is returned'),
});

export const runJs: AgentTool<typeof parameters> = {
  name: 'run_js',
  class: 'execute',
  description: 'Run a JavaScript snippet in an isolated V8 (no Node APIs, no files, no network) and print its console.log output. For quick checks of logic.',
  parameters,
  async build(args, ctx) {
    if (args.code.trim() === '') throw new ToolRefusal('code is empty');
    return {
      describe: () => `run_js: ${oneLine(args.code)}`,
      preview: async () => args.code,
      async execute() {
        const v = await runJsSnippet({code: args.code, tests: [], timeoutMs: ctx.commandTimeoutMs, memoryMb: JS_MEMORY_MB, outputBytes: JS_OUTPUT_BYTES});
        const out = v.output === '' ? '(no output)' : v.output.replace(/\n$/, '');
        const ms = `${Math.round(v.wallMs)} ms`;
        const cut = v.outputBytes > Buffer.byteLength(v.output) ? ` [${v.outputBytes} bytes logged; the first ${JS_OUTPUT_BYTES} kept]` : '';
        if (v.result.status === 'pass') return {ok: true, output: `${out}\n[ok, ${ms}]${cut}`};
        if (v.result.status === 'timeout') return {ok: false, output: `${out}\n[timed out after ${ctx.commandTimeoutMs} ms: the snippet was stopped]${cut}`};
        return {ok: false, output: `${out}\n[error: ${(v.result.reason ?? 'failed').replace(/^program failed: /, '')}]${cut}`};
      },
    };
  },
};
