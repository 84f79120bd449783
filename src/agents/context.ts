/**
 * The context budget. Before every request the agent counts its tokens (exact on the embedded
 * backend; on endpoints a conservative estimate, corrected by the server's reported usage). Past
 * 75 % of the context it first elides old tool outputs (the transcript keeps them whole), then
 * folds older turns into a state snapshot. A request that still cannot fit is never sent
 * (CONTEXT_OVERFLOW). The system message at the head is never touched, so the KV cache prefix
 * stays reusable.
 */
import {JuneError} from '../errors.js';
import type {ChatMessage, GenerateOptions, ModelHost} from '../runtime/model-host.js';

export const COMPACT_AT = 0.75;
/** Tool results kept whole at the tail when old outputs are elided. */
const KEEP_RECENT_TOOL_RESULTS = 2;
/** Messages kept verbatim at the tail when older turns are folded into a snapshot. */
const KEEP_RECENT_MESSAGES = 6;

export interface TokenCounter {
  count(messages: ChatMessage[], options: GenerateOptions): Promise<number>;
  /** Tells the counter what the server said the last request's prompt really was. */
  observe(estimated: number, actual: number): void;
}

/** Counts with the host (exact or estimate); estimates are scaled up by what servers reported. */
export function tokenCounter(host: ModelHost): TokenCounter {
  let factor = 1;
  return {
    async count(messages, options) {
      if (host.countTokens) {
        const {tokens, exact} = await host.countTokens(messages, options);
        return exact ? tokens : Math.ceil(tokens * factor);
      }
      const bytes = Buffer.byteLength(JSON.stringify({messages, tools: options.tools?.map((t) => t.name)}), 'utf8');
      return Math.ceil((bytes / 3) * factor);
    },
    observe(estimated, actual) {
      // only ever grow the correction: an underestimate is what overflows a context
      if (estimated > 0 && actual > estimated * factor) factor = actual / estimated;
    },
  };
}

export interface FitResult {
  messages: ChatMessage[];
  promptTokens: number;
  /** Tokens the reply may use (the reply budget, or what is left of the context if less). */
  replyTokens: number;
  compaction: {before: number; after: number; how: 'elide' | 'summary'} | null;
}

/** Makes the request fit `contextSize` with room for the reply; the conversation is returned changed when it had to be. */
export async function fitContext(
  counter: TokenCounter,
  messages: ChatMessage[],
  options: GenerateOptions,
  contextSize: number,
  replyTokens: number,
  opts: {force?: boolean} = {},
): Promise<FitResult> {
  const limit = Math.floor(contextSize * COMPACT_AT);
  const before = await counter.count(messages, options);
  if (!opts.force && before + replyTokens <= limit) return {messages, promptTokens: before, replyTokens, compaction: null};

  let current = elideOldToolOutputs(messages);
  let count = await counter.count(current, options);
  let how: 'elide' | 'summary' = 'elide';
  if (opts.force || count + replyTokens > limit) {
    current = foldIntoSnapshot(current);
    count = await counter.count(current, options);
    how = 'summary';
  }
  // nothing older to fold or elide (a short conversation whose reply reservation crosses 75 %): the
  // conversation stays as it is (its KV cache too), and only the reply budget shrinks to fit
  const unchanged = current.length === messages.length && current.every((m, i) => m === messages[i]);
  if (unchanged) {
    current = messages;
    count = before;
  }
  let reply = replyTokens;
  if (count + reply > contextSize) reply = contextSize - count;
  if (reply < Math.min(64, replyTokens))
    throw new JuneError('CONTEXT_OVERFLOW', `the request needs ${count} tokens and the context holds ${contextSize}, even after compaction`, {
      hint: 'raise --ctx-size (or the server\'s context length), or start a new session with a shorter task',
    });
  return {messages: current, promptTokens: count, replyTokens: reply, compaction: unchanged ? null : {before, after: count, how}};
}

const ELIDED = '[output elided to save context';

/** Old tool results (all but the last few) replaced by a one-line note of their size. */
export function elideOldToolOutputs(messages: readonly ChatMessage[]): ChatMessage[] {
  const toolIdx = messages.map((m, i) => (m.role === 'tool' ? i : -1)).filter((i) => i >= 0);
  const old = new Set(toolIdx.slice(0, Math.max(0, toolIdx.length - KEEP_RECENT_TOOL_RESULTS)));
  return messages.map((m, i) =>
    old.has(i) && !m.content.startsWith(ELIDED)
      ? {...m, content: `${ELIDED}: ${m.content.length} characters; the session transcript keeps it whole]`}
      : m,
  );
}

/**
 * Older turns folded into one state snapshot (goal, files changed, actions taken, last words),
 * keeping the system message and the recent tail whole; the tail never starts with a tool result
 * cut off from the call it answers.
 */
export function foldIntoSnapshot(messages: readonly ChatMessage[]): ChatMessage[] {
  const head = messages[0]?.role === 'system' ? [messages[0]] : [];
  const body = messages.slice(head.length);
  let cut = Math.max(0, body.length - KEEP_RECENT_MESSAGES);
  while (cut < body.length && body[cut]?.role === 'tool') cut++;
  const older = body.slice(0, cut);
  const recent = body.slice(cut);
  if (older.length === 0) return [...messages];
  return [...head, {role: 'user', content: stateSnapshot(older)}, ...(recent[0]?.role === 'user' ? [{role: 'assistant' as const, content: 'Understood.'}] : []), ...recent];
}

export function stateSnapshot(older: readonly ChatMessage[]): string {
  const goal = older.find((m) => m.role === 'user' && !m.content.startsWith('State snapshot'))?.content ?? '';
  const earlier = older.find((m) => m.role === 'user' && m.content.startsWith('State snapshot'));
  const files = new Set<string>();
  const actions: string[] = [];
  const results = new Map<string, string>();
  for (const m of older) if (m.role === 'tool' && m.toolCallId) results.set(m.toolCallId, m.content);
  for (const m of older) {
    for (const c of m.toolCalls ?? []) {
      const a = (c.arguments ?? {}) as Record<string, unknown>;
      if ((c.name === 'write_file' || c.name === 'edit_file') && typeof a.path === 'string') files.add(a.path);
      const r = results.get(c.id) ?? '';
      const ok = r.startsWith(ELIDED) ? '' : ` → ${firstLine(r).slice(0, 80)}`;
      actions.push(`- ${c.name} ${JSON.stringify(c.arguments).slice(0, 100)}${ok}`);
    }
  }
  const lastWords = [...older].reverse().find((m) => m.role === 'assistant' && m.content.trim() !== '')?.content ?? '';
  return [
    'State snapshot of the conversation so far (older turns were folded to save context):',
    earlier ? earlier.content.split('\n').slice(1).join('\n') : '',
    `Goal: ${goal.slice(0, 1500)}`,
    `Files changed: ${files.size ? [...files].join(', ') : 'none'}`,
    `Actions (${actions.length}):`,
    ...actions.slice(-20),
    lastWords ? `Last said: ${lastWords.slice(0, 500)}` : '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? '';
}
