/**
 * The executor a session's run_python / run_shell use: the session container when Docker can give
 * one, otherwise null with the reason (what session_start's `sandbox` reports and what run_* calls
 * answer), so a session without Docker still starts and its file tools still work.
 */
import {JuneError} from '../../errors.js';
import {openSessionContainer, type SessionContainerOptions} from '../../sandbox/session.js';
import type {Executor} from './types.js';

export interface ToolExecutor {
  executor: Executor | null;
  available: boolean;
  /** One line: the container, or why there is none and how to fix it. */
  detail: string;
}

const NO_SANDBOX = new Set(['DOCKER_UNAVAILABLE', 'SANDBOX_IMAGE_MISSING', 'SANDBOX_BUILD_FAILED', 'SANDBOX_FAILURE']);

/** Opens the session container; a missing engine or image gives {executor: null, detail}. Other errors throw. */
export async function openToolExecutor(opts: SessionContainerOptions): Promise<ToolExecutor> {
  try {
    const sc = await openSessionContainer(opts);
    return {executor: sc, available: true, detail: `session container ${sc.id.slice(0, 12)}: the workspace at ${sc.workspaceMount}, commands as uid:gid ${sc.user}, no network`};
  } catch (err) {
    if (err instanceof JuneError && NO_SANDBOX.has(err.code))
      return {executor: null, available: false, detail: `run_python and run_shell need the Docker sandbox: ${err.message}${err.hint ? ` (${err.hint})` : ''}`};
    throw err;
  }
}
