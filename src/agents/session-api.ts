/**
 * What a renderer (headless NDJSON/text in src/commands, the ink TUI in src/ui) holds: an open agent
 * session. Renderers only read events and answer approval requests; every decision of the agent
 * lives behind this interface.
 *
 *   const s = await openAgentSession({...options, hooks: {emit, approve}});
 *   const done = await s.runTurn('create hello.py …', {signal});   // emits events as it goes
 *   await s.close();                                                // removes the session container
 */
import type {AgentEvent, ApprovalPolicy, PlanStepStatus, ToolClass} from './events.js';

export type DoneEvent = Extract<AgentEvent, {type: 'done'}>;

export interface ApprovalRequest {
  id: string;
  class: ToolClass;
  tool: string;
  args: unknown;
  /** The unified diff (writes, edits) or the command/code (runs) the user is asked about. */
  preview?: string;
}

/** 'always': approve this call and every later call of its class in this session. */
export type ApprovalDecision = 'approved' | 'refused' | 'always';

export interface AgentHooks {
  /** Every event, in order, as it happens (also written to the transcript). */
  emit(event: AgentEvent): void;
  /** Asked for calls whose class the policy says 'ask'; never called headless (ask → refused there). */
  approve?(request: ApprovalRequest): Promise<ApprovalDecision>;
}

export interface UndoResult {
  /** Files restored, relative to the workspace. */
  restored: string[];
  /** Writes undone. */
  writes: number;
}

export interface AgentSession {
  readonly id: string;
  readonly transcriptPath: string;
  readonly workspace: string;
  readonly model: {id: string; backend: 'embedded' | 'endpoint'; contextSize: number; source: string};
  /** The plan of the current (or last) turn. */
  readonly plan: ReadonlyArray<{text: string; status: PlanStepStatus}>;
  readonly approvals: ApprovalPolicy;
  /** The session's events so far (a resumed session starts with the earlier ones). */
  readonly history: readonly AgentEvent[];
  /**
   * Runs one user turn: plan → execute → reflect. Resolves with the `done` event (also emitted);
   * an aborted signal ends the turn with reason 'interrupted' (the reply or command in flight is
   * cancelled and the model will see it was). Never rejects for model or tool failures: those end
   * in an `error` event and reason 'error'.
   */
  runTurn(task: string, options?: {signal?: AbortSignal}): Promise<DoneEvent>;
  /** Restores the files of the last `writes` writes (default 1). */
  undo(writes?: number): Promise<UndoResult>;
  /** Restores every file the agent changed after tool step `step` (0 = all). */
  undoTo(step: number): Promise<UndoResult>;
  /** Summarises the conversation now (the context's state snapshot). */
  compact(): Promise<void>;
  /** A new conversation in the same session file (the workspace is left as it is). */
  clear(): Promise<void>;
  setApprovals(policy: ApprovalPolicy): void;
  close(): Promise<void>;
}
