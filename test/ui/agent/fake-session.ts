/**
 * A fake AgentSession for the TUI's tests and its dev entry: no model, no container. Each turn plays
 * a script chosen from the task's words (like a scripted model deciding from the conversation):
 *
 *   "hello…"  plan → streamed reply → write_file hello.py (asks) → write_file test_hello.py (asks
 *             unless 'always') → run_python (asks) → streamed final answer → done
 *   "stream…" a long streamed reply (slow tokens) → done — for Ctrl-C tests
 *   "fail…"   a reply that fails mid-way: an error event, done.reason 'error'
 *   anything else: a one-line streamed answer → done
 *
 * It honours approvals (refused → a refused tool_result, the file not written; 'always' → the class
 * allowed for the rest of the session) and the turn's AbortSignal (done.reason 'interrupted').
 * Writes are real, in `workspace`, so tests can check the file system; undo restores them.
 */
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {createTwoFilesPatch} from 'diff';
import type {AgentEvent, AgentEventBody, ApprovalPolicy, PlanStepStatus, ToolClass} from '../../../src/agents/events.js';
import type {AgentHooks, AgentSession, DoneEvent, UndoResult} from '../../../src/agents/session-api.js';

export interface FakeOptions {
  workspace: string;
  /** Delay between two streamed tokens, ms (0: as fast as the event loop goes). */
  tokenDelayMs?: number;
  /** Tokens of the "stream" script. */
  streamTokens?: number;
  sessionId?: string;
  history?: AgentEvent[];
  approvals?: ApprovalPolicy;
  /** Resolves `close()` after this long, ms (a container being removed). */
  closeDelayMs?: number;
  onClose?(): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Aborted extends Error {}

export const HELLO_PY = 'def main():\n    print("hi")\n\n\nif __name__ == "__main__":\n    main()\n';
export const TEST_PY = 'import unittest\n\n\nclass T(unittest.TestCase):\n    def test_ok(self):\n        self.assertTrue(True)\n';
export const FINAL_ANSWER = 'Done: hello.py prints hi, and test_hello.py checks it.';

/** Words of `text` as streamed tokens (spaces kept, so their concatenation is the text). */
export function tokens(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

export function streamText(n: number): string {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  let out = '';
  for (let i = 0; i < n; i++) out += (i === 0 ? '' : i % 12 === 0 ? '\n' : ' ') + `${words[i % words.length]}${i}`;
  return out;
}

export class FakeSession implements AgentSession {
  readonly id: string;
  readonly transcriptPath: string;
  readonly workspace: string;
  readonly model = {id: 'fake-model-1b', backend: 'endpoint' as const, contextSize: 8192, source: 'a fake session (test/ui/agent/fake-session.ts)'};
  plan: {text: string; status: PlanStepStatus}[] = [];
  approvals: ApprovalPolicy;
  readonly history: AgentEvent[];
  readonly events: AgentEvent[] = [];
  closed = false;
  compacted = 0;
  cleared = 0;
  /** Every task runTurn was given, in order. */
  readonly turns: string[] = [];
  private step = 0;
  private contextUsed = 0;
  private writes: {path: string; before: string | null}[] = [];

  private readonly hooks: AgentHooks;
  private readonly opts: FakeOptions;

  // (no parameter properties: the dev entry runs this file with Node's type stripping)
  constructor(hooks: AgentHooks, opts: FakeOptions) {
    this.hooks = hooks;
    this.opts = opts;
    this.id = opts.sessionId ?? 'fake0001';
    this.workspace = opts.workspace;
    this.transcriptPath = join(opts.workspace, `${this.id}.jsonl`);
    this.approvals = opts.approvals ?? {read: 'allow', write: 'ask', execute: 'ask'};
    this.history = [...(opts.history ?? [])];
    this.emit({
      type: 'session_start',
      model: {id: this.model.id, backend: this.model.backend, contextSize: this.model.contextSize},
      workspace: opts.workspace,
      approvals: this.approvals,
      budgets: {maxSteps: 30, maxTokens: null, timeoutMs: null, phaseTimeoutMs: 60_000, maxRevisions: 2, replyMaxTokens: 1024},
      resumed: this.history.length > 0,
    });
  }

  private emit(body: AgentEventBody): void {
    const e = {...body, session: this.id, step: this.step, at: new Date().toISOString()} as AgentEvent;
    this.events.push(e);
    this.hooks.emit(e);
  }

  private check(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw new Aborted();
  }

  private async stream(text: string, signal: AbortSignal | undefined): Promise<void> {
    const delay = this.opts.tokenDelayMs ?? 0;
    let n = 0;
    for (const t of tokens(text)) {
      this.check(signal);
      this.emit({type: 'message_delta', text: t});
      n++;
      if (delay > 0) await sleep(delay);
      else if (n % 64 === 0) await sleep(0);
    }
    this.emit({type: 'message', text});
    this.contextUsed += n;
    this.emit({type: 'usage', tokensPerSecond: delay > 0 ? 1000 / delay : 950.5, contextUsed: this.contextUsed, contextSize: this.model.contextSize, completionTokens: n});
  }

  private async ask(cls: ToolClass, id: string, tool: string, args: unknown, preview: string, signal: AbortSignal | undefined): Promise<boolean> {
    const policy = this.approvals[cls];
    if (policy === 'allow') {
      this.emit({type: 'approval', id, class: cls, decision: 'approved', by: 'policy'});
      return true;
    }
    if (policy === 'deny' || !this.hooks.approve) {
      this.emit({type: 'approval', id, class: cls, decision: 'refused', by: 'policy'});
      return false;
    }
    this.emit({type: 'approval_request', id, class: cls, tool, args, diff: preview});
    const decision = await Promise.race([
      this.hooks.approve({id, class: cls, tool, args, preview}),
      new Promise<'refused'>((resolve) => signal?.addEventListener('abort', () => resolve('refused'), {once: true})),
    ]);
    this.check(signal);
    this.emit({type: 'approval', id, class: cls, decision, by: 'user'});
    if (decision === 'always') this.approvals = {...this.approvals, [cls]: 'allow'};
    return decision !== 'refused';
  }

  private async write(path: string, content: string, signal: AbortSignal | undefined): Promise<void> {
    const id = `call_${this.step + 1}`;
    const args = {path, content};
    this.emit({type: 'tool_call', id, name: 'write_file', args});
    const file = join(this.workspace, path);
    const before = existsSync(file) ? readFileSync(file, 'utf8') : null;
    const preview = createTwoFilesPatch(before === null ? '/dev/null' : `a/${path}`, `b/${path}`, before ?? '', content);
    const ok = await this.ask('write', id, 'write_file', args, preview, signal);
    this.step++;
    if (!ok) {
      this.emit({type: 'tool_result', id, ok: false, output: `refused: the user did not approve writing ${path}`, ms: 0, truncated: false});
      return;
    }
    writeFileSync(file, content);
    this.writes.push({path, before});
    this.emit({type: 'tool_result', id, ok: true, output: `wrote ${path} (${content.split('\n').length - 1} lines)`, ms: 1, truncated: false});
  }

  private async runPython(file: string, signal: AbortSignal | undefined): Promise<void> {
    const id = `call_${this.step + 1}`;
    const args = {file};
    this.emit({type: 'tool_call', id, name: 'run_python', args});
    const ok = await this.ask('execute', id, 'run_python', args, `python3 ${file}`, signal);
    this.step++;
    if (!ok) {
      this.emit({type: 'tool_result', id, ok: false, output: 'refused: the user did not approve running it', ms: 0, truncated: false});
      return;
    }
    const present = existsSync(join(this.workspace, file));
    const output = present ? 'hi\n' + Array.from({length: 20}, (_, i) => `log line ${i + 1}`).join('\n') : `python3: can't open file '${file}'`;
    this.emit({type: 'tool_result', id, ok: present, output, ms: 140, truncated: false});
  }

  private setPlan(steps: {text: string; status: PlanStepStatus}[]): void {
    this.plan = steps;
    this.emit({type: 'plan_update', steps});
  }

  async runTurn(task: string, options: {signal?: AbortSignal} = {}): Promise<DoneEvent> {
    this.turns.push(task);
    const signal = options.signal;
    const t0 = Date.now();
    const stepAtStart = this.step;
    const tokensBefore = this.contextUsed;
    this.emit({type: 'user', text: task});
    let reason: DoneEvent['reason'] = 'finished';
    let final: string | null = null;
    try {
      const words = task.toLowerCase();
      if (words.startsWith('hello')) {
        const steps = ['write hello.py', 'write a test', 'run it'];
        this.plan = steps.map((text) => ({text, status: 'pending' as const}));
        this.emit({type: 'plan', steps});
        this.setPlan(steps.map((text, i) => ({text, status: i === 0 ? 'in_progress' : 'pending'})));
        await this.stream('I will write hello.py first.', signal);
        await this.write('hello.py', HELLO_PY, signal);
        this.setPlan(steps.map((text, i) => ({text, status: i === 0 ? 'done' : i === 1 ? 'in_progress' : 'pending'})));
        await this.write('test_hello.py', TEST_PY, signal);
        this.setPlan(steps.map((text, i) => ({text, status: i < 2 ? 'done' : 'in_progress'})));
        await this.runPython('hello.py', signal);
        this.setPlan(steps.map((text) => ({text, status: 'done'})));
        this.emit({type: 'reflection', ok: true, checks: [{name: 'python3 -m unittest', ok: true, output: 'OK', ms: 80}], verdict: {done: true, reason: 'hello.py prints hi'}});
        await this.stream(FINAL_ANSWER, signal);
        final = FINAL_ANSWER;
      } else if (words.startsWith('stream')) {
        const text = streamText(this.opts.streamTokens ?? 400);
        await this.stream(text, signal);
        final = text;
      } else if (words.startsWith('fail')) {
        await this.stream('Starting', signal).catch((e: unknown) => {
          throw e;
        });
        this.emit({type: 'error', code: 'ENDPOINT_UNREACHABLE', message: 'the endpoint stopped answering mid-reply', hint: 'check the server, then send the task again or --resume'});
        reason = 'error';
      } else {
        final = `You said: ${task}`;
        await this.stream(final, signal);
      }
    } catch (e) {
      if (!(e instanceof Aborted)) throw e;
      reason = 'interrupted';
      final = null;
    }
    const done = {
      type: 'done' as const,
      reason,
      steps: this.step - stepAtStart,
      toolCalls: this.step - stepAtStart,
      tokens: this.contextUsed - tokensBefore,
      ms: Date.now() - t0,
      final,
      session: this.id,
      step: this.step,
      at: new Date().toISOString(),
    };
    this.events.push(done);
    this.hooks.emit(done);
    return done;
  }

  async undo(writes = 1): Promise<UndoResult> {
    const undone = this.writes.splice(Math.max(0, this.writes.length - writes));
    const restored: string[] = [];
    for (const w of undone.reverse()) {
      const file = join(this.workspace, w.path);
      if (w.before === null) rmSync(file, {force: true});
      else writeFileSync(file, w.before);
      restored.push(w.path);
    }
    return {restored, writes: undone.length};
  }

  async undoTo(_step: number): Promise<UndoResult> {
    return this.undo(this.writes.length);
  }

  async compact(): Promise<void> {
    this.compacted++;
    this.emit({type: 'compaction', before: this.contextUsed, after: Math.floor(this.contextUsed / 3), how: 'summary'});
    this.contextUsed = Math.floor(this.contextUsed / 3);
  }

  async clear(): Promise<void> {
    this.cleared++;
    this.contextUsed = 0;
    this.plan = [];
  }

  setApprovals(policy: ApprovalPolicy): void {
    this.approvals = policy;
  }

  async close(): Promise<void> {
    if (this.opts.closeDelayMs) await sleep(this.opts.closeDelayMs);
    this.closed = true;
    this.opts.onClose?.();
  }
}
