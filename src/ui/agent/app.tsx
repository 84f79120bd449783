/**
 * The interactive agent: one ink app over an AgentSession. It renders the session's events (no
 * agent logic here), answers approval requests from the keyboard, and runs the slash commands.
 * A task sent while a reply (or the opening, or a slash command) runs is queued, drawn above the
 * prompt, and sent when the work before it ends; cancelling a reply drops the queue with a note.
 *
 * Rendering never slows generation: events are buffered as they are emitted and folded into the
 * view state in batches — streamed tokens at most every `flushMs` (≈30 fps), other events on the
 * next tick — so the model's token loop only pays for an array push.
 */
import React, {useCallback, useEffect, useRef, useState} from 'react';
import {Box, Static, Text, useWindowSize} from 'ink';
import type {AgentEvent} from '../../agents/events.js';
import type {AgentHooks, AgentSession, ApprovalDecision, ApprovalRequest} from '../../agents/session-api.js';
import {describePolicy, HELP_LINES, parseSlash, type SlashCommand} from './commands.js';
import {PromptInput} from './prompt-input.js';
import {initialViewState, reduceAll, type Action, type ReducerOptions, type ViewState} from './state.js';
import {ApprovalPrompt, DrawGuard, ItemView, LiveView, StatusLine} from './views.js';

export interface AppExit {
  exitCode: number;
  /** Opening or closing the session failed. */
  error?: unknown;
}

export interface AgentAppProps {
  /** Opens the session; `signal` is aborted when the user quits before it is open (stop loading). */
  open(hooks: AgentHooks, options: {signal: AbortSignal}): Promise<AgentSession>;
  onExit(result: AppExit): void;
  /** Sent as the first task once the session is open. */
  initialTask?: string;
  /** Longest wait between two renders of streamed tokens, ms. */
  flushMs?: number;
  /** Two Ctrl-C on an empty prompt within this many ms quit. */
  quitConfirmMs?: number;
  reducerOptions?: Partial<ReducerOptions>;
  /** Aborted from outside (SIGTERM, SIGHUP): quit as after Ctrl-C during work (exit 130). */
  quitSignal?: AbortSignal;
  /** Called after each batch of actions is folded in (tests, the benchmark). */
  onView?(view: ViewState): void;
}

interface PendingApproval {
  request: ApprovalRequest;
  resolve(decision: ApprovalDecision): void;
}

function errorAction(err: unknown, fallbackCode = 'INTERNAL'): Action {
  const e = err as {code?: unknown; message?: unknown; hint?: unknown} | null;
  const code = e && typeof e.code === 'string' ? e.code : fallbackCode;
  const message = e && typeof e.message === 'string' ? e.message : String(err);
  const hint = e && typeof e.hint === 'string' ? e.hint : null;
  return {type: 'ui_error', code, message: message.split('\n')[0] ?? message, hint};
}

export function AgentApp(props: AgentAppProps): React.JSX.Element {
  const flushMs = props.flushMs ?? 33;
  const quitConfirmMs = props.quitConfirmMs ?? 2000;
  const {columns, rows} = useWindowSize();
  const width = Math.max(20, columns || 80);

  const [view, setView] = useState<ViewState>(() => initialViewState(props.reducerOptions));
  const [phase, setPhase] = useState<'opening' | 'ready' | 'closing' | 'closed'>('opening');
  const [busy, setBusy] = useState<string | null>(null);
  const [approval, setApproval] = useState<PendingApproval | null>(null);
  const [hint, setHint] = useState<string | null>(null);

  const buffer = useRef<Action[]>([]);
  const timer = useRef<NodeJS.Timeout | null>(null);
  const opened = useRef(false);
  const session = useRef<AgentSession | null>(null);
  const turn = useRef<{controller: AbortController; promise: Promise<void>} | null>(null);
  const busyRef = useRef<string | null>(null);
  const approvalRef = useRef<PendingApproval | null>(null);
  const quitting = useRef(false);
  const lastCtrlC = useRef(0);
  const pendingExitCode = useRef(130);
  const opening = useRef(new AbortController());
  const history = useRef<string[]>([]);
  /** Tasks sent while work was running, oldest first; `queued` is what is drawn. */
  const queue = useRef<string[]>([]);
  const [queued, setQueued] = useState<string[]>([]);
  const onView = useRef(props.onView);
  onView.current = props.onView;

  /** Deltas folded in by the last flush: a fast stream is drawn less often (see dispatch). */
  const lastDeltas = useRef(0);

  const flush = useCallback(() => {
    if (timer.current) {
      clearTimeout(timer.current);
      timer.current = null;
    }
    if (!opened.current || buffer.current.length === 0) return;
    const batch = buffer.current;
    buffer.current = [];
    let deltas = 0;
    for (const a of batch) if (a.type === 'message_delta') deltas++;
    lastDeltas.current = deltas;
    setView((s) => {
      const next = reduceAll(s, batch);
      onView.current?.(next);
      return next;
    });
  }, []);

  const dispatch = useCallback(
    (a: Action) => {
      buffer.current.push(a);
      if (a.type === 'message_delta') {
        // ~30 frames a second for a model's pace; a stream much faster than that (thousands of
        // tokens a second) is drawn at ~8-15 frames so drawing never competes with generation
        const n = lastDeltas.current;
        const wait = n > 200 ? flushMs * 4 : n > 60 ? flushMs * 2 : flushMs;
        if (!timer.current) timer.current = setTimeout(flush, wait);
      } else {
        if (timer.current) clearTimeout(timer.current);
        timer.current = setTimeout(flush, 0);
      }
    },
    [flush, flushMs],
  );

  const setBusyBoth = (b: string | null) => {
    busyRef.current = b;
    setBusy(b);
  };

  const setApprovalBoth = (a: PendingApproval | null) => {
    approvalRef.current = a;
    setApproval(a);
  };

  const answerApproval = (decision: ApprovalDecision) => {
    const a = approvalRef.current;
    if (!a) return;
    setApprovalBoth(null);
    a.resolve(decision);
  };

  const quit = useCallback(
    (exitCode: number) => {
      if (quitting.current) return;
      quitting.current = true;
      pendingExitCode.current = exitCode;
      setPhase('closing');
      setHint('closing the session…');
      const t = turn.current;
      if (t) t.controller.abort();
      answerApproval('refused');
      void (async () => {
        if (t) await Promise.race([t.promise, new Promise((r) => setTimeout(r, 15_000).unref())]);
        flush();
        let error: unknown;
        if (session.current) {
          try {
            await session.current.close();
          } catch (e) {
            error = e;
          }
        } else if (!opened.current) {
          // still opening: stop it; the open effect closes what did open, or exits when it fails
          opening.current.abort();
          return;
        }
        finish(error === undefined ? {exitCode} : {exitCode, error});
      })();
    },
    [flush],
  );
  const exited = useRef(false);
  const exitOnce = (r: AppExit) => {
    if (exited.current) return;
    exited.current = true;
    props.onExit(r);
  };
  /** The last frame says the session is closed; then the app unmounts. */
  const finish = (r: AppExit) => {
    setPhase('closed');
    setHint(null);
    setTimeout(() => exitOnce(r), 20);
  };
  const quitRef = useRef(quit);
  quitRef.current = quit;

  const setQueue = (q: string[]) => {
    queue.current = q;
    setQueued(q);
  };
  /** Sends the oldest queued task once nothing runs (the session open, no reply, no command). */
  const startNextQueued = () => {
    if (quitting.current || !session.current || turn.current || busyRef.current) return;
    const [next, ...rest] = queue.current;
    if (next === undefined) return;
    setQueue(rest);
    startTurn(next);
  };
  /** A cancelled reply takes the queue with it: the user stopped the work, so nothing starts by itself. */
  const dropQueue = () => {
    const n = queue.current.length;
    if (n === 0) return;
    setQueue([]);
    // quitting: the session is closing anyway, no note
    if (quitting.current) return;
    dispatch({type: 'ui_info', text: `${n} queued task${n === 1 ? '' : 's'} dropped with the cancelled reply (↑ brings ${n === 1 ? 'it' : 'them'} back)`});
  };

  const startTurn = (task: string) => {
    const s = session.current;
    if (!s) return;
    const controller = new AbortController();
    dispatch({type: 'ui_user', text: task});
    setHint(null);
    const promise = s
      .runTurn(task, {signal: controller.signal})
      .then(
        () => undefined,
        (err: unknown) => dispatch(errorAction(err)),
      )
      .finally(() => {
        if (turn.current?.controller === controller) turn.current = null;
        if (approvalRef.current) answerApproval('refused');
        setBusyBoth(null);
        setHint((h) => (h === 'cancelling…' ? null : h));
        flush();
        if (controller.signal.aborted) dropQueue();
        else setTimeout(startNextQueued, 0);
      });
    turn.current = {controller, promise};
    setBusyBoth('reply');
  };

  const cancelTurn = () => {
    const t = turn.current;
    if (!t) return;
    if (t.controller.signal.aborted) return;
    t.controller.abort();
    answerApproval('refused');
    setHint('cancelling…');
  };

  const runCommand = async (cmd: SlashCommand) => {
    const s = session.current;
    const info = (text: string) => dispatch({type: 'ui_info', text});
    if (cmd.name === 'exit') return quit(turn.current ? 130 : 0);
    if (cmd.name === 'help') return info(HELP_LINES.join('\n'));
    if (cmd.name === 'invalid') return info(cmd.message);
    if (!s) return info('the session is still opening…');
    switch (cmd.name) {
      case 'plan': {
        const steps = s.plan.length > 0 ? [...s.plan] : (view.plan ?? []);
        if (steps.length === 0) return info('no plan yet: the agent states one at the start of a task');
        return dispatch({type: 'ui_plan', steps: steps.map((p) => ({text: p.text, status: p.status}))});
      }
      case 'model':
        return info(`model ${s.model.id} · ${s.model.backend} · context ${s.model.contextSize} tokens · ${s.model.source}`);
      case 'approve':
        if (cmd.policy) s.setApprovals(cmd.policy);
        return info(describePolicy(cmd.policy ?? s.approvals));
      default:
        break;
    }
    if (turn.current || busyRef.current) return info(`/${cmd.name} waits for the reply to end (Ctrl-C cancels it)`);
    setBusyBoth(`/${cmd.name}`);
    try {
      if (cmd.name === 'undo') {
        const r = await s.undo(cmd.writes);
        info(
          r.writes === 0
            ? 'nothing to undo'
            : `undone ${r.writes} write${r.writes === 1 ? '' : 's'}: restored ${r.restored.length > 0 ? r.restored.join(', ') : '(no files)'}`,
        );
      } else if (cmd.name === 'compact') {
        await s.compact();
        info('conversation summarised');
      } else if (cmd.name === 'clear') {
        await s.clear();
        info('new conversation (same session file; the workspace is as it was)');
      }
    } catch (err) {
      dispatch(errorAction(err));
    } finally {
      setBusyBoth(null);
      setTimeout(startNextQueued, 0);
    }
  };

  const onSubmit = (text: string) => {
    const h = history.current;
    if (h[h.length - 1] !== text) h.push(text);
    setHint(null);
    lastCtrlC.current = 0;
    const cmd = parseSlash(text);
    if (cmd) {
      dispatch({type: 'ui_command', text: text.trim()});
      void runCommand(cmd);
      return;
    }
    if (!session.current || turn.current || busyRef.current || queue.current.length > 0) return setQueue([...queue.current, text]);
    startTurn(text);
  };

  const onInterrupt = () => {
    if (turn.current) {
      // a second Ctrl-C while the cancelled turn is still winding down quits
      if (turn.current.controller.signal.aborted) return quit(130);
      return cancelTurn();
    }
    if (!session.current || busyRef.current) {
      const now = Date.now();
      if (now - lastCtrlC.current < quitConfirmMs) return quit(130);
      lastCtrlC.current = now;
      return setHint('work is running: Ctrl-C again to quit');
    }
    const now = Date.now();
    if (now - lastCtrlC.current < quitConfirmMs) return quit(0);
    lastCtrlC.current = now;
    setHint('Ctrl-C again to quit (or /exit, Ctrl-D)');
  };

  useEffect(() => {
    const hooks: AgentHooks = {
      emit: (e: AgentEvent) => dispatch(e),
      approve: (request) =>
        new Promise<ApprovalDecision>((resolve) => {
          if (quitting.current || turn.current?.controller.signal.aborted) return resolve('refused');
          // what led to the request (the plan, the streamed reply, the call) is drawn before it
          flush();
          setApprovalBoth({request, resolve});
        }),
    };
    let alive = true;
    props.open(hooks, {signal: opening.current.signal}).then(
      (s) => {
        session.current = s;
        // A resumed session starts with its history drawn; events emitted while opening that are
        // also in the history are drawn once.
        const seen = new Set(s.history.map((e) => JSON.stringify(e)));
        const rest = buffer.current.filter((a) => !seen.has(JSON.stringify(a)));
        buffer.current = [];
        opened.current = true;
        setView((v) => {
          const next = reduceAll(v, [...s.history, ...rest]);
          onView.current?.(next);
          return next;
        });
        if (quitting.current) {
          void s.close().then(
            () => finish({exitCode: pendingExitCode.current}),
            (error: unknown) => finish({exitCode: pendingExitCode.current, error}),
          );
          return;
        }
        setPhase('ready');
        if (props.initialTask && alive) startTurn(props.initialTask);
        else startNextQueued();
      },
      (error: unknown) => {
        opened.current = true;
        // a quit while opening stops the opening: that failure is the quit, not an error
        exitOnce(quitting.current ? {exitCode: pendingExitCode.current} : {exitCode: 1, error});
      },
    );
    return () => {
      alive = false;
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  useEffect(() => {
    const sig = props.quitSignal;
    if (!sig) return;
    const onAbort = () => quitRef.current(130);
    if (sig.aborted) onAbort();
    sig.addEventListener('abort', onAbort, {once: true});
    return () => sig.removeEventListener('abort', onAbort);
  }, [props.quitSignal]);

  const working = busy === 'reply' ? 'working — Ctrl-C cancels · Enter queues a task' : busy ? `${busy}…` : null;
  const shownQueue = queued.slice(0, 3);
  const liveRows = Math.max(3, Math.min(12, Math.floor((rows || 24) / 3)));
  return (
    <Box flexDirection="column">
      <Static items={view.items}>
        {(item) => (
          <Box key={item.id} flexDirection="column" width={width}>
            <DrawGuard>
              <ItemView item={item} />
            </DrawGuard>
          </Box>
        )}
      </Static>
      {phase === 'opening' ? <Text color="gray">opening the session (loading the model)…</Text> : null}
      {/* keyed by the history's length: a failed draw of the live region lasts until the next item */}
      <DrawGuard key={view.items.length}>
        <LiveView view={view} width={width} maxRows={liveRows} />
      </DrawGuard>
      {approval ? (
        <ApprovalPrompt
          request={approval.request}
          isActive={phase !== 'closing'}
          onDecide={answerApproval}
          onCancel={() => {
            answerApproval('refused');
            cancelTurn();
          }}
        />
      ) : null}
      {queued.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          {shownQueue.map((q, i) => (
            <Text key={i} color="gray" wrap="truncate-end">
              queued › {q.replace(/\s*\n\s*/g, ' ⏎ ')}
            </Text>
          ))}
          {queued.length > shownQueue.length ? <Text color="gray">…and {queued.length - shownQueue.length} more queued</Text> : null}
        </Box>
      ) : null}
      {hint || working ? (
        <Box marginTop={1}>
          <Text color={hint ? 'yellow' : 'gray'}>{hint ?? working}</Text>
        </Box>
      ) : null}
      {phase === 'closed' ? (
        <Box marginTop={1}>
          <Text color="gray">session {view.status.session ?? ''} closed</Text>
        </Box>
      ) : null}
      {phase !== 'closed' ? (
      <Box marginTop={hint || working ? 0 : 1}>
        <PromptInput
          isActive={phase !== 'closing' && !approval}
          busy={busy !== null || phase === 'opening'}
          history={history.current}
          onSubmit={onSubmit}
          onInterrupt={onInterrupt}
          onEof={() => quit(turn.current || busyRef.current ? 130 : 0)}
          onEscape={() => {
            if (turn.current) cancelTurn();
          }}
          placeholder={approval ? 'answer the approval above' : undefined}
        />
      </Box>
      ) : null}
      <StatusLine status={view.status} width={width} />
    </Box>
  );
}
