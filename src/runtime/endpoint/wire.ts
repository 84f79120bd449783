/**
 * The OpenAI-compatible wire format as june reads it from servers (vLLM, trtllm-serve,
 * llama-server, Ollama, june serve): zod schemas, loose where servers differ.
 */
import {z} from 'zod';

const nullish = <T extends z.ZodType>(t: T) => t.nullable().optional();

export const ToolCallDeltaSchema = z.looseObject({
  index: nullish(z.number().int().nonnegative()),
  id: nullish(z.string()),
  type: nullish(z.string()),
  function: nullish(
    z.looseObject({
      name: nullish(z.string()),
      /** A JSON string in OpenAI's format; some servers send the object itself. */
      arguments: nullish(z.union([z.string(), z.record(z.string(), z.unknown())])),
    }),
  ),
});
export type ToolCallDelta = z.infer<typeof ToolCallDeltaSchema>;

const UsageSchema = z.looseObject({
  prompt_tokens: nullish(z.number()),
  completion_tokens: nullish(z.number()),
  prompt_tokens_details: nullish(z.looseObject({cached_tokens: nullish(z.number())})),
});

/** llama-server's own timings (also sent by june serve). */
export const ServerTimingsSchema = z.looseObject({
  prompt_n: nullish(z.number()),
  prompt_ms: nullish(z.number()),
  predicted_n: nullish(z.number()),
  predicted_ms: nullish(z.number()),
  cache_n: nullish(z.number()),
});
export type ServerTimings = z.infer<typeof ServerTimingsSchema>;

const ErrorBodySchema = z.union([
  z.string(),
  z.looseObject({message: nullish(z.string()), type: nullish(z.string()), code: nullish(z.union([z.string(), z.number()]))}),
]);

export const ChunkSchema = z.looseObject({
  choices: nullish(
    z.array(
      z.looseObject({
        index: nullish(z.number()),
        /** chat completions */
        delta: nullish(
          z.looseObject({
            role: nullish(z.string()),
            content: nullish(z.string()),
            reasoning_content: nullish(z.string()),
            tool_calls: nullish(z.array(ToolCallDeltaSchema)),
          }),
        ),
        /** non-streamed chat completions */
        message: nullish(
          z.looseObject({
            content: nullish(z.string()),
            tool_calls: nullish(z.array(ToolCallDeltaSchema)),
          }),
        ),
        /** text completions */
        text: nullish(z.string()),
        finish_reason: nullish(z.string()),
      }),
    ),
  ),
  usage: nullish(UsageSchema),
  timings: nullish(ServerTimingsSchema),
  error: nullish(ErrorBodySchema),
});
export type Chunk = z.infer<typeof ChunkSchema>;

export const ModelsListSchema = z.looseObject({
  data: z.array(z.looseObject({id: z.string()})),
});

/** The server's message from an error body, in the shapes OpenAI, vLLM (FastAPI), llama-server and Ollama use. */
export function errorMessageFromBody(body: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const text = body.trim();
    return text ? text.slice(0, 300) : undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const o = json as Record<string, unknown>;
  const err = o.error;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object' && typeof (err as {message?: unknown}).message === 'string')
    return (err as {message: string}).message;
  if (typeof o.message === 'string') return o.message;
  if (typeof o.detail === 'string') return o.detail;
  if (Array.isArray(o.detail)) return JSON.stringify(o.detail).slice(0, 300);
  return undefined;
}

/** llama-server's GET /props (also served by june serve): only what june reads. */
export const PropsSchema = z.looseObject({
  chat_template: nullish(z.string()),
});
