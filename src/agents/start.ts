/**
 * Opening a whole agent session from user-level options, for every renderer (headless command,
 * TUI, run-benchmarks --agent): the workspace checked, the model opened through the runtime's one
 * door, the session container started (or its absence explained once), an earlier transcript
 * folded for --resume. close() releases all of it: the container is removed.
 */
import {realpath, stat} from 'node:fs/promises';
import {JuneError} from '../errors.js';
import type {ModelHost} from '../runtime/model-host.js';
import {type AgentOptions, openAgentSession} from './agent.js';
import type {AgentSession} from './session-api.js';
import {readTranscript} from './transcript.js';
import type {ToolExecutor} from './tools/executor.js';
import type {Executor} from './tools/types.js';

export interface StartOptions extends Omit<AgentOptions, 'host' | 'executor' | 'executorUnavailable' | 'resume' | 'workspace'> {
  workspace: string;
  /** Opens the model (the caller knows the flags; typically openModel). */
  openHost: () => Promise<ModelHost>;
  /**
   * Starts the session container (openToolExecutor): when Docker cannot give one, that is said once
   * (onNote) and run_* calls are refused with the reason; other failures end the start.
   */
  openExecutor?: (workspace: string) => Promise<ToolExecutor>;
  /** An existing session to continue: {id, path} (from locateSession). */
  resume?: {id: string; path: string};
  /** Told once when the sandbox cannot be started. */
  onNote?: (line: string) => void;
}

export interface StartedSession {
  session: AgentSession;
  host: ModelHost;
  executor: Executor | null;
  /** Closes the session, removes the container, frees the model. */
  close(): Promise<void>;
}

/** A workspace that exists and is a directory, realpath'd. */
export async function checkWorkspace(dir: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch {
    throw new JuneError('WORKSPACE_INVALID', `the workspace ${dir} does not exist`, {hint: 'create it, or pass --workspace DIR (default: the current directory)'});
  }
  if (!(await stat(real)).isDirectory())
    throw new JuneError('WORKSPACE_INVALID', `the workspace ${dir} is not a directory`, {hint: 'pass a directory with --workspace DIR'});
  return real;
}

export async function startAgentSession(o: StartOptions): Promise<StartedSession> {
  const resumed = o.resume ? await readTranscript(o.resume.path) : null;
  const workspace = await checkWorkspace(resumed ? resumed.header.workspace : o.workspace);
  const host = await o.openHost();
  let executor: Executor | null = null;
  let unavailable: string | undefined;
  if (o.openExecutor) {
    let opened: ToolExecutor;
    try {
      opened = await o.openExecutor(workspace);
    } catch (err) {
      await host.close();
      throw err;
    }
    executor = opened.executor;
    if (!opened.available) {
      unavailable = opened.detail;
      o.onNote?.(`No sandbox for run_python/run_shell in this session: ${unavailable}`);
    }
  } else unavailable = 'this session was started without a sandbox';
  try {
    const {openHost: _h, openExecutor: _e, resume: _r, onNote: _n, ...agentOptions} = o;
    const session = await openAgentSession({
      ...agentOptions,
      workspace,
      host,
      executor,
      ...(unavailable !== undefined ? {executorUnavailable: unavailable} : {}),
      ...(resumed && o.resume ? {resume: {id: o.resume.id, state: resumed}} : {}),
    });
    let closed = false;
    return {
      session,
      host,
      executor,
      async close() {
        if (closed) return;
        closed = true;
        await session.close().catch(() => undefined);
        await executor?.close().catch(() => undefined);
        await host.close().catch(() => undefined);
      },
    };
  } catch (err) {
    await executor?.close().catch(() => undefined);
    await host.close().catch(() => undefined);
    throw err;
  }
}
