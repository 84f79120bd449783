/**
 * The coding agent: think → plan → execute → reflect, over any ModelHost.
 *
 *   plan     one JSON-schema request (no tools): a short numbered plan, or none if it does not parse
 *   execute  tool-calling turns until the model answers without a call, or a budget/guard ends the
 *            turn. Embedded: constrained turns (exactly one declared call or a final answer, grammar
 *            decoded; the first turn of a task must be a call). Endpoints: the server's tools API,
 *            and a JSON call written as text is taken as a call.
 *   reflect  june runs the checks (--check, or the task's visible examples) in the sandbox and asks
 *            the model to judge {done, reason}; a failed check or a "not done" sends it back to
 *            execute, at most maxRevisions times.
 *
 * Everything that happens is an AgentEvent (hooks.emit) and a transcript record; nothing is
 * printed here.
 */
import {randomBytes} from 'node:crypto';
import {basename} from 'node:path';
import {JuneError, isAbortError, toJuneError} from '../errors.js';
import type {ChatMessage, GenerateOptions, GenerationResult, InvalidToolCall, ModelHost, ToolCall, ToolSpec} from '../runtime/model-host.js';
import {approveAlways, decide} from './approvals.js';
import {type CheckSpec, runChecks} from './checks.js';
import {fitContext, tokenCounter, type TokenCounter} from './context.js';
import type {AgentEvent, AgentEventBody, ApprovalPolicy, Budgets, CheckResult, DoneReason, PlanStepStatus} from './events.js';
export {DEFAULT_BUDGETS} from './budgets.js';
import {CallGuard} from './guards.js';
import {PLAN_JSON_SCHEMA, PlanSchema, VERDICT_JSON_SCHEMA, VerdictSchema, judgePrompt, planPrompt, revisePrompt, systemPrompt, taskMessage} from './prompts.js';
import {ThinkSplitter, callFromText, splitThinking} from './reply-text.js';
import type {AgentHooks, AgentSession, ApprovalDecision, DoneEvent, UndoResult} from './session-api.js';
import {TranscriptWriter, type FileRecord, type SessionState, transcriptPath} from './transcript.js';
import {type Change, changesAfter, lastWrites, restoreChanges} from './undo.js';
import {agentTools, applyOutputBudget, toolSpecs} from './tools/index.js';
import type {AgentTool, Executor, ToolContext, ToolOutcome} from './tools/types.js';
import {ToolRefusal} from './tools/types.js';

/** Output budget of a tool result the model reads (the transcript keeps it whole). */
export const TOOL_OUTPUT_BUDGET = 16 * 1024;
/** No request to the model exceeds this many bytes of messages. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

export interface AgentOptions {
  host: ModelHost;
  /** The workspace root, realpath'd and checked by the caller. */
  workspace: string;
  sessionsDir: string;
  approvals: ApprovalPolicy;
  budgets: Budgets;
  hooks: AgentHooks;
  /** The session container; null when none could be started (`executorUnavailable` says why). */
  executor: Executor | null;
  executorUnavailable?: string;
  checks?: CheckSpec[];
  dryRun?: boolean;
  /** Context size when the host does not report one (endpoints): --ctx-size, default 32768. */
  contextSize?: number;
  temperature?: number;
  seed?: number;
  commandTimeoutMs?: number;
  juneVersion?: string;
  /** A session to continue (its folded transcript). */
  resume?: {id: string; state: SessionState};
  /** Tools offered (default: all eight). */
  tools?: AgentTool[];
}

type Emitted = AgentEvent;

function newSessionId(now = new Date()): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `s-${ts}-${randomBytes(2).toString('hex')}`;
}

class TurnEnd extends Error {
  constructor(
    readonly reason: DoneReason,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export async function openAgentSession(options: AgentOptions): Promise<AgentSession> {
  const id = options.resume?.id ?? newSessionId();
  const path = transcriptPath(options.sessionsDir, id);
  const writer = await TranscriptWriter.open(path);
  const agent = new Agent(id, path, writer, options);
  await agent.start();
  return agent;
}

class Agent implements AgentSession {
  readonly model: AgentSession['model'];
  private conversation: ChatMessage[] = [];
  private events: AgentEvent[] = [];
  private files: FileRecord[] = [];
  private undone = new Set<number>();
  private step = 0;
  private policy: ApprovalPolicy;
  private planSteps: Array<{text: string; status: PlanStepStatus}> = [];
  private readonly tools: AgentTool[];
  private readonly specs: ToolSpec[];
  private readonly counter: TokenCounter;
  private readonly guard = new CallGuard();
  private readonly system: string;
  private closed = false;
  private busy = false;

  constructor(
    readonly id: string,
    readonly transcriptPath: string,
    private readonly writer: TranscriptWriter,
    private readonly o: AgentOptions,
  ) {
    this.policy = o.approvals;
    this.tools = o.tools ?? agentTools();
    this.specs = toolSpecs(this.tools);
    this.counter = tokenCounter(o.host);
    const info = o.host.info;
    this.model = {id: info.id, backend: info.backend, contextSize: info.contextSize ?? o.contextSize ?? 32768, source: info.source};
    this.system = systemPrompt({workspaceName: basename(o.workspace), sandbox: o.executor !== null});
  }

  get workspace(): string {
    return this.o.workspace;
  }

  get plan(): ReadonlyArray<{text: string; status: PlanStepStatus}> {
    return this.planSteps;
  }

  get approvals(): ApprovalPolicy {
    return this.policy;
  }

  get history(): readonly AgentEvent[] {
    return this.events;
  }

  setApprovals(policy: ApprovalPolicy): void {
    this.policy = policy;
  }

  async start(): Promise<void> {
    const r = this.o.resume;
    if (r) {
      this.events = [...r.state.events];
      this.conversation = [...r.state.conversation];
      this.files = [...r.state.files];
      this.undone = new Set(r.state.undone);
      this.step = r.state.lastStep;
    } else {
      await this.writer.write({
        kind: 'session',
        format: 1,
        id: this.id,
        createdAt: new Date().toISOString(),
        workspace: this.o.workspace,
        model: {id: this.model.id, backend: this.model.backend, source: this.model.source},
        june: this.o.juneVersion ?? 'unknown',
      });
    }
    if (this.conversation.length === 0) await this.pushMessage({role: 'system', content: this.system});
    await this.emit({
      type: 'session_start',
      model: {id: this.model.id, backend: this.model.backend, contextSize: this.model.contextSize},
      workspace: this.o.workspace,
      approvals: this.policy,
      budgets: this.o.budgets,
      resumed: r !== undefined,
      sandbox: {available: this.o.executor !== null, detail: this.o.executor ? 'session container' : (this.o.executorUnavailable ?? 'none')},
    });
  }

  // ---- events and records

  private async emit(body: AgentEventBody): Promise<Emitted> {
    const event = {...body, session: this.id, step: this.step, at: new Date().toISOString()} as AgentEvent;
    this.events.push(event);
    this.o.hooks.emit(event);
    // streamed deltas are not worth an fsync each: the final message carries the whole text
    if (event.type !== 'message_delta') await this.writer.write({kind: 'event', event});
    return event;
  }

  private async pushMessage(m: ChatMessage): Promise<void> {
    this.conversation.push(m);
    await this.writer.write({kind: 'message', message: m});
  }

  private async replaceConversation(messages: ChatMessage[], why: 'compaction' | 'clear'): Promise<void> {
    this.conversation = messages;
    await this.writer.write({kind: 'conversation', messages, why});
  }

  // ---- a turn

  async runTurn(task: string, options: {signal?: AbortSignal} = {}): Promise<DoneEvent> {
    if (this.closed) throw new JuneError('INTERNAL', 'the agent session is closed');
    if (this.busy) throw new JuneError('INTERNAL', 'a turn is already running in this session');
    this.busy = true;
    const turn = new TurnState(this.o.budgets, options.signal);
    this.guard.reset();
    let final: string | null = null;
    let reason: DoneReason = 'finished';
    try {
      await this.emit({type: 'user', text: task});
      const plan = await this.makePlan(task, turn);
      await this.pushMessage({role: 'user', content: taskMessage(task, plan)});
      let revisions = 0;
      for (;;) {
        final = await this.execute(turn);
        const reflection = await this.reflect(task, plan, final, turn, revisions);
        if (reflection.failedChecks.length === 0 && reflection.done) break;
        if (revisions >= this.o.budgets.maxRevisions) {
          if (reflection.failedChecks.length > 0) reason = 'checks_failed';
          break;
        }
        revisions++;
        turn.revisions = revisions;
        await this.pushMessage({role: 'user', content: revisePrompt({failed: reflection.failedChecks, verdict: reflection.verdictReason})});
      }
      if (reason === 'finished') await this.finishPlan();
    } catch (err) {
      if (err instanceof TurnEnd) reason = err.reason;
      else if (turn.signal.aborted || isAbortError(err)) reason = turn.timedOut ? 'timeout' : 'interrupted';
      else if (err instanceof JuneError && err.code === 'TIMEOUT') reason = 'timeout';
      else {
        reason = 'error';
        const je = toJuneError(err);
        await this.emit({type: 'error', code: je.code, message: je.message, hint: je.hint ?? `the transcript is kept: continue with --resume ${this.id}`});
      }
      if (reason === 'interrupted') await this.pushMessage({role: 'user', content: '[The user interrupted this turn; what was in flight was cancelled.]'});
    } finally {
      turn.dispose();
      this.busy = false;
    }
    return (await this.emit({
      type: 'done',
      reason,
      steps: turn.steps,
      toolCalls: turn.toolCalls,
      tokens: turn.tokens,
      ms: Math.round(performance.now() - turn.started),
      final,
      revisions: turn.revisions,
    })) as DoneEvent;
  }

  private async finishPlan(): Promise<void> {
    if (!this.planSteps.length) return;
    this.planSteps = this.planSteps.map((s) => ({...s, status: s.status === 'skipped' ? 'skipped' : 'done'}));
    await this.emit({type: 'plan_update', steps: this.planSteps});
  }

  /** Moves the plan's cursor one step on after a tool call that succeeded (the last step waits for reflection). */
  private async advancePlan(): Promise<void> {
    const i = this.planSteps.findIndex((s) => s.status === 'in_progress');
    if (i < 0 || i >= this.planSteps.length - 1) return;
    this.planSteps = this.planSteps.map((s, k) => (k === i ? {...s, status: 'done'} : k === i + 1 ? {...s, status: 'in_progress'} : s));
    await this.emit({type: 'plan_update', steps: this.planSteps});
  }

  private sampling(): Pick<GenerateOptions, 'temperature' | 'seed'> {
    return {
      ...(this.o.temperature !== undefined ? {temperature: this.o.temperature} : {}),
      ...(this.o.seed !== undefined ? {seed: this.o.seed} : {}),
    };
  }

  /** One model request under the turn's budgets: context fitted, tokens counted, deltas streamed. */
  private async request(
    turn: TurnState,
    messages: ChatMessage[],
    options: GenerateOptions,
    stream: boolean,
    conversation: boolean,
  ): Promise<GenerationResult> {
    turn.check();
    const reply = Math.min(this.o.budgets.replyMaxTokens, turn.tokensLeft());
    const fit = await fitContext(this.counter, messages, options, this.model.contextSize, reply);
    if (fit.compaction) {
      if (conversation) await this.replaceConversation(fit.messages, 'compaction');
      await this.emit({type: 'compaction', before: fit.compaction.before, after: fit.compaction.after, how: fit.compaction.how});
    }
    const wire = fit.messages;
    const bytes = Buffer.byteLength(JSON.stringify(wire), 'utf8');
    if (bytes > MAX_REQUEST_BYTES)
      throw new JuneError('CONTEXT_OVERFLOW', `the request would be ${bytes} bytes (the limit is ${MAX_REQUEST_BYTES})`, {hint: 'start a new session or /compact'});
    const gen = this.o.host.chat(wire, {
      ...options,
      ...this.sampling(),
      maxTokens: fit.replyTokens,
      signal: turn.signal,
      timeoutMs: turn.phaseMs(),
    });
    const splitter = new ThinkSplitter();
    if (stream) {
      for await (const ev of gen) {
        if (ev.type !== 'token') continue;
        const {visible, thoughts} = splitter.push(ev.text);
        for (const t of thoughts) await this.emit({type: 'thought', text: t});
        if (visible) await this.emit({type: 'message_delta', text: visible});
      }
      const rest = splitter.end();
      for (const t of rest.thoughts) await this.emit({type: 'thought', text: t});
      if (rest.visible) await this.emit({type: 'message_delta', text: rest.visible});
    }
    const result = await gen.result;
    if (!fit.compaction && this.o.host.info.backend !== 'embedded') this.counter.observe(fit.promptTokens, result.usage.promptTokens);
    turn.tokens += result.usage.completionTokens;
    const genMs = result.timings.totalMs - result.timings.ttftMs;
    await this.emit({
      type: 'usage',
      tokensPerSecond: genMs > 0 && result.usage.completionTokens > 0 ? result.usage.completionTokens / (genMs / 1000) : null,
      contextUsed: result.usage.promptTokens + result.usage.completionTokens,
      contextSize: this.model.contextSize,
      completionTokens: result.usage.completionTokens,
      ...(result.usage.cachedPromptTokens !== undefined ? {cachedPromptTokens: result.usage.cachedPromptTokens} : {}),
    });
    if (result.finishReason === 'abort') throw new DOMException('the turn was cancelled', 'AbortError');
    if (turn.maxTokensHit()) throw new TurnEnd('max_tokens', 'token budget used up');
    return result;
  }

  private async makePlan(task: string, turn: TurnState): Promise<string[]> {
    let steps: string[] = [];
    try {
      const r = await this.request(
        turn,
        [
          {role: 'system', content: this.system},
          {role: 'user', content: planPrompt(task)},
        ],
        {jsonSchema: PLAN_JSON_SCHEMA as unknown as Record<string, unknown>},
        false,
        false,
      );
      const parsed = PlanSchema.safeParse(safeJson(splitThinking(r.text).visible));
      if (parsed.success) steps = parsed.data.steps.map((s) => s.trim()).filter((s) => s !== '');
    } catch (err) {
      // a plan that does not parse or cannot be had is skipped; budgets and Ctrl-C still end the turn
      if (err instanceof TurnEnd || turn.signal.aborted || isAbortError(err)) throw err;
      if (err instanceof JuneError && !['INFERENCE_FAILED', 'ENDPOINT_BAD_RESPONSE', 'BAD_INPUT'].includes(err.code)) throw err;
    }
    if (steps.length) {
      await this.emit({type: 'plan', steps});
      this.planSteps = steps.map((text, i) => ({text, status: i === 0 ? 'in_progress' : 'pending'}));
      await this.emit({type: 'plan_update', steps: this.planSteps});
    } else this.planSteps = [];
    return steps;
  }

  /** Tool-calling turns until a final answer; returns it. */
  private async execute(turn: TurnState): Promise<string> {
    let firstTurn = turn.revisions === 0 && turn.toolCalls === 0;
    const embedded = this.o.host.info.backend === 'embedded';
    const declared = new Set(this.specs.map((s) => s.name));
    for (;;) {
      if (turn.steps >= this.o.budgets.maxSteps) throw new TurnEnd('max_steps', `${turn.steps} tool calls`);
      const result = await this.request(
        turn,
        this.conversation,
        {
          tools: this.specs,
          toolMode: embedded ? 'constrained' : 'native',
          invalidToolCalls: 'return',
          ...(firstTurn && embedded ? {toolChoice: 'required' as const} : {}),
        },
        true,
        true,
      );
      firstTurn = false;
      const {visible} = splitThinking(result.text);
      let calls: ToolCall[] = result.toolCalls;
      const invalid: InvalidToolCall[] = [...(result.invalidToolCalls ?? [])];
      let text = visible.trim();
      // a JSON call written as text (endpoints) is a call
      if (calls.length === 0 && invalid.length === 0 && text) {
        const c = callFromText(text, declared);
        if (c) {
          const spec = this.specs.find((s) => s.name === c.name) as ToolSpec;
          const parsed = spec.parameters.safeParse(c.arguments);
          const id = `call_${randomBytes(8).toString('hex')}`;
          if (parsed.success) calls = [{id, name: c.name, arguments: parsed.data}];
          else invalid.push({id, name: c.name, rawArguments: JSON.stringify(c.arguments), error: parsed.error.issues[0]?.message ?? 'invalid arguments'});
          text = '';
        }
      }
      if (calls.length === 0 && invalid.length === 0) {
        await this.pushMessage({role: 'assistant', content: text});
        await this.emit({type: 'message', text});
        this.guard.reset();
        return text;
      }
      // the assistant message that carried the calls stays in the conversation, each call answered by a tool message
      const carried: ToolCall[] = [...calls, ...invalid.map((c) => ({id: c.id, name: c.name, arguments: rawArgs(c.rawArguments)}))];
      await this.pushMessage({role: 'assistant', content: text, toolCalls: carried});
      if (text) await this.emit({type: 'message', text});
      for (const c of invalid) {
        this.step++;
        turn.steps++;
        turn.toolCalls++;
        await this.emit({type: 'tool_call', id: c.id, name: c.name, args: rawArgs(c.rawArguments)});
        const output = `Invalid tool call: ${c.error}. Declared tools: ${[...declared].join(', ')}. Call one of them with arguments that match its schema.`;
        await this.answer(c.id, {ok: false, output}, 0);
        if (this.guard.invalid()) throw new TurnEnd('invalid_tool_calls', 'three invalid calls in a row');
      }
      for (const call of calls) {
        this.step++;
        turn.steps++;
        turn.toolCalls++;
        await this.emit({type: 'tool_call', id: call.id, name: call.name, args: call.arguments});
        const tripped = this.guard.valid(call.name, call.arguments);
        const ok = await this.runCall(call, turn);
        if (ok) await this.advancePlan();
        if (tripped) throw new TurnEnd('loop', `the same call(s) repeated: ${call.name}`);
        if (turn.steps >= this.o.budgets.maxSteps) throw new TurnEnd('max_steps', `${turn.steps} tool calls`);
      }
    }
  }

  /** Validate → approve → execute one call; the model always gets a tool message back. */
  private async runCall(call: ToolCall, turn: TurnState): Promise<boolean> {
    const tool = this.tools.find((t) => t.name === call.name) as AgentTool;
    const t0 = performance.now();
    const ctx: ToolContext = {
      workspace: this.o.workspace,
      executor: this.o.executor,
      ...(this.o.executorUnavailable !== undefined ? {executorUnavailable: this.o.executorUnavailable} : {}),
      dryRun: this.o.dryRun ?? false,
      commandTimeoutMs: this.o.commandTimeoutMs ?? 60_000,
      signal: turn.signal,
    };
    let outcome: ToolOutcome;
    try {
      const invocation = await tool.build(call.arguments as never, ctx);
      const verdict = decide(this.policy, tool.class);
      let decision: ApprovalDecision = verdict === 'allow' ? 'approved' : 'refused';
      let by: 'policy' | 'user' = 'policy';
      if (verdict === 'ask') {
        const preview = await invocation.preview();
        await this.emit({type: 'approval_request', id: call.id, class: tool.class, tool: tool.name, args: call.arguments, ...(preview !== undefined ? {diff: preview} : {})});
        decision = this.o.hooks.approve
          ? await this.o.hooks.approve({id: call.id, class: tool.class, tool: tool.name, args: call.arguments, ...(preview !== undefined ? {preview} : {})})
          : 'refused';
        by = 'user';
        if (decision === 'always') this.policy = approveAlways(this.policy, tool.class);
      }
      if (verdict !== 'allow') await this.emit({type: 'approval', id: call.id, class: tool.class, decision, by});
      if (decision === 'refused') {
        outcome = {
          ok: false,
          output:
            by === 'user'
              ? `The user refused this ${tool.class} call (${tool.name}). Do not retry it unchanged; do something else or finish.`
              : `Refused: ${tool.class} calls are not approved in this session (approvals: ${tool.class} ${this.policy[tool.class]}). Run june with --approve ${tool.class} to allow them. Go on without it or finish.`,
        };
      } else {
        outcome = await invocation.execute();
      }
    } catch (err) {
      if (err instanceof ToolRefusal) outcome = {ok: false, output: err.message};
      else if (turn.signal.aborted || isAbortError(err)) {
        await this.answer(call.id, {ok: false, output: 'Cancelled by the user before it finished.'}, performance.now() - t0);
        throw err;
      } else {
        const je = toJuneError(err);
        outcome = {ok: false, output: `${tool.name} failed: ${je.message}${je.hint ? ` (${je.hint})` : ''}`};
      }
    }
    for (const ch of outcome.changes ?? []) {
      const rec: FileRecord = {kind: 'file', step: this.step, callId: call.id, path: ch.path, before: ch.before, after: ch.after, applied: !(this.o.dryRun ?? false)};
      this.files.push(rec);
      await this.writer.write(rec);
    }
    await this.answer(call.id, outcome, performance.now() - t0);
    if (turn.signal.aborted) throw new DOMException('the turn was cancelled', 'AbortError');
    return outcome.ok;
  }

  private async answer(id: string, outcome: {ok: boolean; output: string}, ms: number): Promise<void> {
    const cut = applyOutputBudget(outcome.output, TOOL_OUTPUT_BUDGET);
    if (cut.truncated) await this.writer.write({kind: 'tool_output', id, output: outcome.output});
    await this.emit({type: 'tool_result', id, ok: outcome.ok, output: cut.output, ms: Math.round(ms), truncated: cut.truncated});
    await this.pushMessage({role: 'tool', toolCallId: id, content: cut.output});
  }

  private async reflect(
    task: string,
    plan: string[],
    final: string,
    turn: TurnState,
    revision: number,
  ): Promise<{done: boolean; failedChecks: CheckResult[]; verdictReason: string | null}> {
    const checks = await runChecks(this.o.checks ?? [], this.o.executor, this.o.executorUnavailable, turn.signal, this.o.commandTimeoutMs ?? 60_000);
    if (turn.signal.aborted) throw new DOMException('the turn was cancelled', 'AbortError');
    let verdict: {done: boolean; reason: string} | null = null;
    try {
      const r = await this.request(
        turn,
        [
          {role: 'system', content: this.system},
          {role: 'user', content: judgePrompt({task, plan, final, checks})},
        ],
        {jsonSchema: VERDICT_JSON_SCHEMA as unknown as Record<string, unknown>},
        false,
        false,
      );
      const parsed = VerdictSchema.safeParse(safeJson(splitThinking(r.text).visible));
      verdict = parsed.success ? parsed.data : null;
    } catch (err) {
      if (err instanceof TurnEnd || turn.signal.aborted || isAbortError(err)) throw err;
      if (err instanceof JuneError && !['INFERENCE_FAILED', 'ENDPOINT_BAD_RESPONSE', 'BAD_INPUT'].includes(err.code)) throw err;
    }
    const failedChecks = checks.filter((c) => !c.ok);
    const ok = failedChecks.length === 0 && (verdict?.done ?? true);
    await this.emit({type: 'reflection', ok, checks, verdict, revision});
    return {done: verdict?.done ?? true, failedChecks, verdictReason: verdict?.reason ?? null};
  }

  // ---- undo, compact, clear

  async undo(writes = 1): Promise<UndoResult> {
    return this.restore(lastWrites(this.files, this.undone, writes));
  }

  async undoTo(step: number): Promise<UndoResult> {
    return this.restore(changesAfter(this.files, this.undone, step));
  }

  private async restore(changes: Change[]): Promise<UndoResult> {
    const restored = await restoreChanges(this.o.workspace, changes);
    if (changes.length) {
      for (const {index} of changes) this.undone.add(index);
      await this.writer.write({kind: 'undo', changes: changes.map((c) => c.index), at: new Date().toISOString()});
    }
    return {restored, writes: changes.length};
  }

  async compact(): Promise<void> {
    const fit = await fitContext(this.counter, this.conversation, {tools: this.specs}, this.model.contextSize, this.o.budgets.replyMaxTokens, {force: true});
    await this.replaceConversation(fit.messages, 'compaction');
    if (fit.compaction) await this.emit({type: 'compaction', ...fit.compaction});
  }

  async clear(): Promise<void> {
    this.planSteps = [];
    this.guard.reset();
    await this.replaceConversation([{role: 'system', content: this.system}], 'clear');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
  }
}

/** Budgets of one turn: steps, generated tokens, wall clock (overall and per phase), and the caller's signal. */
class TurnState {
  readonly started = performance.now();
  steps = 0;
  toolCalls = 0;
  tokens = 0;
  revisions = 0;
  timedOut = false;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | null;
  private readonly onOuter: () => void;

  constructor(
    private readonly budgets: Budgets,
    private readonly outer: AbortSignal | undefined,
  ) {
    this.onOuter = () => this.controller.abort(outer?.reason);
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.onOuter, {once: true});
    this.timer =
      budgets.timeoutMs !== null
        ? setTimeout(() => {
            this.timedOut = true;
            this.controller.abort(new JuneError('TIMEOUT', `the turn took longer than ${budgets.timeoutMs} ms`));
          }, budgets.timeoutMs)
        : null;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  tokensLeft(): number {
    return this.budgets.maxTokens === null ? Number.MAX_SAFE_INTEGER : Math.max(1, this.budgets.maxTokens - this.tokens);
  }

  maxTokensHit(): boolean {
    return this.budgets.maxTokens !== null && this.tokens >= this.budgets.maxTokens;
  }

  phaseMs(): number {
    if (this.budgets.timeoutMs === null) return this.budgets.phaseTimeoutMs;
    const left = this.budgets.timeoutMs - (performance.now() - this.started);
    return Math.max(1, Math.min(this.budgets.phaseTimeoutMs, Math.floor(left)));
  }

  check(): void {
    if (this.signal.aborted) {
      if (this.timedOut) throw new TurnEnd('timeout', 'turn time limit');
      throw new DOMException('the turn was cancelled', 'AbortError');
    }
    if (this.maxTokensHit()) throw new TurnEnd('max_tokens', 'token budget used up');
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onOuter);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function rawArgs(raw: string): unknown {
  const v = safeJson(raw);
  return v === undefined ? raw : v;
}
