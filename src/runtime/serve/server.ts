/**
 * june serve's HTTP layer: an OpenAI-compatible server over one loaded ModelHost (node:http).
 * `/v1/models`, `/v1/chat/completions` and `/v1/completions` (streamed as SSE or not), `/props`
 * (llama-server's: the chat template), `/health`,
 * Prometheus `/metrics`. Requests beyond `parallel` wait in a FIFO; each generation has its own
 * abort signal, cancelled when its client goes away.
 */
import {createHash, randomUUID, timingSafeEqual} from 'node:crypto';
import {type IncomingMessage, type Server, type ServerResponse, createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {JuneError, isJuneError} from '../../errors.js';
import type {FinishReason, GenerationEvent, GenerationResult, ModelHost} from '../model-host.js';
import {ServeMetrics} from './metrics.js';
import {
  ChatRequestSchema,
  CompletionRequestSchema,
  RequestError,
  parseBody,
  toChatMessages,
  toGenerateOptions,
  toToolSpecs,
} from './openai-request.js';
import {Slots} from './slots.js';

export interface ServeOptions {
  host: ModelHost;
  /** Interface to bind; default 127.0.0.1. */
  hostname?: string;
  /** 0 = a free port. */
  port?: number;
  /** When set, /v1/* and /metrics need `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Generations served at once (the host must have that many sequences); the rest queue. Default 1. */
  parallel?: number;
  /** Per-request generation limit; default 10 minutes. */
  requestTimeoutMs?: number;
  /** Largest request body accepted; default 16 MiB. */
  maxBodyBytes?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  model: string;
  metrics: ServeMetrics;
  close(): Promise<void>;
}

type Route = '/v1/chat/completions' | '/v1/completions' | '/v1/models' | '/props' | '/health' | '/metrics' | 'other';

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const model = options.host.info.id;
  const metrics = new ServeMetrics(model);
  const slots = new Slots(Math.max(1, options.parallel ?? 1));
  const keyHash = options.apiKey ? sha(options.apiKey) : undefined;
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const timeoutMs = options.requestTimeoutMs ?? 10 * 60_000;
  const created = Math.floor(Date.now() / 1000);
  const live = new Set<AbortController>();

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      // last resort: never let one request take the server down
      if (!res.headersSent) sendError(res, 500, err instanceof Error ? err.message : String(err), 'server_error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route: Route = (['/v1/chat/completions', '/v1/completions', '/v1/models', '/props', '/health', '/metrics'] as const).find((r) => r === path) ?? 'other';
    res.on('finish', () => {
      metrics.requests.inc({route, status: String(res.statusCode)});
      metrics.latency.observe({route}, (performance.now() - started) / 1000);
      if (res.statusCode >= 400) metrics.errors.inc({route, code: String(res.statusCode)});
    });
    if (route === '/health') return sendJson(res, 200, {status: 'ok', model});
    if (keyHash && !authorized(req, keyHash)) {
      res.setHeader('www-authenticate', 'Bearer');
      return sendError(res, 401, 'missing or wrong API key: send "Authorization: Bearer <key>"', 'authentication_error', 'invalid_api_key');
    }
    if (route === '/metrics') {
      if (req.method !== 'GET') return sendError(res, 405, 'use GET', 'invalid_request_error');
      res.writeHead(200, {'content-type': metrics.registry.contentType});
      res.end(await metrics.registry.metrics());
      return;
    }
    if (route === '/v1/models') {
      if (req.method !== 'GET') return sendError(res, 405, 'use GET', 'invalid_request_error');
      return sendJson(res, 200, {
        object: 'list',
        data: [
          {
            id: model,
            object: 'model',
            created,
            owned_by: 'june',
            ...(options.host.info.contextSize ? {max_model_len: options.host.info.contextSize} : {}),
          },
        ],
      });
    }
    if (route === '/props') {
      // llama-server's shape, so clients can tell a chat model from a base model: chat_template is the
      // GGUF's tokenizer.chat_template, "" when the model has none
      if (req.method !== 'GET') return sendError(res, 405, 'use GET', 'invalid_request_error');
      const report = await options.host.chatTemplateReport?.();
      return sendJson(res, 200, {
        model_alias: model,
        ...(options.host.info.contextSize ? {n_ctx: options.host.info.contextSize} : {}),
        ...(report?.present === false ? {chat_template: ''} : report?.present && report.template ? {chat_template: report.template} : {}),
      });
    }
    if (route === 'other') return sendError(res, 404, `no route ${req.method ?? ''} ${path}`, 'invalid_request_error', 'not_found');
    if (req.method !== 'POST') return sendError(res, 405, 'use POST', 'invalid_request_error');

    let body: unknown;
    try {
      body = await readJson(req, maxBody);
    } catch (err) {
      const e = err as RequestError;
      return sendError(res, e.status ?? 400, e.message, 'invalid_request_error');
    }
    const ctrl = new AbortController();
    live.add(ctrl);
    // the client went away before the answer was complete: stop generating for it
    res.on('close', () => {
      if (!res.writableFinished) ctrl.abort(new JuneError('INTERRUPTED', 'the client closed the connection'));
    });
    const timer = setTimeout(
      () => ctrl.abort(new JuneError('TIMEOUT', `the request took longer than ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    try {
      await generate(route, body, started, res, ctrl.signal);
    } finally {
      clearTimeout(timer);
      live.delete(ctrl);
    }
  }

  async function generate(route: '/v1/chat/completions' | '/v1/completions', body: unknown, started: number, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const chat = route === '/v1/chat/completions';
    let run: () => AsyncIterable<GenerationEvent> & {result: Promise<GenerationResult>};
    let stream: boolean;
    let includeUsage: boolean;
    try {
      if (chat) {
        const r = parseBody(ChatRequestSchema, body);
        const messages = toChatMessages(r);
        const o = toGenerateOptions(r, signal);
        const tools = toToolSpecs(r);
        if (tools) {
          if (o.jsonSchema) throw new RequestError('tools and response_format json_schema cannot be combined', 400, 'response_format');
          o.tools = tools;
          o.toolMode = 'auto';
        }
        run = () => options.host.chat(messages, o);
        stream = r.stream === true;
        includeUsage = r.stream_options?.include_usage === true;
      } else {
        const r = parseBody(CompletionRequestSchema, body);
        const prompt = typeof r.prompt === 'string' ? r.prompt : (r.prompt[0] as string);
        const o = toGenerateOptions(r, signal);
        run = () => options.host.complete(prompt, o);
        stream = r.stream === true;
        includeUsage = r.stream_options?.include_usage === true;
      }
    } catch (err) {
      if (err instanceof RequestError) return sendError(res, err.status, err.message, 'invalid_request_error', null, err.param);
      throw err;
    }

    metrics.queued.set(slots.queued + 1);
    let release: (() => void) | undefined;
    try {
      release = await slots.acquire(signal);
    } catch {
      metrics.queued.set(slots.queued);
      if (!res.headersSent && !res.destroyed) sendError(res, 503, 'the request was cancelled while queued', 'server_error');
      return;
    }
    metrics.queued.set(slots.queued);
    metrics.inFlight.inc();
    const id = `${chat ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '')}`;
    const createdAt = Math.floor(Date.now() / 1000);
    const sse = new SseWriter(res, id, createdAt, model, chat);
    let firstAt: number | undefined;
    const markFirst = (): void => {
      if (firstAt !== undefined) return;
      firstAt = performance.now();
      metrics.ttft.observe({route}, (firstAt - started) / 1000);
    };
    try {
      const gen = run();
      let toolIndex = 0;
      for await (const ev of gen) {
        if (ev.type === 'token') {
          markFirst();
          if (stream) sse.delta(chat ? {content: ev.text} : {text: ev.text});
        } else if (ev.type === 'tool_call') {
          markFirst();
          if (stream)
            sse.delta({
              tool_calls: [{index: toolIndex++, id: ev.call.id, type: 'function', function: {name: ev.call.name, arguments: JSON.stringify(ev.call.arguments)}}],
            });
        } else {
          const r = ev.result;
          record(r);
          if (stream) {
            sse.finish(r.finishReason, timingsOf(r));
            if (includeUsage) sse.usage(usageOf(r));
            sse.done();
          } else {
            sendJson(res, 200, completionBody(chat, id, createdAt, model, r));
          }
        }
      }
    } catch (err) {
      const je = isJuneError(err) ? err : new JuneError('INFERENCE_FAILED', err instanceof Error ? err.message : String(err));
      metrics.errors.inc({route, code: je.code});
      if (signal.aborted && res.destroyed) return; // the client is gone; nothing to tell it
      const status = je.code === 'BAD_INPUT' || je.code === 'USAGE' ? 400 : je.code === 'TIMEOUT' ? 504 : 500;
      if (sse.started) sse.error(je.message, je.code);
      else sendError(res, status, je.message, status === 400 ? 'invalid_request_error' : 'server_error', je.code);
    } finally {
      metrics.inFlight.dec();
      release();
    }

    function record(r: GenerationResult): void {
      metrics.promptTokens.inc(r.usage.promptTokens);
      metrics.completionTokens.inc(r.usage.completionTokens);
      const genMs = r.timings.totalMs - r.timings.ttftMs;
      if (r.usage.completionTokens > 1 && genMs > 0) metrics.tokensPerSecond.observe({route}, (r.usage.completionTokens - 1) / (genMs / 1000));
    }
  }

  const hostname = options.hostname ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(new JuneError('USAGE', `port ${options.port ?? 0} on ${hostname} is already in use`, {hint: 'pick another --port, or --port 0 for a free one'}));
      else if (err.code === 'EACCES')
        reject(new JuneError('USAGE', `not allowed to listen on ${hostname}:${options.port ?? 0}`, {hint: 'use a port above 1024'}));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
        reject(new JuneError('USAGE', `cannot listen on ${hostname}: no such local address`, {hint: 'use 127.0.0.1, 0.0.0.0 or an address of this machine'}));
      else reject(err);
    });
    server.listen(options.port ?? 0, hostname, () => resolve());
  });
  const {port, address} = server.address() as AddressInfo;
  const shown = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${shown}:${port}`,
    port,
    model,
    metrics,
    close: async () => {
      for (const c of live) c.abort(new JuneError('INTERRUPTED', 'the server is shutting down'));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
    },
  };
}

function sha(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function authorized(req: IncomingMessage, keyHash: Buffer): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1]) return false;
  return timingSafeEqual(sha(m[1].trim()), keyHash);
}

async function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new RequestError(`request body larger than ${max} bytes`, 413);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestError('the request body is not JSON', 400);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)});
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, type: string, code: string | null = null, param: string | null = null): void {
  if (res.headersSent || res.destroyed) return;
  sendJson(res, status, {error: {message, type, param, code}});
}

function usageOf(r: GenerationResult): Record<string, unknown> {
  return {
    prompt_tokens: r.usage.promptTokens,
    completion_tokens: r.usage.completionTokens,
    total_tokens: r.usage.promptTokens + r.usage.completionTokens,
    ...(r.usage.cachedPromptTokens !== undefined ? {prompt_tokens_details: {cached_tokens: r.usage.cachedPromptTokens}} : {}),
  };
}

/** llama-server's `timings` object, so june's endpoint backend (and bench) can read the prompt time. */
function timingsOf(r: GenerationResult): Record<string, number> | undefined {
  if (r.timings.promptMs === undefined) return undefined;
  const cached = r.usage.cachedPromptTokens ?? 0;
  return {
    prompt_n: r.usage.promptTokens - cached,
    prompt_ms: r.timings.promptMs,
    cache_n: cached,
    predicted_n: r.usage.completionTokens,
    predicted_ms: Math.max(0, r.timings.totalMs - r.timings.ttftMs),
  };
}

function wireFinish(f: FinishReason): string {
  return f === 'abort' ? 'stop' : f;
}

function completionBody(chat: boolean, id: string, created: number, model: string, r: GenerationResult): Record<string, unknown> {
  const choice = chat
    ? {
        index: 0,
        message: {
          role: 'assistant',
          content: r.toolCalls.length && !r.text ? null : r.text,
          ...(r.toolCalls.length
            ? {tool_calls: r.toolCalls.map((c) => ({id: c.id, type: 'function', function: {name: c.name, arguments: JSON.stringify(c.arguments)}}))}
            : {}),
        },
        logprobs: null,
        finish_reason: wireFinish(r.finishReason),
      }
    : {index: 0, text: r.text, logprobs: null, finish_reason: wireFinish(r.finishReason)};
  const timings = timingsOf(r);
  return {
    id,
    object: chat ? 'chat.completion' : 'text_completion',
    created,
    model,
    choices: [choice],
    usage: usageOf(r),
    ...(timings ? {timings} : {}),
  };
}

/** One streamed answer in OpenAI's chunk format. */
class SseWriter {
  started = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly id: string,
    private readonly created: number,
    private readonly model: string,
    private readonly chat: boolean,
  ) {}

  private begin(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, {'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no'});
    if (this.chat) this.write({choices: [{index: 0, delta: {role: 'assistant', content: ''}, logprobs: null, finish_reason: null}]});
  }

  private write(payload: Record<string, unknown>): void {
    const chunk = {id: this.id, object: this.chat ? 'chat.completion.chunk' : 'text_completion', created: this.created, model: this.model, ...payload};
    this.res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }

  delta(delta: Record<string, unknown>): void {
    this.begin();
    if (this.chat) this.write({choices: [{index: 0, delta, logprobs: null, finish_reason: null}]});
    else this.write({choices: [{index: 0, text: delta.text, logprobs: null, finish_reason: null}]});
  }

  finish(reason: FinishReason, timings: Record<string, number> | undefined): void {
    this.begin();
    const choice = this.chat ? {index: 0, delta: {}, logprobs: null, finish_reason: wireFinish(reason)} : {index: 0, text: '', logprobs: null, finish_reason: wireFinish(reason)};
    this.write({choices: [choice], ...(timings ? {timings} : {})});
  }

  usage(usage: Record<string, unknown>): void {
    this.write({choices: [], usage});
  }

  done(): void {
    this.res.end('data: [DONE]\n\n');
  }

  error(message: string, code: string): void {
    if (this.res.destroyed) return;
    this.res.end(`data: ${JSON.stringify({error: {message, type: 'server_error', code}})}\n\n`);
  }
}
