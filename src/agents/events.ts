/**
 * The agent's event stream: one zod schema for every event the loop emits. Headless `--json`
 * prints each event as one NDJSON line; the ink TUI renders the same events. Nothing else reaches
 * a renderer, so the two can never disagree.
 *
 * Every event is `{type, session, step, at}` plus its own fields. `step` counts tool calls made so
 * far in the session (0 before the first); `at` is an ISO-8601 timestamp.
 */
import {z} from 'zod';

export const TOOL_CLASSES = ['read', 'write', 'execute'] as const;
export const ToolClassSchema = z.enum(TOOL_CLASSES);
export type ToolClass = z.infer<typeof ToolClassSchema>;

export const DONE_REASONS = [
  'finished',
  'checks_failed',
  'max_steps',
  'max_tokens',
  'timeout',
  'loop',
  'invalid_tool_calls',
  'interrupted',
  'error',
] as const;
export const DoneReasonSchema = z.enum(DONE_REASONS);
export type DoneReason = z.infer<typeof DoneReasonSchema>;

export const PlanStepStatusSchema = z.enum(['pending', 'in_progress', 'done', 'skipped']);
export type PlanStepStatus = z.infer<typeof PlanStepStatusSchema>;

export const BudgetsSchema = z.object({
  maxSteps: z.number().int().positive(),
  /** Tokens the model may generate in one turn (prompt tokens do not count); null = no limit. */
  maxTokens: z.number().int().positive().nullable(),
  /** Wall-clock limit of one turn, ms; null = none. */
  timeoutMs: z.number().int().positive().nullable(),
  /** Wall-clock limit of one phase (plan, one model reply, one reflect), ms. */
  phaseTimeoutMs: z.number().int().positive(),
  maxRevisions: z.number().int().nonnegative(),
  /** Tokens one model reply may generate. */
  replyMaxTokens: z.number().int().positive(),
});
export type Budgets = z.infer<typeof BudgetsSchema>;

export const ApprovalPolicySchema = z.object({
  read: z.enum(['allow', 'ask', 'deny']),
  write: z.enum(['allow', 'ask', 'deny']),
  execute: z.enum(['allow', 'ask', 'deny']),
});
export type ApprovalPolicy = z.infer<typeof ApprovalPolicySchema>;

export const CheckResultSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  output: z.string(),
  ms: z.number().nonnegative(),
});
export type CheckResult = z.infer<typeof CheckResultSchema>;

const base = {
  session: z.string(),
  step: z.number().int().nonnegative(),
  at: z.string(),
};

export const AgentEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('session_start'),
    ...base,
    model: z.object({id: z.string(), backend: z.enum(['embedded', 'endpoint']), contextSize: z.number().int().positive()}),
    workspace: z.string(),
    approvals: ApprovalPolicySchema,
    budgets: BudgetsSchema,
    resumed: z.boolean().optional(),
    sandbox: z.object({available: z.boolean(), detail: z.string()}).optional(),
  }),
  z.object({type: z.literal('user'), ...base, text: z.string()}),
  z.object({type: z.literal('plan'), ...base, steps: z.array(z.string())}),
  z.object({
    type: z.literal('plan_update'),
    ...base,
    steps: z.array(z.object({text: z.string(), status: PlanStepStatusSchema})),
  }),
  z.object({type: z.literal('thought'), ...base, text: z.string()}),
  z.object({type: z.literal('message_delta'), ...base, text: z.string()}),
  z.object({type: z.literal('message'), ...base, text: z.string()}),
  z.object({type: z.literal('tool_call'), ...base, id: z.string(), name: z.string(), args: z.unknown()}),
  z.object({
    type: z.literal('approval_request'),
    ...base,
    id: z.string(),
    class: ToolClassSchema,
    tool: z.string(),
    args: z.unknown(),
    diff: z.string().optional(),
  }),
  z.object({
    type: z.literal('approval'),
    ...base,
    id: z.string(),
    class: ToolClassSchema,
    decision: z.enum(['approved', 'refused', 'always']),
    by: z.enum(['policy', 'user']).optional(),
  }),
  z.object({
    type: z.literal('tool_result'),
    ...base,
    id: z.string(),
    ok: z.boolean(),
    output: z.string(),
    ms: z.number().nonnegative(),
    truncated: z.boolean(),
  }),
  z.object({
    type: z.literal('usage'),
    ...base,
    tokensPerSecond: z.number().nonnegative().nullable(),
    contextUsed: z.number().int().nonnegative(),
    contextSize: z.number().int().positive(),
    completionTokens: z.number().int().nonnegative().optional(),
    cachedPromptTokens: z.number().int().nonnegative().optional(),
  }),
  z.object({type: z.literal('compaction'), ...base, before: z.number().int(), after: z.number().int(), how: z.enum(['elide', 'summary'])}),
  z.object({
    type: z.literal('reflection'),
    ...base,
    ok: z.boolean(),
    checks: z.array(CheckResultSchema),
    verdict: z.object({done: z.boolean(), reason: z.string()}).nullable(),
    revision: z.number().int().nonnegative().optional(),
  }),
  z.object({
    type: z.literal('done'),
    ...base,
    reason: DoneReasonSchema,
    steps: z.number().int().nonnegative(),
    toolCalls: z.number().int().nonnegative(),
    tokens: z.number().int().nonnegative(),
    ms: z.number().nonnegative(),
    final: z.string().nullable(),
    revisions: z.number().int().nonnegative().optional(),
  }),
  z.object({type: z.literal('error'), ...base, code: z.string(), message: z.string(), hint: z.string().nullable()}),
]);

export type AgentEvent = z.infer<typeof AgentEventSchema>;
export type AgentEventType = AgentEvent['type'];
/** An event as a producer writes it: the loop stamps session, step and at. */
export type AgentEventBody = AgentEvent extends infer E ? (E extends AgentEvent ? Omit<E, 'session' | 'step' | 'at'> : never) : never;
