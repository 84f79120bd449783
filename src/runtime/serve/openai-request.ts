/**
 * What `june serve` accepts: OpenAI chat-completions and completions requests (zod), turned into
 * the ModelHost's messages and options. Unknown keys are ignored as OpenAI servers do; features
 * june cannot honour (images, n > 1) are refused with a 400, never silently dropped.
 */
import {z} from 'zod';
import type {ChatMessage, GenerateOptions, ToolCall, ToolSpec} from '../model-host.js';

export class RequestError extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

const TextPart = z.looseObject({type: z.literal('text'), text: z.string()});
const Content = z.union([z.string(), z.null(), z.array(z.looseObject({type: z.string()}))]);

const WireToolCall = z.looseObject({
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.looseObject({name: z.string(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional()}),
});

const Message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: Content.optional(),
  tool_calls: z.array(WireToolCall).nullish(),
  tool_call_id: z.string().nullish(),
});

const Sampling = {
  model: z.string().optional(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({include_usage: z.boolean().optional()}).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  top_k: z.number().int().nonnegative().nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(16)]).nullish(),
  n: z.number().int().positive().nullish(),
  /** vLLM / llama-server extension: generate until max_tokens. */
  ignore_eos: z.boolean().nullish(),
};

const ResponseFormat = z.discriminatedUnion('type', [
  z.looseObject({type: z.literal('text')}),
  z.looseObject({type: z.literal('json_object')}),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({name: z.string().optional(), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish()}),
  }),
]);

const Tool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool names are 1-64 letters, digits, _ or -'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const ChatRequestSchema = z.looseObject({
  ...Sampling,
  messages: z.array(Message).min(1),
  tools: z.array(Tool).nullish(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.looseObject({type: z.literal('function'), function: z.looseObject({name: z.string()})})]).nullish(),
  response_format: ResponseFormat.nullish(),
});
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

export const CompletionRequestSchema = z.looseObject({
  ...Sampling,
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  response_format: ResponseFormat.nullish(),
});
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.length ? issue.path.map(String).join('.') : null;
    throw new RequestError(`${param ?? 'body'}: ${issue?.message ?? 'invalid request'}`, 400, param);
  }
  return parsed.data;
}

function textOf(content: z.infer<typeof Content> | undefined, where: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, i) => {
      const t = TextPart.safeParse(part);
      if (!t.success) throw new RequestError(`${where}.content.${i}: only text content parts are supported (got "${part.type}")`, 400, `${where}.content`);
      return t.data.text;
    })
    .join('');
}

function parseArgs(raw: string | Record<string, unknown> | undefined): unknown {
  if (raw === undefined) return {};
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function toChatMessages(req: ChatRequest): ChatMessage[] {
  return req.messages.map((m, i) => {
    const msg: ChatMessage = {role: m.role === 'developer' ? 'system' : m.role, content: textOf(m.content, `messages.${i}`)};
    if (m.tool_calls?.length)
      msg.toolCalls = m.tool_calls.map((c, j): ToolCall => ({id: c.id ?? `call_${i}_${j}`, name: c.function.name, arguments: parseArgs(c.function.arguments)}));
    if (m.role === 'tool') {
      if (!m.tool_call_id) throw new RequestError(`messages.${i}.tool_call_id is required for tool messages`, 400, `messages.${i}.tool_call_id`);
      msg.toolCallId = m.tool_call_id;
    }
    return msg;
  });
}

/** OpenAI tools (JSON schema parameters) as ModelHost tools (zod parameters). */
export function toToolSpecs(req: ChatRequest): ToolSpec[] | undefined {
  if (!req.tools?.length || req.tool_choice === 'none') return undefined;
  let tools = req.tools;
  const choice = req.tool_choice;
  if (choice && typeof choice === 'object') {
    tools = tools.filter((t) => t.function.name === choice.function.name);
    if (!tools.length) throw new RequestError(`tool_choice names "${choice.function.name}", which is not in tools`, 400, 'tool_choice');
  }
  return tools.map((t, i) => {
    let parameters: z.ZodType;
    try {
      parameters = z.fromJSONSchema((t.function.parameters ?? {type: 'object', properties: {}}) as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (err) {
      throw new RequestError(`tools.${i}.function.parameters is not a JSON schema june can use: ${(err as Error).message}`, 400, `tools.${i}.function.parameters`);
    }
    return {name: t.function.name, description: t.function.description ?? '', parameters};
  });
}

export function toGenerateOptions(req: ChatRequest | CompletionRequest, signal: AbortSignal): GenerateOptions {
  if ((req.n ?? 1) !== 1) throw new RequestError('n > 1 is not supported; send several requests', 400, 'n');
  const o: GenerateOptions = {signal};
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (max != null) o.maxTokens = max;
  if (req.temperature != null) o.temperature = req.temperature;
  if (req.top_p != null) o.topP = req.top_p;
  if (req.top_k != null) o.topK = req.top_k;
  if (req.seed != null) o.seed = req.seed;
  if (req.ignore_eos) o.ignoreEos = true;
  if (req.stop != null) o.stop = typeof req.stop === 'string' ? [req.stop] : req.stop;
  const rf = req.response_format;
  if (rf?.type === 'json_object') o.jsonSchema = {type: 'object'};
  else if (rf?.type === 'json_schema') {
    if (!rf.json_schema.schema) throw new RequestError('response_format.json_schema.schema is required', 400, 'response_format.json_schema.schema');
    o.jsonSchema = rf.json_schema.schema;
  }
  return o;
}
