/**
 * A tiny node:http server on 127.0.0.1 that replays recorded SSE bytes (test/fixtures/sse/*) the
 * way a server sends them: in small pieces, split at arbitrary places. It is a recording, not a
 * model: the tests check that the endpoint backend reads these documented shapes correctly.
 */
import {readFileSync} from 'node:fs';
import {type IncomingMessage, type Server, type ServerResponse, createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {repoRoot} from '../helpers/env.js';

export const fixtureDir = join(repoRoot, 'test', 'fixtures', 'sse');

export interface Step {
  /** Answer with this status and JSON body instead of a stream. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Replay this fixture file. */
  fixture?: string;
  /** Destroy the socket after this many bytes of the fixture. */
  cutAfterBytes?: number;
  /** Wait before answering (for timeouts and cancellation). */
  delayMs?: number;
  /** Destroy the socket before answering anything. */
  hangUp?: boolean;
}

export interface ReplayServer {
  url: string;
  /** The JSON bodies of the POST requests received, in order. */
  requests: {path: string; headers: IncomingMessage['headers']; body: Record<string, unknown>}[];
  /** Steps answered in order by POSTs; the last one repeats. */
  script(steps: Step[]): void;
  close(): Promise<void>;
}

export async function startReplayServer(models: string[] = ['fixture-model']): Promise<ReplayServer> {
  let steps: Step[] = [];
  const requests: ReplayServer['requests'] = [];
  const server: Server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({object: 'list', data: models.map((id) => ({id, object: 'model', owned_by: 'fixture'}))}));
      return;
    }
    const text = Buffer.concat(chunks).toString('utf8');
    requests.push({path: req.url ?? '', headers: req.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}});
    const step = (steps.length > 1 ? steps.shift() : steps[0]) ?? {status: 500, body: {error: 'no step scripted'}};
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    if (step.hangUp) {
      req.socket.destroy();
      return;
    }
    if (step.status !== undefined) {
      res.writeHead(step.status, {'content-type': 'application/json', ...step.headers});
      res.end(JSON.stringify(step.body ?? {}));
      return;
    }
    const bytes = readFileSync(join(fixtureDir, step.fixture ?? 'missing.sse'));
    res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...step.headers});
    const limit = step.cutAfterBytes ?? bytes.length;
    // odd-sized pieces so events and even UTF-8 sequences are split across reads
    for (let i = 0; i < limit; i += 37) {
      res.write(bytes.subarray(i, Math.min(i + 37, limit)));
      await new Promise((r) => setImmediate(r));
    }
    if (step.cutAfterBytes !== undefined) {
      await new Promise((r) => setTimeout(r, 20));
      res.socket?.destroy();
      return;
    }
    res.end();
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (s) => {
      steps = [...s];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
