/**
 * The TUI's view state: a pure reducer from the agent's events (src/agents/events.ts) — plus a few
 * notes the UI itself adds (slash-command answers, local errors) — to what the screen shows.
 *
 * `items` is append-only: an item, once there, never changes. The renderer hands it to ink's
 * <Static> region, so a long session never re-renders its history. What still changes — the reply
 * being streamed, the plan of the turn in flight, tool calls waiting for their result — lives in the
 * other fields and is drawn below the history until it is finished.
 */
import type {AgentEvent, DoneReason, PlanStepStatus, ToolClass} from '../../agents/events.js';

export type Decision = 'approved' | 'refused' | 'always';

export interface PlanStep {
  text: string;
  status: PlanStepStatus;
}

export interface ToolView {
  id: string;
  name: string;
  args: unknown;
  class?: ToolClass;
  decision?: Decision;
  by?: 'policy' | 'user';
  /** The diff or command of the call's approval request. */
  diff?: string;
  result?: {ok: boolean; output: string; ms: number; truncated: boolean};
}

interface ItemBase {
  /** Unique and increasing: the React key in <Static>. */
  id: number;
}

export type Item = ItemBase &
  (
    | {
        kind: 'session';
        session: string;
        model: string;
        backend: 'embedded' | 'endpoint';
        workspace: string;
        resumed: boolean;
        sandbox: {available: boolean; detail: string} | null;
      }
    | {kind: 'user'; text: string}
    | {kind: 'command'; text: string}
    /** `continued`: a later chunk of the same reply (long replies are committed line block by line block). */
    | {kind: 'assistant'; text: string; continued: boolean}
    | {kind: 'thought'; text: string}
    | {kind: 'plan'; steps: PlanStep[]}
    | {kind: 'tool'; tool: ToolView}
    | {
        kind: 'reflection';
        ok: boolean;
        checks: {name: string; ok: boolean; output: string; ms: number}[];
        verdict: {done: boolean; reason: string} | null;
        revision: number | null;
      }
    | {kind: 'final'; text: string}
    | {kind: 'done'; reason: DoneReason; steps: number; toolCalls: number; tokens: number; ms: number}
    | {kind: 'error'; code: string; message: string; hint: string | null}
    | {kind: 'info'; text: string}
    | {kind: 'compaction'; before: number; after: number; how: 'elide' | 'summary'}
  );

/** Notes the UI adds to the conversation (answers to slash commands, failures of its own calls). */
export type UiAction =
  | {type: 'ui_info'; text: string}
  | {type: 'ui_error'; code: string; message: string; hint: string | null}
  /**
   * A task was sent: drawn at once, and the turn counts as running until its `done`. The loop's own
   * `user` event for the same text is then not drawn twice.
   */
  | {type: 'ui_user'; text: string}
  /** A slash command the user typed, echoed. */
  | {type: 'ui_command'; text: string}
  /** `/plan`: the plan drawn into the conversation. */
  | {type: 'ui_plan'; steps: PlanStep[]};

export type Action = AgentEvent | UiAction;

export interface StatusView {
  session: string | null;
  model: string | null;
  backend: 'embedded' | 'endpoint' | null;
  tokensPerSecond: number | null;
  contextUsed: number | null;
  contextSize: number | null;
  /** Tool calls in the current (or last) turn. */
  step: number;
  maxSteps: number | null;
}

export interface ReducerOptions {
  /**
   * A streamed reply's complete lines are moved to the history once this many are waiting, so the
   * live region stays a few lines high however long the reply gets.
   */
  commitLines: number;
}

export interface ViewState {
  items: Item[];
  nextId: number;
  /** Text of the reply in flight not yet moved to the history. */
  streaming: string;
  /** Text of the reply in flight already moved to the history (chunks). */
  committed: string;
  /** The whole text of the last finished reply: a final answer equal to it is not drawn twice. */
  lastReply: string | null;
  /** The plan of the turn in flight (drawn live, ticking); copied to the history when the turn ends. */
  plan: PlanStep[] | null;
  /** Calls waiting for their result, in order. */
  tools: ToolView[];
  status: StatusView;
  running: boolean;
  /** The session's step (tool calls so far) as of the last event. */
  sessionStep: number;
  /** The session's step at the start of the turn: `status.step` counts from it. */
  turnBaseStep: number;
  /** A task the UI drew itself, whose `user` event is still to come. */
  echoedUser: string | null;
  lastDone: DoneReason | null;
  options: ReducerOptions;
}

export const DEFAULT_REDUCER_OPTIONS: ReducerOptions = {commitLines: 8};

export function initialViewState(options: Partial<ReducerOptions> = {}): ViewState {
  return {
    items: [],
    nextId: 1,
    streaming: '',
    committed: '',
    lastReply: null,
    plan: null,
    tools: [],
    status: {
      session: null,
      model: null,
      backend: null,
      tokensPerSecond: null,
      contextUsed: null,
      contextSize: null,
      step: 0,
      maxSteps: null,
    },
    running: false,
    sessionStep: 0,
    turnBaseStep: 0,
    echoedUser: null,
    lastDone: null,
    options: {...DEFAULT_REDUCER_OPTIONS, ...options},
  };
}

type NewItem = Item extends infer I ? (I extends Item ? Omit<I, 'id'> : never) : never;

function push(s: ViewState, ...items: NewItem[]): ViewState {
  if (items.length === 0) return s;
  let id = s.nextId;
  const added = items.map((it) => ({...it, id: id++}) as Item);
  return {...s, items: [...s.items, ...added], nextId: id};
}

/** Moves streamed text of a reply that ended without its `message` (a tool call, an error) to the history. */
function flushText(s: ViewState): ViewState {
  if (s.streaming.length === 0 && s.committed.length === 0) return s;
  let out = s;
  if (out.streaming.trim().length > 0)
    out = push(out, {kind: 'assistant', text: out.streaming, continued: out.committed.length > 0});
  return {...out, streaming: '', committed: '', lastReply: s.committed + s.streaming};
}

function flushTools(s: ViewState): ViewState {
  if (s.tools.length === 0) return s;
  return {...push(s, ...s.tools.map((tool): NewItem => ({kind: 'tool', tool}))), tools: []};
}

function updateTool(s: ViewState, id: string, patch: Partial<ToolView>): ViewState {
  if (!s.tools.some((t) => t.id === id)) return s;
  return {...s, tools: s.tools.map((t) => (t.id === id ? {...t, ...patch} : t))};
}

/** Streamed text: complete lines beyond `commitLines` go to the history, the rest stays live. */
function appendDelta(s: ViewState, text: string): ViewState {
  const streaming = s.streaming + text;
  let newlines = 0;
  for (let i = streaming.indexOf('\n'); i !== -1; i = streaming.indexOf('\n', i + 1)) newlines++;
  if (newlines < s.options.commitLines) return {...s, streaming};
  const cut = streaming.lastIndexOf('\n');
  const chunk = streaming.slice(0, cut);
  const pushed = push(s, {kind: 'assistant', text: chunk, continued: s.committed.length > 0});
  return {...pushed, streaming: streaming.slice(cut + 1), committed: s.committed + streaming.slice(0, cut + 1)};
}

export function reduce(state: ViewState, action: Action): ViewState {
  let s = state;
  // Every event carries the session's step: the status line counts the turn's calls from it.
  if ('step' in action && action.type !== 'user') {
    const step = Math.max(0, action.step - s.turnBaseStep);
    if (step !== s.status.step || action.step !== s.sessionStep) s = {...s, sessionStep: action.step, status: {...s.status, step}};
  }
  switch (action.type) {
    case 'session_start':
      s = flushText(s);
      return push(
        {
          ...s,
          status: {
            ...s.status,
            session: action.session,
            model: action.model.id,
            backend: action.model.backend,
            contextSize: action.model.contextSize,
            maxSteps: action.budgets.maxSteps,
          },
        },
        {
          kind: 'session',
          session: action.session,
          model: action.model.id,
          backend: action.model.backend,
          workspace: action.workspace,
          resumed: action.resumed === true,
          sandbox: action.sandbox ?? null,
        },
      );
    case 'user': {
      s = flushTools(flushText(s));
      const echoed = s.echoedUser !== null && s.echoedUser === action.text;
      s = {...s, running: true, plan: echoed ? s.plan : null, lastReply: echoed ? s.lastReply : null, echoedUser: null};
      s = {...s, sessionStep: action.step, turnBaseStep: action.step, status: {...s.status, step: 0}};
      return echoed ? s : push(s, {kind: 'user', text: action.text});
    }
    case 'ui_user':
      s = flushTools(flushText(s));
      return push(
        {...s, running: true, plan: null, lastReply: null, echoedUser: action.text, turnBaseStep: s.sessionStep, status: {...s.status, step: 0}},
        {kind: 'user', text: action.text},
      );
    case 'ui_command':
      return push(flushText(s), {kind: 'command', text: action.text});
    case 'ui_plan':
      return push(flushText(s), {kind: 'plan', steps: action.steps});
    case 'plan':
      return {...s, plan: action.steps.map((text) => ({text, status: 'pending' as const}))};
    case 'plan_update':
      return {...s, plan: action.steps.map((st) => ({text: st.text, status: st.status}))};
    case 'thought':
      return push(flushText(s), {kind: 'thought', text: action.text});
    case 'message_delta':
      return appendDelta(s, action.text);
    case 'message': {
      // The message is the reply's whole text; what was streamed of it is already on screen.
      let text: string;
      const continued = s.committed.length > 0;
      if (!continued) text = action.text;
      else if (action.text.startsWith(s.committed)) text = action.text.slice(s.committed.length);
      else text = s.streaming;
      s = {...s, streaming: '', committed: '', lastReply: action.text};
      return text.trim().length > 0 ? push(s, {kind: 'assistant', text, continued}) : s;
    }
    case 'tool_call':
      s = flushText(s);
      return {...s, tools: [...s.tools.filter((t) => t.id !== action.id), {id: action.id, name: action.name, args: action.args}]};
    case 'approval_request':
      s = flushText(s);
      if (!s.tools.some((t) => t.id === action.id))
        s = {...s, tools: [...s.tools, {id: action.id, name: action.tool, args: action.args}]};
      return updateTool(s, action.id, {class: action.class, ...(action.diff !== undefined ? {diff: action.diff} : {})});
    case 'approval':
      return updateTool(s, action.id, {decision: action.decision, class: action.class, ...(action.by ? {by: action.by} : {})});
    case 'tool_result': {
      s = flushText(s);
      const result = {ok: action.ok, output: action.output, ms: action.ms, truncated: action.truncated};
      const tool = s.tools.find((t) => t.id === action.id) ?? {id: action.id, name: '(unknown call)', args: null};
      return push({...s, tools: s.tools.filter((t) => t.id !== action.id)}, {kind: 'tool', tool: {...tool, result}});
    }
    case 'usage':
      return {
        ...s,
        status: {
          ...s.status,
          tokensPerSecond: action.tokensPerSecond ?? s.status.tokensPerSecond,
          contextUsed: action.contextUsed,
          contextSize: action.contextSize,
        },
      };
    case 'compaction':
      return push(flushText(s), {kind: 'compaction', before: action.before, after: action.after, how: action.how});
    case 'reflection':
      return push(flushTools(flushText(s)), {
        kind: 'reflection',
        ok: action.ok,
        checks: action.checks,
        verdict: action.verdict,
        revision: action.revision ?? null,
      });
    case 'error':
      return push(flushText(s), {kind: 'error', code: action.code, message: action.message, hint: action.hint});
    case 'done': {
      const final = action.final;
      s = flushTools(flushText(s));
      // The final answer is drawn once: as the last reply when it is that reply, else on its own.
      if (final !== null && final.trim().length > 0 && final.trim() !== (s.lastReply ?? '').trim())
        s = push(s, {kind: 'final', text: final});
      if (s.plan && s.plan.length > 0) s = push(s, {kind: 'plan', steps: s.plan});
      return push(
        {...s, running: false, plan: null, lastDone: action.reason},
        {kind: 'done', reason: action.reason, steps: action.steps, toolCalls: action.toolCalls, tokens: action.tokens, ms: action.ms},
      );
    }
    case 'ui_info':
      return push(flushText(s), {kind: 'info', text: action.text});
    case 'ui_error':
      return push(flushText(s), {kind: 'error', code: action.code, message: action.message, hint: action.hint});
  }
}

export function reduceAll(state: ViewState, actions: readonly Action[]): ViewState {
  let s = state;
  for (const a of actions) s = reduce(s, a);
  return s;
}

/** Everything the assistant said in the history and the live region, in order (tests, the benchmark). */
export function assistantText(s: ViewState): string {
  let out = '';
  for (const it of s.items) {
    if (it.kind !== 'assistant') continue;
    out += (it.continued ? '\n' : out.length > 0 ? '\n\n' : '') + it.text;
  }
  return out;
}
