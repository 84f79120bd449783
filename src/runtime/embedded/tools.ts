/**
 * Pure helpers for tool calling and constrained output on the embedded backend: zod → JSON schema
 * in the subset node-llama-cpp's grammar compiler takes, the schema of a constrained tool turn
 * (exactly one declared call or a final answer), its system-prompt text, and the parse + zod
 * validation of what the model produced.
 */
import {randomUUID} from 'node:crypto';
import {z} from 'zod';
import {JuneError} from '../../errors.js';
import type {InvalidToolCall, ToolCall, ToolSpec} from '../model-host.js';

type Json = null | boolean | number | string | Json[] | {[k: string]: Json};
export type JsonSchema = {[k: string]: Json};

/** Keywords node-llama-cpp's JSON-schema grammar understands; the rest are dropped (zod validates them after). */
const KEEP = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'minItems', 'maxItems',
  'minLength', 'maxLength', 'format', 'enum', 'const', 'oneOf', 'description', '$defs', '$ref', 'minProperties', 'maxProperties',
]);
const FORMATS = new Set(['date-time', 'time', 'date']);

/**
 * Rewrites a JSON schema into node-llama-cpp's GBNF-able subset: anyOf → oneOf, enum/const without a
 * redundant type, unsupported formats and numeric bounds dropped. allOf/not cannot be expressed → BAD_INPUT.
 */
export function toGrammarSchema(schema: unknown, where = 'schema'): JsonSchema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    throw new JuneError('BAD_INPUT', `${where} is not a JSON schema object`, {hint: 'pass an object schema'});
  const src = schema as Record<string, unknown>;
  if ('allOf' in src || 'not' in src || 'if' in src)
    throw new JuneError('BAD_INPUT', `${where} uses allOf/not/if, which constrained decoding cannot express`, {
      hint: 'flatten the schema (z.object(...).extend instead of .and / intersections)',
    });
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'anyOf') {
      out.oneOf = (v as unknown[]).map((s, i) => toGrammarSchema(s, `${where}.anyOf[${i}]`));
      continue;
    }
    if (!KEEP.has(k)) continue;
    if (k === 'format' && !FORMATS.has(String(v))) continue;
    if (k === 'properties' || k === '$defs') {
      const props: JsonSchema = {};
      for (const [pk, pv] of Object.entries(v as Record<string, unknown>)) props[pk] = toGrammarSchema(pv, `${where}.${pk}`);
      out[k] = props;
    } else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object' && v !== null)) {
      out[k] = toGrammarSchema(v, `${where}.${k}`);
    } else if (k === 'oneOf' || k === 'prefixItems') {
      out[k] = (v as unknown[]).map((s, i) => toGrammarSchema(s, `${where}.${k}[${i}]`));
    } else {
      out[k] = v as Json;
    }
  }
  if ('enum' in out || 'const' in out) delete out.type;
  if (out.type === 'object' && out.properties === undefined && out.additionalProperties === undefined) out.additionalProperties = true;
  return out;
}

/** The JSON schema of a tool's parameters, derived once from its zod schema. */
export function toolParametersSchema(tool: ToolSpec): JsonSchema {
  let raw: unknown;
  try {
    raw = z.toJSONSchema(tool.parameters, {io: 'input', unrepresentable: 'any'});
  } catch (err) {
    throw new JuneError('BAD_INPUT', `tool ${tool.name}: its zod schema has no JSON-schema form (${(err as Error).message})`, {
      hint: 'use plain zod objects, strings, numbers, enums, arrays and unions for tool parameters',
    });
  }
  return toGrammarSchema(raw, `tool ${tool.name} parameters`);
}

/** Exactly one of the declared calls, or (unless `requireCall`) a final answer. */
export function constrainedTurnSchema(tools: readonly ToolSpec[], requireCall = false): JsonSchema {
  const names = new Set<string>();
  const options: JsonSchema[] = [];
  for (const t of tools) {
    if (names.has(t.name)) throw new JuneError('BAD_INPUT', `two tools are named ${t.name}`, {hint: 'tool names must be unique'});
    names.add(t.name);
    options.push({
      type: 'object',
      properties: {tool: {const: t.name}, arguments: toolParametersSchema(t)},
      required: ['tool', 'arguments'],
      additionalProperties: false,
    });
  }
  if (!requireCall) options.push({type: 'object', properties: {final: {type: 'string'}}, required: ['final'], additionalProperties: false});
  return options.length === 1 ? (options[0] as JsonSchema) : {oneOf: options};
}

/** The system-prompt text that tells the model the protocol of a constrained turn. */
export function constrainedToolsPrompt(tools: readonly ToolSpec[]): string {
  const lines = tools.map((t) => `- ${t.name}: ${t.description}\n  arguments (JSON schema): ${JSON.stringify(toolParametersSchema(t))}`);
  return [
    'You can call tools. Answer with exactly one JSON object and nothing else:',
    '{"tool": "<tool name>", "arguments": {...}} to call one tool, or {"final": "<your answer>"} when you are done.',
    'Tools:',
    ...lines,
  ].join('\n');
}

export type ConstrainedAnswer = {kind: 'call'; call: ToolCall} | {kind: 'final'; text: string} | {kind: 'invalid'; call: InvalidToolCall};

export function newCallId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

/** Validates arguments with the tool's zod schema; the parsed (zod output) value is what handlers get. */
export function validateToolCall(tools: readonly ToolSpec[], name: string, args: unknown, id = newCallId()): ToolCall {
  const tool = tools.find((t) => t.name === name);
  if (!tool)
    throw new JuneError('INFERENCE_FAILED', `the model called an undeclared tool "${name}"`, {
      hint: `declared tools: ${tools.map((t) => t.name).join(', ')}`,
    });
  const parsed = tool.parameters.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue && issue.path.length ? ` at ${issue.path.map(String).join('.')}` : '';
    throw new JuneError('INFERENCE_FAILED', `the model's call to ${name} failed its argument schema${at}: ${issue?.message ?? 'invalid'}`, {
      hint: 'retry the turn (higher temperature or a stronger model), or loosen the tool schema',
    });
  }
  return {id, name, arguments: parsed.data};
}

/** A call that failed validation, as an InvalidToolCall (GenerateOptions.invalidToolCalls 'return'). */
export function invalidCall(id: string, name: string, rawArguments: unknown, err: unknown): InvalidToolCall {
  return {
    id,
    name,
    rawArguments: typeof rawArguments === 'string' ? rawArguments : JSON.stringify(rawArguments ?? {}),
    error: err instanceof Error ? err.message : String(err),
  };
}

/**
 * Validates a call, or (collect given) records it as invalid and returns null. `collect` is the
 * invalidToolCalls array of a request made with invalidToolCalls: 'return'.
 */
export function validateOrCollect(
  tools: readonly ToolSpec[],
  name: string,
  args: unknown,
  id: string,
  collect: InvalidToolCall[] | null,
): ToolCall | null {
  if (!collect) return validateToolCall(tools, name, args, id);
  try {
    return validateToolCall(tools, name, args, id);
  } catch (err) {
    collect.push(invalidCall(id, name, args, err));
    return null;
  }
}

/** The tool a constrained call cut off mid-JSON was naming, when its name was complete. */
export function cutCallName(text: string): string | null {
  return /^\s*\{\s*"tool"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? null;
}

/**
 * Parses a constrained turn's JSON. Returns null when the text is not a complete answer (cut off).
 * A call that fails validation throws INFERENCE_FAILED, or with `returnInvalid` comes back as
 * {kind: 'invalid'}.
 */
export function parseConstrainedAnswer(text: string, tools: readonly ToolSpec[], returnInvalid = false): ConstrainedAnswer | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as {tool?: unknown; arguments?: unknown; final?: unknown};
  if (typeof v.final === 'string') return {kind: 'final', text: v.final};
  if (typeof v.tool === 'string') {
    const id = newCallId();
    if (!returnInvalid) return {kind: 'call', call: validateToolCall(tools, v.tool, v.arguments ?? {}, id)};
    try {
      return {kind: 'call', call: validateToolCall(tools, v.tool, v.arguments ?? {}, id)};
    } catch (err) {
      return {kind: 'invalid', call: invalidCall(id, v.tool, v.arguments, err)};
    }
  }
  return null;
}
