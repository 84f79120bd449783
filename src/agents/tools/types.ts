/**
 * The contract of an agent tool. Each tool is one file in this folder exporting an AgentTool:
 *
 *   - `parameters`: one zod schema. It feeds the constrained-decoding grammar (embedded backend),
 *     the endpoint's `tools` JSON schema, and validation of every call.
 *   - `build(args, ctx)`: the validate step, split from execution (gemini-cli's
 *     DeclarativeTool.build): semantic checks the schema cannot express (a path that resolves
 *     outside the workspace, a file that does not exist…). It throws ToolRefusal with a message
 *     written for the model; it never touches the workspace.
 *   - the Invocation it returns: `preview()` (a unified diff for writes and edits, the command for
 *     runs: what an approval prompt shows) and `execute()`.
 *
 * A failure is a result the model reads (`ok: false`), never a crash of the loop.
 */
import type {z} from 'zod';
import type {ToolClass} from '../events.js';

/** What executing a tool produced, before the output budget is applied. */
export interface ToolOutcome {
  ok: boolean;
  /** The whole output: the transcript keeps it; the model sees it cut to the output budget. */
  output: string;
  /** Files the call changed (write_file, edit_file), with their previous content for undo. */
  changes?: FileChange[];
}

export interface FileChange {
  /** Path relative to the workspace root, with forward slashes. */
  path: string;
  /** The content before the call; null when the file did not exist. */
  before: string | null;
  /** The content after the call (the same as `before` under --dry-run: nothing was written). */
  after: string;
  /** Unified diff before → after. */
  diff: string;
}

/** The session container (or another executor) that runs run_python / run_shell. */
export interface CommandResult {
  exitCode: number | null;
  /** stdout and stderr interleaved as they arrived, capped at the executor's output limit. */
  output: string;
  /** Bytes produced in all, also those past the cap. */
  outputBytes: number;
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  /** Sent on the command's stdin, then stdin is closed. */
  stdin?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Working directory inside the container, relative to the workspace mount (default: its root). */
  cwd?: string;
}

export interface Executor {
  /** Where the workspace is mounted inside the executor (e.g. /workspace). */
  readonly workspaceMount: string;
  /** Runs argv (no shell unless argv says so) inside the sandbox. */
  run(argv: string[], options: RunOptions): Promise<CommandResult>;
  close(): Promise<void>;
}

export interface ToolContext {
  /** The workspace root, realpath'd. Every path a tool touches resolves inside it. */
  workspace: string;
  /** null when no sandbox can run commands; `executorUnavailable` then says why and how to fix it. */
  executor: Executor | null;
  executorUnavailable?: string;
  /** Writes are reported as diffs and not applied. */
  dryRun: boolean;
  /** Per-command limit for run_* tools, ms. */
  commandTimeoutMs: number;
  signal: AbortSignal;
}

export interface Invocation {
  /** One line for humans: `write_file hello.py (12 lines)`, `run_shell: ls -la`. */
  describe(): string;
  /** What an approval prompt shows: a unified diff for writes/edits, the command or code for runs. */
  preview(): Promise<string | undefined>;
  execute(): Promise<ToolOutcome>;
}

export interface AgentTool<S extends z.ZodType = z.ZodType> {
  name: string;
  class: ToolClass;
  /** What the model reads about the tool. */
  description: string;
  parameters: S;
  build(args: z.output<S>, ctx: ToolContext): Promise<Invocation>;
}

/** A call refused before it ran (confinement, a missing file, no sandbox): the model reads `message`. */
export class ToolRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolRefusal';
  }
}

/** The result the loop records and the model reads (`output` already cut to the budget). */
export interface ToolResult {
  ok: boolean;
  output: string;
  ms: number;
  truncated: boolean;
}
