/**
 * Reflect checks: commands june runs itself in the session container after the model says it is
 * done (`--check CMD`, or in benchmark mode the task's visible examples). Their verdict comes from
 * the exit code of a command june chose, never from what the model claims.
 */
import type {CheckResult} from './events.js';
import type {Executor} from './tools/types.js';

export interface CheckSpec {
  name: string;
  argv: string[];
  stdin?: string;
  timeoutMs?: number;
}

/** `--check "python3 -m unittest"` → a shell command run at the workspace root. */
export function shellCheck(command: string): CheckSpec {
  return {name: command, argv: ['/bin/sh', '-c', command]};
}

const CHECK_OUTPUT = 8 * 1024;

export async function runChecks(
  checks: readonly CheckSpec[],
  executor: Executor | null,
  unavailable: string | undefined,
  signal: AbortSignal,
  defaultTimeoutMs: number,
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const c of checks) {
    if (!executor) {
      out.push({name: c.name, ok: false, output: `not run: ${unavailable ?? 'no sandbox in this session'}`, ms: 0});
      continue;
    }
    const r = await executor.run(c.argv, {
      timeoutMs: c.timeoutMs ?? defaultTimeoutMs,
      signal,
      ...(c.stdin !== undefined ? {stdin: c.stdin} : {}),
    });
    const tail = r.output.length > CHECK_OUTPUT ? `…${r.output.slice(-CHECK_OUTPUT)}` : r.output;
    const why = r.timedOut ? `\n[timed out after ${c.timeoutMs ?? defaultTimeoutMs} ms]` : r.exitCode !== 0 ? `\n[exit code ${r.exitCode ?? 'none (killed)'}]` : '';
    out.push({name: c.name, ok: r.exitCode === 0 && !r.timedOut, output: tail + why, ms: r.ms});
  }
  return out;
}
