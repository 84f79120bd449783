/**
 * Streamed tool calls, assembled: OpenAI servers send the id and name first and the JSON arguments
 * in fragments, keyed by `index`; Ollama sends each call whole, sometimes every call at index 0
 * told apart only by id. At the end each call's arguments are parsed and validated against the
 * tool's zod schema.
 */
import {randomUUID} from 'node:crypto';
import {JuneError} from '../../errors.js';
import type {ToolCall, ToolSpec} from '../model-host.js';
import type {ToolCallDelta} from './wire.js';

interface Slot {
  id: string | undefined;
  name: string;
  args: string[];
  /** Arguments sent as an object instead of a JSON string. */
  object: Record<string, unknown> | undefined;
}

export class ToolCallAssembler {
  private readonly slots: Slot[] = [];
  /** Raw index → the slot currently open at that index. */
  private readonly open = new Map<number, number>();

  get size(): number {
    return this.slots.length;
  }

  add(delta: ToolCallDelta): void {
    const index = delta.index ?? 0;
    let slotNo = this.open.get(index);
    const current = slotNo === undefined ? undefined : this.slots[slotNo];
    const startsNew = current === undefined || (delta.id != null && delta.id !== '' && current.id !== undefined && delta.id !== current.id);
    if (startsNew) {
      slotNo = this.slots.length;
      this.slots.push({id: undefined, name: '', args: [], object: undefined});
      this.open.set(index, slotNo);
    }
    const slot = this.slots[slotNo as number] as Slot;
    if (delta.id) slot.id = delta.id;
    const fn = delta.function;
    // the name comes once, in the first fragment (a server that repeats it sends the same name)
    if (fn?.name && !slot.name) slot.name = fn.name;
    const a = fn?.arguments;
    if (typeof a === 'string') slot.args.push(a);
    else if (a && typeof a === 'object') slot.object = a;
  }

  /** The assembled calls, arguments parsed and validated; throws TOOL_CALL_INVALID on the first bad one. */
  finish(tools: readonly ToolSpec[] | undefined): ToolCall[] {
    return this.slots.map((slot) => validateToolCall(slot.id ?? `call_${randomUUID()}`, slot.name, slot.object ?? slot.args.join(''), tools));
  }
}

/** Parses (when a string) and validates one call's arguments against the declared tool. */
export function validateToolCall(id: string, name: string, rawArgs: string | Record<string, unknown>, tools: readonly ToolSpec[] | undefined): ToolCall {
  const tool = tools?.find((t) => t.name === name);
  if (!tool)
    throw new JuneError('TOOL_CALL_INVALID', `the model called "${name || '(no name)'}", which is not one of the declared tools (${(tools ?? []).map((t) => t.name).join(', ') || 'none'})`, {
      hint: 'use a model with tool-calling support, or the constrained tool mode',
    });
  let args: unknown;
  if (typeof rawArgs === 'string') {
    try {
      args = rawArgs.trim() === '' ? {} : JSON.parse(rawArgs);
    } catch {
      throw new JuneError('TOOL_CALL_INVALID', `the model called "${name}" with arguments that are not JSON: ${rawArgs.slice(0, 200)}`, {
        hint: 'use a model with tool-calling support, or the constrained tool mode',
      });
    }
  } else {
    args = rawArgs;
  }
  const parsed = tool.parameters.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.map(String).join('.') : '(arguments)';
    throw new JuneError('TOOL_CALL_INVALID', `the model called "${name}" with arguments that do not match its schema: ${where}: ${issue?.message ?? 'invalid'}`, {
      hint: 'use a model with tool-calling support, or the constrained tool mode',
    });
  }
  return {id, name, arguments: parsed.data};
}
