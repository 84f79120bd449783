/**
 * `june coding-agent --interactive`: the entry point the command calls.
 *
 *   assertInteractiveTerminal();                       // USAGE (exit 2) without a TTY
 *   const {runInteractive} = await import('../ui/agent/index.js');   // lazily: ink and React are heavy
 *   const {exitCode} = await runInteractive({open: (hooks, {signal: quit}) => startAgentSession({...opts, hooks, signal: AbortSignal.any([signal, quit])}), signal});
 *   this.exit(exitCode);
 *
 * `open` receives the hooks the session must be opened with (emit, approve); the TUI renders every
 * event the session emits and answers its approval requests. The session is closed (its container
 * removed) before runInteractive resolves. A failure to open or to close the session is thrown
 * after the screen is restored, for the command to report as usual.
 */
import './production.js';
import React from 'react';
import {render} from 'ink';
import {JuneError} from '../../errors.js';
import type {AgentHooks, AgentSession} from '../../agents/session-api.js';
import {AgentApp, type AppExit} from './app.js';
import type {ReducerOptions} from './state.js';

/**
 * What `open` resolves with: the session, or the session with the close that releases everything
 * around it (src/agents/start.ts's StartedSession: the session, its container, the model).
 */
export type OpenedSession = AgentSession | {session: AgentSession; close(): Promise<void>};

export interface InteractiveOptions {
  /**
   * Opens the session with the TUI's hooks. `signal` is aborted when the user quits while it is
   * still opening (Ctrl-C while a model loads: the terminal is raw, so no SIGINT comes).
   */
  open(hooks: AgentHooks, options: {signal: AbortSignal}): Promise<OpenedSession>;
  /** Aborted from outside (the command's SIGTERM): quit as after work was cut (exit 130). */
  signal?: AbortSignal;
  /** A first task, sent as soon as the session is open. */
  initialTask?: string;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /** Most frames per second ink draws (default 30). */
  maxFps?: number;
  reducerOptions?: Partial<ReducerOptions>;
}

/** Throws USAGE (exit 2) when stdin or stdout is not a terminal: --interactive needs one. */
export function assertInteractiveTerminal(
  stdin: {isTTY?: boolean} = process.stdin,
  stdout: {isTTY?: boolean} = process.stdout,
): void {
  if (stdin.isTTY === true && stdout.isTTY === true) return;
  const which = stdin.isTTY !== true && stdout.isTTY !== true ? 'stdin and stdout are' : stdin.isTTY !== true ? 'stdin is' : 'stdout is';
  throw new JuneError('USAGE', `--interactive needs a terminal, and ${which} not one`, {
    hint: 'run it in a terminal, or run headless with --task "…" (add --json for NDJSON events)',
  });
}

function asSession(o: OpenedSession): AgentSession {
  if ('runTurn' in o) return o;
  const {session, close} = o;
  // the session as the renderer holds it, with close() releasing the container and the model too
  return new Proxy(session, {
    get(target, prop) {
      if (prop === 'close') return close;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export async function runInteractive(options: InteractiveOptions): Promise<{exitCode: number}> {
  let exit: AppExit = {exitCode: 1, error: new JuneError('INTERNAL', 'the interactive session ended without an exit code')};
  const quit = new AbortController();
  const onSignal = () => quit.abort();
  const onOuter = () => quit.abort();
  // SIGHUP (the terminal went away) and, unless the caller handles it, SIGTERM quit cleanly
  const signals: NodeJS.Signals[] = options.signal ? ['SIGHUP'] : ['SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  if (options.signal?.aborted) quit.abort();
  options.signal?.addEventListener('abort', onOuter, {once: true});
  let instance: ReturnType<typeof render> | null = null;
  let exited = false;
  const onExit = (r: AppExit) => {
    exit = r;
    exited = true;
    instance?.unmount();
  };
  try {
    // (no JSX in this file: its first import must run before React loads)
    instance = render(
      React.createElement(AgentApp, {
        open: async (hooks, o) => asSession(await options.open(hooks, o)),
        onExit,
        quitSignal: quit.signal,
        ...(options.initialTask !== undefined ? {initialTask: options.initialTask} : {}),
        ...(options.reducerOptions ? {reducerOptions: options.reducerOptions} : {}),
      }),
      {
        stdin: options.stdin ?? process.stdin,
        stdout: options.stdout ?? process.stdout,
        stderr: options.stderr ?? process.stderr,
        exitOnCtrlC: false,
        // --interactive was asked for on a terminal (the command checked the TTY): draw it live even
        // when CI is set, which ink would otherwise take as "write only the final frame"
        ...(options.stdout === undefined ? {interactive: true} : {}),
        patchConsole: true,
        maxFps: options.maxFps ?? 30,
        incrementalRendering: true,
      },
    );
    if (exited) instance.unmount();
    await instance.waitUntilExit();
  } finally {
    for (const s of signals) process.off(s, onSignal);
    options.signal?.removeEventListener('abort', onOuter);
  }
  if (exit.error !== undefined) throw exit.error;
  return {exitCode: exit.exitCode};
}

export {AgentApp} from './app.js';
export type {AgentAppProps, AppExit} from './app.js';
