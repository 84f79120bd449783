/**
 * The one interface every june command uses to talk to a model, whatever runs it: the embedded
 * node-llama-cpp backend or an OpenAI-compatible endpoint (vLLM, TensorRT-LLM, llama-server,
 * Ollama, `june serve`).
 *
 * This file is the contract between the runtime and its users (agent, benchmarks, voice, serve).
 * Extend it by adding optional fields; never change the meaning of an existing one.
 */
import type {z} from 'zod';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  /** Unique per call within a conversation (backends generate one when the model does not). */
  id: string;
  name: string;
  /** Parsed JSON arguments, validated against the tool's zod schema before they reach a handler. */
  arguments: unknown;
}

export interface ChatMessage {
  role: Role;
  content: string;
  /** Set on assistant messages that called tools. */
  toolCalls?: ToolCall[];
  /** Set on tool messages: the call this is the result of. */
  toolCallId?: string;
}

/** A tool the model may call: its parameters are declared once, as a zod schema. */
export interface ToolSpec<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  parameters: S;
}

export interface SamplingOptions {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  /** Generation stops before any of these strings; the stop string is not part of the text. */
  stop?: string[];
  /**
   * Keep generating past end-of-generation tokens until maxTokens (benchmarks: `june bench` tg
   * must time exactly the requested tokens). Sent as `ignore_eos` to endpoints (vLLM, llama-server).
   */
  ignoreEos?: boolean;
}

export interface GenerateOptions extends SamplingOptions {
  signal?: AbortSignal;
  /** Per-request wall-clock limit; exceeded → JuneError('TIMEOUT'). */
  timeoutMs?: number;
  /** Constrain the answer to JSON matching this JSON schema. */
  jsonSchema?: Record<string, unknown>;
  /** Constrain the answer with a GBNF grammar (embedded backend only). */
  grammar?: string;
  tools?: ToolSpec[];
  /**
   * How tool calls are produced. 'constrained': the model must answer with one declared call or a
   * final answer, decoded under a JSON-schema grammar (embedded backend; works with tiny models);
   * the final answer's text streams as `token` events while it decodes, a call streams nothing.
   * 'native': the chat template's own function calling. 'auto': native where the model supports
   * it, constrained otherwise.
   */
  toolMode?: 'constrained' | 'native' | 'auto';
  /**
   * 'required': the model must call a tool this turn (constrained: the grammar offers no final
   * answer; endpoints: `tool_choice: "required"`). Default 'auto'.
   */
  toolChoice?: 'auto' | 'required';
  /**
   * What a call that fails validation (not JSON, an undeclared tool, a schema violation) does:
   * 'throw' (default) rejects with INFERENCE_FAILED; 'return' puts it in result.invalidToolCalls
   * (id, name, raw arguments, error) so an agent can answer it with the error and go on — a
   * constrained call cut off by maxTokens too (finishReason 'length'; with 'throw' it comes back as
   * its raw partial JSON text).
   */
  invalidToolCalls?: 'throw' | 'return';
}

/** A tool call that failed validation, returned when GenerateOptions.invalidToolCalls is 'return'. */
export interface InvalidToolCall {
  id: string;
  name: string;
  /** The arguments as the model produced them (JSON text, or the object a server sent). */
  rawArguments: string;
  /** Why it was refused, written for the model. */
  error: string;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'abort';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the KV cache instead of being evaluated again. */
  cachedPromptTokens?: number;
  /** Prompt tokens actually run through the model for this request (embedded: the engine's token meter). */
  evaluatedPromptTokens?: number;
}

export interface Timings {
  /** From the request to the first generated token. */
  ttftMs: number;
  totalMs: number;
  /**
   * Prompt processing time where the backend reports it (marked as the server's own for endpoints):
   * embedded, from handing the prompt's tokens to the engine to the first generated token (like
   * llama-server's prompt_ms; tokenizing and waiting for a free sequence are in ttftMs only).
   */
  promptMs?: number;
  promptTimingSource?: 'measured' | 'server' | 'unavailable';
}

export interface GenerationResult {
  text: string;
  toolCalls: ToolCall[];
  /** Calls that failed validation (only with invalidToolCalls: 'return'); their ids are unique too. */
  invalidToolCalls?: InvalidToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  timings: Timings;
}

export type GenerationEvent =
  | {type: 'token'; text: string}
  | {type: 'tool_call'; call: ToolCall}
  | {type: 'done'; result: GenerationResult};

/** A running generation: iterate for streamed events, or await `result`. */
export interface Generation extends AsyncIterable<GenerationEvent> {
  readonly result: Promise<GenerationResult>;
}

export interface ModelInfo {
  /** Catalog id, file name, or the endpoint's model name. */
  id: string;
  backend: 'embedded' | 'endpoint';
  /** GGUF path (embedded) or base URL (endpoint). */
  source: string;
  contextSize: number | null;
  parameters: number | null;
  gpu: string | false;
  threads: number | null;
}

/**
 * Does the model carry its own chat template? What decides chat vs completion prompts (run-benchmarks
 * --prompt-style auto). Embedded: the GGUF's `tokenizer.chat_template`. Endpoint: what the server
 * reports (llama-server's and june serve's `GET /props` `chat_template`); `present: null` when it
 * reports nothing.
 */
export interface ChatTemplateReport {
  present: boolean | null;
  /** Where the answer comes from, in words (recorded in run.json). */
  source: string;
  /** The template text, where known (june serve reports it in GET /props). */
  template?: string;
}

/**
 * A loaded model. `chat` applies the model's own chat template; `complete` continues raw text
 * (HumanEval-style completion). A conversation handle reuses its KV cache across turns.
 */
export interface ModelHost {
  readonly info: ModelInfo;
  chat(messages: ChatMessage[], options?: GenerateOptions): Generation;
  complete(prompt: string, options?: GenerateOptions): Generation;
  /**
   * Tokens the request would put in the context (prompt + tool declarations), before sending it:
   * exact (the model's tokenizer and chat template) on the embedded backend, a conservative
   * estimate on endpoints. `exact` says which.
   */
  countTokens?(messages: ChatMessage[], options?: GenerateOptions): Promise<{tokens: number; exact: boolean}>;
  /** Whether the model has a chat template (see ChatTemplateReport); optional for hosts that cannot tell. */
  chatTemplateReport?(signal?: AbortSignal): Promise<ChatTemplateReport>;
  close(): Promise<void>;
}
