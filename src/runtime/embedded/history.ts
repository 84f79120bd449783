/**
 * Pure: june's ChatMessage[] → node-llama-cpp's ChatHistoryItem[] for the two tool modes.
 *
 * - 'constrained' (and no tools): a tool call the assistant made is rendered as the JSON it emitted,
 *   tool results as user turns, so the text is stable across turns (KV reuse) and any template works.
 * - 'native': calls and their results become functionCall items, which the chat wrapper renders in
 *   the model's own function-calling syntax.
 */
import type {ChatHistoryItem, ChatModelFunctionCall} from 'node-llama-cpp';
import type {ChatMessage} from '../model-host.js';

function pushUser(out: ChatHistoryItem[], text: string): void {
  const last = out[out.length - 1];
  if (last?.type === 'user') last.text = `${last.text}\n\n${text}`;
  else out.push({type: 'user', text});
}

function toolResultText(m: ChatMessage, name: string | undefined): string {
  return `Tool result${name ? ` of ${name}` : ''}${m.toolCallId ? ` (${m.toolCallId})` : ''}:\n${m.content}`;
}

export function toConstrainedHistory(messages: readonly ChatMessage[], toolsPrompt: string | null): ChatHistoryItem[] {
  const out: ChatHistoryItem[] = [];
  const names = new Map<string, string>();
  let systemDone = toolsPrompt === null;
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        if (!systemDone) {
          out.push({type: 'system', text: `${m.content}\n\n${toolsPrompt}`});
          systemDone = true;
        } else out.push({type: 'system', text: m.content});
        break;
      case 'user':
        pushUser(out, m.content);
        break;
      case 'assistant': {
        const calls = m.toolCalls ?? [];
        for (const c of calls) names.set(c.id, c.name);
        const parts: string[] = [];
        if (toolsPrompt !== null) {
          if (calls.length === 0) parts.push(JSON.stringify({final: m.content}));
          for (const c of calls) parts.push(JSON.stringify({tool: c.name, arguments: c.arguments}));
        } else parts.push(m.content);
        out.push({type: 'model', response: [parts.join('\n')]});
        break;
      }
      case 'tool':
        pushUser(out, toolResultText(m, m.toolCallId ? names.get(m.toolCallId) : undefined));
        break;
    }
  }
  if (!systemDone) out.unshift({type: 'system', text: toolsPrompt ?? ''});
  out.push({type: 'model', response: []});
  return out;
}

export function toNativeHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const out: ChatHistoryItem[] = [];
  const results = new Map<string, string>();
  for (const m of messages) if (m.role === 'tool' && m.toolCallId) results.set(m.toolCallId, m.content);
  const consumed = new Set<string>();
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        out.push({type: 'system', text: m.content});
        break;
      case 'user':
        pushUser(out, m.content);
        break;
      case 'assistant': {
        const response: Array<string | ChatModelFunctionCall> = [];
        if (m.content) response.push(m.content);
        for (const c of m.toolCalls ?? []) {
          consumed.add(c.id);
          response.push({type: 'functionCall', name: c.name, params: c.arguments, result: results.get(c.id) ?? '(no result)'});
        }
        out.push({type: 'model', response});
        break;
      }
      case 'tool':
        if (!m.toolCallId || !consumed.has(m.toolCallId)) pushUser(out, toolResultText(m, undefined));
        break;
    }
  }
  out.push({type: 'model', response: []});
  return out;
}
