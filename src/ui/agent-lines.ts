/**
 * The headless renderers of the agent's event stream: NDJSON (one validated event per line, the
 * `--json` contract) and readable lines (plan, each call with a one-line result, the final answer).
 * The TUI (src/ui/agent/) is the third renderer of the same events.
 */
import {type AgentEvent, AgentEventSchema} from '../agents/events.js';

/** One NDJSON line; the event is checked against the schema first (a bad event is a bug, not output). */
export function ndjsonLine(event: AgentEvent): string {
  return JSON.stringify(AgentEventSchema.parse(event)) + '\n';
}

function oneLine(s: string, max = 100): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function argsLine(args: unknown): string {
  if (args && typeof args === 'object' && !Array.isArray(args)) {
    const o = args as Record<string, unknown>;
    const key = ['path', 'command', 'pattern', 'file'].find((k) => typeof o[k] === 'string');
    if (key) return oneLine(String(o[key]), 80);
    if (typeof o.code === 'string') return oneLine(o.code, 80);
  }
  return oneLine(JSON.stringify(args ?? {}), 80);
}

/** Readable text for one event, or null for events that have no line of their own (deltas, usage). */
export function textLine(event: AgentEvent): string | null {
  switch (event.type) {
    case 'session_start':
      return `session ${event.session} · ${event.model.id} (${event.model.backend}) · workspace ${event.workspace}${event.sandbox && !event.sandbox.available ? ' · no sandbox' : ''}`;
    case 'plan':
      return ['plan:', ...event.steps.map((s, i) => `  ${i + 1}. ${s}`)].join('\n');
    case 'tool_call':
      return `→ ${event.name} ${argsLine(event.args)}`;
    case 'approval':
      return event.decision === 'refused' ? `  ✗ refused (${event.class})` : null;
    case 'tool_result':
      return `  ${event.ok ? '✓' : '✗'} ${oneLine(event.output) || '(no output)'} (${event.ms} ms${event.truncated ? ', truncated' : ''})`;
    case 'message':
      return event.text ? event.text : null;
    case 'reflection':
      return `reflect: ${event.ok ? 'ok' : 'not done'}${event.checks.length ? ` · checks ${event.checks.filter((c) => c.ok).length}/${event.checks.length} passed` : ''}${event.verdict ? ` · ${oneLine(event.verdict.reason, 80)}` : ''}`;
    case 'compaction':
      return `(context compacted: ${event.before} → ${event.after} tokens, ${event.how})`;
    case 'error':
      return `Error (${event.code}): ${event.message}${event.hint ? ` Hint: ${event.hint}` : ''}`;
    case 'done':
      return `done: ${event.reason} · ${event.toolCalls} tool call(s) · ${event.tokens} tokens · ${(event.ms / 1000).toFixed(1)} s`;
    default:
      return null;
  }
}
