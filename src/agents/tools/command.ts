/** What run_python and run_shell share: the executor check and how a command's result reads. */
import type {CommandResult, Executor, ToolContext, ToolOutcome} from './types.js';
import {ToolRefusal} from './types.js';

export function requireExecutor(ctx: ToolContext): Executor {
  if (ctx.executor) return ctx.executor;
  throw new ToolRefusal(ctx.executorUnavailable ?? 'no sandbox is available to run commands in this session');
}

function secs(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms / 1000)} s`;
}

/** The command's output followed by one status line the model can act on. */
export function commandOutcome(r: CommandResult, timeoutMs: number): ToolOutcome {
  const parts: string[] = [];
  if (r.output !== '') parts.push(r.output.endsWith('\n') ? r.output.slice(0, -1) : r.output);
  else parts.push('(no output)');
  let status: string;
  if (r.timedOut) status = `[timed out after ${secs(timeoutMs)}: the command was killed; make it faster or run less at once]`;
  else if (r.exitCode === null) status = `[interrupted after ${secs(r.ms)}: the command was killed]`;
  else status = `[exit code ${r.exitCode}, ${secs(r.ms)}]`;
  if (r.outputBytes > Buffer.byteLength(r.output)) status += ` [the command wrote ${r.outputBytes} bytes; the sandbox kept the first and last part]`;
  parts.push(status);
  return {ok: r.exitCode === 0 && !r.timedOut, output: parts.join('\n')};
}

export function oneLine(text: string, max = 60): string {
  const first = text.trim().split('\n')[0] ?? '';
  const more = text.trim().includes('\n') ? ' …' : '';
  return first.length > max ? `${first.slice(0, max)}…` : first + more;
}
