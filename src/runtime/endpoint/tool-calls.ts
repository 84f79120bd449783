/**
 * Streamed tool calls, assembled: OpenAI servers send the id and name first and the JSON arguments
 * in fragments, keyed by `index`; Ollama sends each call whole, sometimes every call at index 0
 * told apart only by id. At the end each call's arguments are parsed and validated against the
 * tool's zod schema.
 */
import {randomUUID} from 'node:crypto';
import {JuneError} from '../../errors.js';
import {invalidCall, validateToolCall as validateArgs} from '../embedded/tools.js';
import type {InvalidToolCall, ToolCall, ToolSpec} from '../model-host.js';
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

  /**
   * The assembled calls, arguments parsed and validated; throws INFERENCE_FAILED on the first bad
   * one, unless `invalid` is given: then bad calls go there and the valid ones are returned.
   */
  finish(tools: readonly ToolSpec[] | undefined, invalid: InvalidToolCall[] | null = null): ToolCall[] {
    const calls: ToolCall[] = [];
    for (const slot of this.slots) {
      const id = slot.id ?? `call_${randomUUID()}`;
      const raw = slot.object ?? slot.args.join('');
      if (!invalid) {
        calls.push(validateToolCall(id, slot.name, raw, tools));
        continue;
      }
      try {
        calls.push(validateToolCall(id, slot.name, raw, tools));
      } catch (err) {
        invalid.push(invalidCall(id, slot.name, raw, err));
      }
    }
    return calls;
  }
}

/** Parses (when a string) one call's arguments and validates them against the declared tool (the embedded backend's check). */
export function validateToolCall(id: string, name: string, rawArgs: string | Record<string, unknown>, tools: readonly ToolSpec[] | undefined): ToolCall {
  let args: unknown = rawArgs;
  if (typeof rawArgs === 'string') {
    try {
      args = rawArgs.trim() === '' ? {} : JSON.parse(rawArgs);
    } catch {
      throw new JuneError('INFERENCE_FAILED', `the model called "${name}" with arguments that are not JSON: ${rawArgs.slice(0, 200)}`, {
        hint: 'retry the turn, use a model with tool-calling support, or the constrained tool mode',
      });
    }
  }
  return validateArgs(tools ?? [], name, args, id);
}
