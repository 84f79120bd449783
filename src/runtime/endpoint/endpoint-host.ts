/**
 * The endpoint backend: a ModelHost over any OpenAI-compatible server (vLLM, TensorRT-LLM's
 * trtllm-serve, llama.cpp's llama-server, Ollama, `june serve`). Streams `/v1/chat/completions`
 * and `/v1/completions` over SSE, assembles streamed tool calls, and reports the server's own
 * prompt timings where it sends them (llama-server's `timings`).
 */
import {createParser, type EventSourceMessage} from 'eventsource-parser';
import {z} from 'zod';
import {JuneError} from '../../errors.js';
import type {
  ChatMessage,
  ChatTemplateReport,
  FinishReason,
  GenerateOptions,
  Generation,
  GenerationResult,
  InvalidToolCall,
  ModelHost,
  ModelInfo,
  ToolCall,
  ToolSpec,
} from '../model-host.js';
import {createGeneration, type Emit} from './generation-stream.js';
import {DEFAULT_RETRY, type FetchLike, type RetryPolicy, abortError, requestWithRetry} from './http.js';
import {constrainedToolsPrompt, constrainedTurnSchema, parseConstrainedAnswer} from '../embedded/tools.js';
import {ToolCallAssembler} from './tool-calls.js';
import {type EndpointUrl, parseEndpointUrl} from './url.js';
import {type Chunk, ChunkSchema, ModelsListSchema, PropsSchema, type ServerTimings} from './wire.js';

export interface EndpointOptions {
  /** The server root, with or without /v1. */
  url: string;
  apiKey?: string;
  /** The model name to request; default: the first model the server lists. */
  model?: string;
  retry?: Partial<RetryPolicy>;
  /** Default per-request wall-clock limit (GenerateOptions.timeoutMs overrides it); default 10 minutes. */
  timeoutMs?: number;
  /** Limit for opening (listing the models); default 30 s. */
  openTimeoutMs?: number;
  signal?: AbortSignal;
  fetch?: FetchLike;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** Connects to the server (GET /v1/models) and returns a host for its model. */
export async function openEndpoint(options: EndpointOptions): Promise<EndpointModelHost> {
  const url = parseEndpointUrl(options.url);
  const retry = {...DEFAULT_RETRY, ...options.retry};
  const fetchImpl: FetchLike = options.fetch ?? ((u, init) => fetch(u, init));
  const headers = authHeaders(options.apiKey);
  const listUrl = `${url.base}/v1/models`;
  const signal = withTimeout(options.signal, options.openTimeoutMs ?? 30_000, () =>
    new JuneError('ENDPOINT_UNREACHABLE', `${url.given} did not answer GET /v1/models in time`, {hint: 'check that the server is up and not overloaded'}),
  );
  let models: {id: string; contextSize: number | null; parameters: number | null}[] = [];
  try {
    const res = await requestWithRetry({url: listUrl, method: 'GET', headers, signal: signal.signal, retry, fetch: fetchImpl});
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new JuneError('ENDPOINT_BAD_RESPONSE', `${listUrl} did not answer with JSON (got: ${text.slice(0, 80)})`, {
        hint: 'is this an OpenAI-compatible server? pass its root URL, e.g. http://host:8000',
      });
    }
    const parsed = ModelsListSchema.safeParse(json);
    if (!parsed.success)
      throw new JuneError('ENDPOINT_BAD_RESPONSE', `${listUrl} did not answer with a model list`, {
        hint: 'is this an OpenAI-compatible server? pass its root URL, e.g. http://host:8000',
      });
    models = parsed.data.data.map((m) => ({id: m.id, ...modelMeta(m)}));
  } catch (err) {
    // a server without /v1/models still works when the model is named
    if (!(err instanceof JuneError && err.code === 'ENDPOINT_ERROR' && /answered 404/.test(err.message) && options.model)) throw err;
  } finally {
    signal.dispose();
  }
  const chosen = options.model ? models.find((m) => m.id === options.model) : models[0];
  if (!options.model && !chosen)
    throw new JuneError('ENDPOINT_ERROR', `${url.given} lists no models`, {hint: 'load a model on the server, or pass --model NAME'});
  const info: ModelInfo = {
    id: options.model ?? (chosen as {id: string}).id,
    backend: 'endpoint',
    source: url.base,
    contextSize: chosen?.contextSize ?? null,
    parameters: chosen?.parameters ?? null,
    gpu: false,
    threads: null,
  };
  return new EndpointModelHost(url, info, {
    headers,
    retry,
    fetch: fetchImpl,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    available: models.map((m) => m.id),
  });
}

function modelMeta(m: Record<string, unknown>): {contextSize: number | null; parameters: number | null} {
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const meta = (m.meta && typeof m.meta === 'object' ? m.meta : {}) as Record<string, unknown>;
  return {
    contextSize: num(m.max_model_len) ?? num(m.context_length) ?? num(meta.n_ctx) ?? num(meta.n_ctx_train),
    parameters: num(meta.n_params),
  };
}

function authHeaders(apiKey: string | undefined): Record<string, string> {
  const h: Record<string, string> = {'content-type': 'application/json', accept: 'text/event-stream, application/json'};
  if (apiKey) h.authorization = `Bearer ${apiKey}`;
  return h;
}

/** A signal that aborts with the caller's signal or, after `ms`, with the error `onTimeout` makes. */
function withTimeout(outer: AbortSignal | undefined, ms: number, onTimeout: () => JuneError): {signal: AbortSignal; dispose: () => void} {
  const ctrl = new AbortController();
  const onOuter = (): void => ctrl.abort(outer?.reason);
  if (outer?.aborted) ctrl.abort(outer.reason);
  else outer?.addEventListener('abort', onOuter, {once: true});
  const timer = setTimeout(() => ctrl.abort(onTimeout()), ms);
  timer.unref?.();
  return {
    signal: ctrl.signal,
    dispose: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

interface HostConfig {
  headers: Record<string, string>;
  retry: RetryPolicy;
  fetch: FetchLike;
  timeoutMs: number;
  available: string[];
}

type Kind = 'chat' | 'completion';

export class EndpointModelHost implements ModelHost {
  private closed = false;
  private readonly inflight = new Set<AbortController>();

  constructor(
    readonly url: EndpointUrl,
    readonly info: ModelInfo,
    private readonly config: HostConfig,
  ) {}

  /** The model names the server listed when it was opened. */
  get availableModels(): readonly string[] {
    return this.config.available;
  }

  chat(messages: ChatMessage[], options: GenerateOptions = {}): Generation {
    return this.generate('chat', messages, options);
  }

  complete(prompt: string, options: GenerateOptions = {}): Generation {
    return this.generate('completion', prompt, options);
  }

  /**
   * A conservative estimate (the server's tokenizer is out of reach): 1 token per 3 bytes of the
   * request's messages and tool declarations, plus 8 per message for the template. Callers correct
   * it with the `usage.promptTokens` the server reports.
   */
  async countTokens(messages: ChatMessage[], options: GenerateOptions = {}): Promise<{tokens: number; exact: boolean}> {
    const plan = planRequest('chat', this.info.id, messages, options);
    const wire = JSON.stringify({messages: plan.body.messages, tools: plan.body.tools ?? null, rf: plan.body.response_format ?? null});
    return {tokens: Math.ceil(Buffer.byteLength(wire, 'utf8') / 3) + 8 * messages.length, exact: false};
  }

  /**
   * What the server reports about the model's chat template: llama-server and june serve answer
   * `GET /props` with `chat_template` (june serve sends "" for a model without one). A server that
   * answers nothing usable (vLLM, Ollama's OpenAI API: 404) gives `present: null`, with why.
   */
  async chatTemplateReport(signal?: AbortSignal): Promise<ChatTemplateReport> {
    const propsUrl = `${this.url.base}/props`;
    const limit = withTimeout(signal, 10_000, () => new JuneError('TIMEOUT', `${propsUrl} did not answer in 10 s`));
    try {
      const res = await requestWithRetry({url: propsUrl, method: 'GET', headers: this.config.headers, signal: limit.signal, retry: {retries: 1, baseDelayMs: 250}, fetch: this.config.fetch});
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return {present: null, source: `the server reports nothing about a chat template (GET /props is not JSON)`};
      }
      const parsed = PropsSchema.safeParse(json);
      const template = parsed.success ? parsed.data.chat_template : undefined;
      if (typeof template !== 'string') return {present: null, source: 'the server reports nothing about a chat template (GET /props has no chat_template)'};
      return template.length > 0
        ? {present: true, source: 'the server reports a chat template (GET /props chat_template)', template}
        : {present: false, source: 'the server reports no chat template (GET /props chat_template is empty)'};
    } catch (err) {
      if (signal?.aborted) throw err;
      const why = err instanceof JuneError ? err.message : String(err);
      return {present: null, source: `the server reports nothing about a chat template (${why})`};
    } finally {
      limit.dispose();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.inflight) c.abort(new JuneError('INTERRUPTED', 'the model host was closed'));
    this.inflight.clear();
  }

  private generate(kind: Kind, input: ChatMessage[] | string, options: GenerateOptions): Generation {
    return createGeneration((emit) => this.run(kind, input, options, emit));
  }

  private async run(kind: Kind, input: ChatMessage[] | string, options: GenerateOptions, emit: Emit): Promise<GenerationResult> {
    if (this.closed) throw new JuneError('INTERNAL', 'the model host is closed');
    const plan = planRequest(kind, this.info.id, input, options);
    const path = kind === 'chat' ? '/v1/chat/completions' : '/v1/completions';
    const url = `${this.url.base}${path}`;
    const limit = options.timeoutMs ?? this.config.timeoutMs;
    const timed = withTimeout(options.signal, limit, () =>
      new JuneError('TIMEOUT', `${this.url.given} gave no complete answer within ${formatSeconds(limit)}`, {
        hint: 'raise the timeout, lower max tokens, or check the server load',
      }),
    );
    const ctrl = new AbortController();
    const onAbort = (): void => ctrl.abort(timed.signal.reason);
    timed.signal.addEventListener('abort', onAbort, {once: true});
    this.inflight.add(ctrl);
    const started = performance.now();
    const state = new StreamState(kind, plan, emit, started);
    try {
      const res = await requestWithRetry({
        url,
        method: 'POST',
        headers: this.config.headers,
        body: JSON.stringify(plan.body),
        signal: ctrl.signal,
        retry: this.config.retry,
        fetch: this.config.fetch,
      });
      const type = res.headers.get('content-type') ?? '';
      if (/application\/json/i.test(type)) await state.readJson(res, url);
      else await state.readSse(res, url, ctrl.signal);
      return state.finish(options.tools, options.invalidToolCalls === 'return');
    } catch (err) {
      if (!ctrl.signal.aborted) throw err;
      const reason = abortError(ctrl.signal);
      // our own timer → TIMEOUT; the caller's signal (or close()) → finishReason 'abort' with the text so far
      if (reason.code === 'TIMEOUT') throw reason;
      return state.aborted();
    } finally {
      timed.signal.removeEventListener('abort', onAbort);
      timed.dispose();
      this.inflight.delete(ctrl);
    }
  }
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}

interface Plan {
  body: Record<string, unknown>;
  /** Constrained tool mode over an endpoint: the answer is JSON naming a call or carrying the answer. */
  constrainedTools: readonly ToolSpec[] | undefined;
  tools: readonly ToolSpec[] | undefined;
}

/** Builds the request body; pure, so tests can check what goes on the wire. */
export function planRequest(kind: Kind, model: string, input: ChatMessage[] | string, o: GenerateOptions): Plan {
  if (o.grammar !== undefined)
    throw new JuneError('BAD_INPUT', 'GBNF grammars are supported by the embedded backend only', {
      hint: 'use a JSON schema (jsonSchema) with an endpoint, or run the model locally with --model',
    });
  const body: Record<string, unknown> = {model, stream: true, stream_options: {include_usage: true}};
  const constrained = kind === 'chat' && Boolean(o.tools?.length) && o.toolMode === 'constrained';
  if (kind === 'chat') body.messages = constrained ? toConstrainedWire(input as ChatMessage[], constrainedToolsPrompt(o.tools ?? [])) : (input as ChatMessage[]).map(toWireMessage);
  else body.prompt = input as string;
  if (o.maxTokens !== undefined) body.max_tokens = o.maxTokens;
  if (o.temperature !== undefined) body.temperature = o.temperature;
  if (o.topP !== undefined) body.top_p = o.topP;
  if (o.topK !== undefined) body.top_k = o.topK;
  if (o.seed !== undefined) body.seed = o.seed;
  if (o.stop?.length) body.stop = o.stop;
  if (o.ignoreEos) body.ignore_eos = true;
  const tools = o.tools?.length ? o.tools : undefined;
  let constrainedTools: readonly ToolSpec[] | undefined;
  if (tools) {
    if (kind === 'completion')
      throw new JuneError('BAD_INPUT', 'tools need a chat request, not a raw completion', {hint: 'use chat() with tools'});
    if (o.jsonSchema)
      throw new JuneError('BAD_INPUT', 'tools and a JSON-schema answer cannot be combined in one request', {hint: 'pass one of them'});
    if (o.toolMode === 'constrained') {
      constrainedTools = tools;
      body.response_format = jsonSchemaFormat('tool_call_or_final', constrainedTurnSchema(tools, o.toolChoice === 'required'));
    } else {
      if (o.toolChoice === 'required') body.tool_choice = 'required';
      body.tools = tools.map((t) => ({
        type: 'function',
        function: {name: t.name, description: t.description, parameters: z.toJSONSchema(t.parameters, {target: 'draft-7'})},
      }));
    }
  } else if (o.jsonSchema) {
    body.response_format = jsonSchemaFormat('answer', o.jsonSchema);
  }
  return {body, constrainedTools, tools};
}

function jsonSchemaFormat(name: string, schema: Record<string, unknown>): Record<string, unknown> {
  return {type: 'json_schema', json_schema: {name, schema, strict: true}};
}

/**
 * The constrained tool mode over an endpoint, as the embedded backend does it: the protocol prompt
 * joins the system message, earlier calls are the JSON the assistant emitted, tool results are
 * user turns; the answer is decoded under the server's JSON-schema support (response_format).
 */
function toConstrainedWire(messages: readonly ChatMessage[], toolsPrompt: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const names = new Map<string, string>();
  let systemDone = false;
  for (const m of messages) {
    if (m.role === 'system' && !systemDone) {
      out.push({role: 'system', content: `${m.content}\n\n${toolsPrompt}`});
      systemDone = true;
    } else if (m.role === 'assistant' && m.toolCalls?.length) {
      for (const c of m.toolCalls) names.set(c.id, c.name);
      const parts = [m.content, ...m.toolCalls.map((c) => JSON.stringify({tool: c.name, arguments: c.arguments}))].filter((t) => t !== '');
      out.push({role: 'assistant', content: parts.join('\n')});
    } else if (m.role === 'tool') {
      const name = m.toolCallId ? names.get(m.toolCallId) : undefined;
      out.push({role: 'user', content: `Tool result${name ? ` of ${name}` : ''}${m.toolCallId ? ` (${m.toolCallId})` : ''}:\n${m.content}`});
    } else {
      out.push({role: m.role, content: m.content});
    }
  }
  if (!systemDone) out.unshift({role: 'system', content: toolsPrompt});
  return out;
}

function toWireMessage(m: ChatMessage): Record<string, unknown> {
  const w: Record<string, unknown> = {role: m.role, content: m.content};
  if (m.toolCalls?.length)
    w.tool_calls = m.toolCalls.map((c) => ({id: c.id, type: 'function', function: {name: c.name, arguments: JSON.stringify(c.arguments ?? {})}}));
  if (m.toolCallId !== undefined) w.tool_call_id = m.toolCallId;
  return w;
}

function mapFinish(reason: string | null | undefined): FinishReason | undefined {
  if (reason === null || reason === undefined || reason === '') return undefined;
  if (reason === 'length') return 'length';
  if (reason === 'tool_calls' || reason === 'function_call') return 'tool_calls';
  if (reason === 'abort') return 'abort';
  return 'stop';
}

/** What one streamed answer has said so far. */
class StreamState {
  private readonly text: string[] = [];
  private readonly tools = new ToolCallAssembler();
  private finishReason: FinishReason | undefined;
  private doneSeen = false;
  private firstAt: number | undefined;
  private deltas = 0;
  private usage: Chunk['usage'];
  private timings: ServerTimings | null | undefined;

  constructor(
    private readonly kind: Kind,
    private readonly plan: Plan,
    private readonly emit: Emit,
    private readonly started: number,
  ) {}

  async readSse(res: Response, url: string, signal: AbortSignal): Promise<void> {
    if (!res.body) throw new JuneError('ENDPOINT_BAD_RESPONSE', `${url} sent an empty response`, {hint: 'check the server logs'});
    const pending: EventSourceMessage[] = [];
    const parser = createParser({onEvent: (ev) => pending.push(ev)});
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    try {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (err) {
          if (signal.aborted) throw abortError(signal);
          throw new JuneError('ENDPOINT_BAD_RESPONSE', `the stream from ${url} was cut mid-way (${errorText(err)})`, {
            hint: 'the server closed the connection while answering; check that it is still running',
            cause: err,
          });
        }
        if (chunk.done) break;
        parser.feed(decoder.decode(chunk.value, {stream: true}));
        for (const ev of pending.splice(0)) {
          this.onMessage(ev, url);
          if (this.doneSeen) break;
        }
        if (this.doneSeen) break;
      }
      parser.feed(decoder.decode());
      parser.feed('\n\n');
      if (!this.doneSeen) for (const ev of pending.splice(0)) this.onMessage(ev, url);
    } finally {
      reader.cancel().catch(() => undefined);
    }
    if (!this.doneSeen && this.finishReason === undefined)
      throw new JuneError('ENDPOINT_BAD_RESPONSE', `the stream from ${url} ended before the answer was complete (no finish_reason, no [DONE])`, {
        hint: 'the server stopped mid-answer; check that it is still running and its logs',
      });
  }

  async readJson(res: Response, url: string): Promise<void> {
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new JuneError('ENDPOINT_BAD_RESPONSE', `${url} sent JSON that does not parse: ${text.slice(0, 120)}`, {hint: 'check the server logs'});
    }
    this.onChunk(json, url);
    this.doneSeen = true;
  }

  private onMessage(ev: EventSourceMessage, url: string): void {
    const data = ev.data.trim();
    if (data === '[DONE]') {
      this.doneSeen = true;
      return;
    }
    if (data === '') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw new JuneError('ENDPOINT_BAD_RESPONSE', `${url} sent a stream event that is not JSON: ${data.slice(0, 120)}`, {
        hint: 'is this an OpenAI-compatible server? check the endpoint URL',
      });
    }
    this.onChunk(json, url);
  }

  private onChunk(json: unknown, url: string): void {
    const parsed = ChunkSchema.safeParse(json);
    if (!parsed.success)
      throw new JuneError('ENDPOINT_BAD_RESPONSE', `${url} sent a chunk june cannot read: ${JSON.stringify(json).slice(0, 160)}`, {
        hint: 'is this an OpenAI-compatible server? check the endpoint URL',
      });
    const c = parsed.data;
    if (c.error) {
      const msg = typeof c.error === 'string' ? c.error : (c.error.message ?? JSON.stringify(c.error));
      throw new JuneError('ENDPOINT_ERROR', `${url} reported an error mid-stream: ${msg}`, {hint: 'check the server logs'});
    }
    if (c.usage) this.usage = c.usage;
    if (c.timings) this.timings = c.timings;
    for (const choice of c.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue;
      const delta = choice.delta ?? choice.message;
      const text = this.kind === 'completion' ? choice.text : delta?.content;
      if ((choice.delta?.reasoning_content ?? '') !== '') this.mark();
      if (text) {
        this.mark();
        this.deltas++;
        this.text.push(text);
        if (!this.plan.constrainedTools) this.emit({type: 'token', text});
      }
      for (const tc of delta?.tool_calls ?? []) {
        this.mark();
        this.deltas++;
        this.tools.add(tc);
      }
      const fr = mapFinish(choice.finish_reason);
      if (fr) this.finishReason = fr;
    }
  }

  private mark(): void {
    this.firstAt ??= performance.now();
  }

  /** What had arrived when the caller aborted: the text so far, no tool calls, finishReason 'abort'. */
  aborted(): GenerationResult {
    const r = this.result(this.plan.constrainedTools ? '' : this.text.join(''), []);
    return {...r, finishReason: 'abort'};
  }

  finish(declared: readonly ToolSpec[] | undefined, returnInvalid = false): GenerationResult {
    let text = this.text.join('');
    const invalid: InvalidToolCall[] | null = returnInvalid ? [] : null;
    let toolCalls: ToolCall[] = this.tools.finish(declared, invalid);
    if (this.plan.constrainedTools) {
      const answer = parseConstrainedAnswer(text.trim(), this.plan.constrainedTools, returnInvalid);
      if (answer?.kind === 'call') {
        toolCalls = [answer.call];
        text = '';
      } else if (answer?.kind === 'invalid') {
        invalid?.push(answer.call);
        text = '';
      } else if (answer?.kind === 'final') {
        text = answer.text;
        if (this.finishReason === 'length') this.finishReason = 'stop';
      } else if (this.finishReason !== 'length') {
        throw new JuneError('ENDPOINT_BAD_RESPONSE', `the server did not keep to the JSON schema of the constrained tool mode (answer: ${text.slice(0, 120)})`, {
          hint: 'use a server with structured-output support (vLLM, llama-server, june serve) or toolMode "native"',
        });
      }
      // cut off by max tokens: the raw partial JSON comes back with finishReason 'length', as on the embedded backend
      if (text) this.emit({type: 'token', text});
    }
    for (const call of toolCalls) this.emit({type: 'tool_call', call});
    const r = this.result(text, toolCalls);
    if (invalid) r.invalidToolCalls = invalid;
    if ((toolCalls.length > 0 || (invalid?.length ?? 0) > 0) && r.finishReason === 'stop') r.finishReason = 'tool_calls';
    return r;
  }

  private result(text: string, toolCalls: ToolCall[]): GenerationResult {
    const end = performance.now();
    const t = this.timings;
    const promptMs = typeof t?.prompt_ms === 'number' ? t.prompt_ms : undefined;
    const cached = this.usage?.prompt_tokens_details?.cached_tokens ?? t?.cache_n ?? undefined;
    const usage = {
      promptTokens: this.usage?.prompt_tokens ?? (t?.prompt_n != null ? t.prompt_n + (t.cache_n ?? 0) : 0),
      completionTokens: this.usage?.completion_tokens ?? t?.predicted_n ?? this.deltas,
      ...(cached != null ? {cachedPromptTokens: cached} : {}),
    };
    const finishReason = this.finishReason ?? 'stop';
    return {
      text,
      toolCalls,
      finishReason,
      usage,
      timings: {
        ttftMs: (this.firstAt ?? end) - this.started,
        totalMs: end - this.started,
        ...(promptMs !== undefined ? {promptMs, promptTimingSource: 'server' as const} : {promptTimingSource: 'unavailable' as const}),
      },
    };
  }
}

function errorText(err: unknown): string {
  const cause = (err as {cause?: unknown}).cause;
  const c = cause instanceof Error ? cause.message : undefined;
  return [err instanceof Error ? err.message : String(err), c].filter(Boolean).join(': ');
}
