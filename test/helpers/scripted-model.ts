/**
 * A scripted model: an OpenAI-compatible server on 127.0.0.1 that decides each reply from the
 * conversation it is sent (never from a request counter), so a test states behaviour ("after a
 * write_file result, run it") and the agent's real requests drive it. It streams SSE exactly as
 * OpenAI servers do (content deltas, tool_call deltas with fragmented arguments, usage last).
 * It stands in for a capable model where the tiny GGUF cannot show a behaviour; it never replaces
 * the real-model tests.
 */
import {type IncomingMessage, type Server, type ServerResponse, createServer} from 'node:http';
import type {AddressInfo} from 'node:net';

export interface WireMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: Array<{id: string; type: 'function'; function: {name: string; arguments: string}}>;
  tool_call_id?: string;
}

export interface ChatRequest {
  model: string;
  messages: WireMessage[];
  tools?: Array<{type: 'function'; function: {name: string; description: string; parameters: unknown}}>;
  tool_choice?: unknown;
  response_format?: {type: string; json_schema?: {name: string; schema: unknown}};
  max_tokens?: number;
  stream?: boolean;
}

export type Reply =
  | {text: string; delayMs?: number; chunkDelayMs?: number}
  | {call: {name: string; arguments: unknown} | {name: string; rawArguments: string}; text?: string; delayMs?: number}
  /** Answer with an HTTP error. */
  | {status: number; message: string}
  /** Cut the connection. */
  | {hangUp: true};

export type Script = (req: ChatRequest, view: ConversationView) => Reply;

/** Questions a script asks about the conversation it was sent. */
export class ConversationView {
  constructor(readonly req: ChatRequest) {}

  get kind(): 'plan' | 'judge' | 'tools' | 'other' {
    const rf = this.req.response_format?.json_schema?.name;
    if (this.req.tools?.length) return 'tools';
    if (rf === 'answer') {
      const last = this.lastUser() ?? '';
      if (/Answer with JSON only: \{"steps"/.test(last)) return 'plan';
      if (/Answer with JSON only: \{"done"/.test(last)) return 'judge';
    }
    return 'other';
  }

  lastUser(): string | null {
    for (let i = this.req.messages.length - 1; i >= 0; i--) {
      const m = this.req.messages[i];
      if (m?.role === 'user') return m.content ?? '';
    }
    return null;
  }

  /** Tool results in order, each with the name of the call it answers. */
  toolResults(): Array<{name: string; content: string; args: unknown}> {
    const calls = new Map<string, {name: string; args: unknown}>();
    const out: Array<{name: string; content: string; args: unknown}> = [];
    for (const m of this.req.messages) {
      for (const c of m.tool_calls ?? []) {
        let args: unknown = c.function.arguments;
        try {
          args = JSON.parse(c.function.arguments);
        } catch {
          // raw
        }
        calls.set(c.id, {name: c.function.name, args});
      }
      if (m.role === 'tool' && m.tool_call_id) {
        const c = calls.get(m.tool_call_id);
        out.push({name: c?.name ?? '?', content: m.content ?? '', args: c?.args});
      }
    }
    return out;
  }

  /** Results since the last user message (this execute phase). */
  recentResults(): Array<{name: string; content: string; args: unknown}> {
    let lastUser = -1;
    this.req.messages.forEach((m, i) => {
      if (m.role === 'user') lastUser = i;
    });
    const after = new ConversationView({...this.req, messages: this.req.messages.slice(lastUser + 1)});
    return after.toolResults();
  }

  lastResult(): {name: string; content: string; args: unknown} | null {
    const r = this.toolResults();
    return r[r.length - 1] ?? null;
  }

  hasUser(re: RegExp): boolean {
    return this.req.messages.some((m) => m.role === 'user' && re.test(m.content ?? ''));
  }
}

export interface ScriptedModel {
  url: string;
  /** Every chat request received, parsed, in order. */
  requests: ChatRequest[];
  /** Byte size of each request body. */
  requestBytes: number[];
  setScript(s: Script): void;
  close(): Promise<void>;
}

/** Plans and judges get sensible defaults so scripts only describe the tool turns. */
export function defaultMeta(view: ConversationView): Reply | null {
  if (view.kind === 'plan') return {text: JSON.stringify({steps: ['look at the workspace', 'make the change', 'check it']})};
  if (view.kind === 'judge') return {text: JSON.stringify({done: true, reason: 'the checks passed'})};
  return null;
}

export async function startScriptedModel(script: Script, opts: {model?: string; contextLength?: number} = {}): Promise<ScriptedModel> {
  let current = script;
  const requests: ChatRequest[] = [];
  const requestBytes: number[] = [];
  const model = opts.model ?? 'scripted-coder';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks));
    });
  });
  let n = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    if (req.method === 'GET' && req.url?.endsWith('/models')) {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({object: 'list', data: [{id: model, object: 'model', ...(opts.contextLength ? {max_model_len: opts.contextLength} : {})}]}));
      return;
    }
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    const parsed = JSON.parse(body.toString('utf8')) as ChatRequest;
    requests.push(parsed);
    requestBytes.push(body.length);
    const view = new ConversationView(parsed);
    const reply = defaultMetaFirst(current, parsed, view);
    if ('hangUp' in reply) {
      req.socket.destroy();
      return;
    }
    if ('status' in reply) {
      res.writeHead(reply.status, {'content-type': 'application/json'});
      res.end(JSON.stringify({error: {message: reply.message}}));
      return;
    }
    if (reply.delayMs) await sleep(reply.delayMs);
    const id = `chatcmpl-${++n}`;
    res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache'});
    const send = (delta: Record<string, unknown>, finish: string | null = null): void => {
      res.write(`data: ${JSON.stringify({id, object: 'chat.completion.chunk', model, choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`);
    };
    let completion: number;
    if ('call' in reply) {
      if (reply.text) send({role: 'assistant', content: reply.text});
      const raw = 'rawArguments' in reply.call ? reply.call.rawArguments : JSON.stringify(reply.call.arguments);
      const callId = `call_${n}`;
      send({tool_calls: [{index: 0, id: callId, type: 'function', function: {name: reply.call.name, arguments: ''}}]});
      // arguments arrive in fragments, as real servers send them
      for (let i = 0; i < raw.length; i += 7) send({tool_calls: [{index: 0, function: {arguments: raw.slice(i, i + 7)}}]});
      completion = Math.ceil(raw.length / 4) + 4;
      send({}, 'tool_calls');
    } else {
      send({role: 'assistant', content: ''});
      const words = reply.text.match(/\S+\s*|\s+/g) ?? [];
      for (const w of words) {
        if (res.destroyed) return;
        send({content: w});
        if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      }
      completion = words.length;
      send({}, 'stop');
    }
    const prompt = Math.ceil(body.length / 4);
    res.write(`data: ${JSON.stringify({id, object: 'chat.completion.chunk', model, choices: [], usage: {prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion}})}\n\n`);
    res.end('data: [DONE]\n\n');
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestBytes,
    setScript(s) {
      current = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function defaultMetaFirst(script: Script, req: ChatRequest, view: ConversationView): Reply {
  const meta = view.kind === 'plan' || view.kind === 'judge' ? null : undefined;
  if (meta === undefined) return script(req, view);
  // scripts may answer plans and judges themselves; otherwise the defaults do
  try {
    const r = script(req, view);
    return r;
  } catch (err) {
    if (err instanceof NotScripted) return defaultMeta(view) as Reply;
    throw err;
  }
}

/** Thrown by a script for requests it leaves to the defaults (plans, judges). */
export class NotScripted extends Error {}

/** For scripts: answer plans and judges with the defaults. */
export function meta(view: ConversationView): never | void {
  if (view.kind === 'plan' || view.kind === 'judge') throw new NotScripted();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
