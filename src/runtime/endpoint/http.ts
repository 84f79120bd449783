/**
 * HTTP to an OpenAI-compatible server: one request with retries and backoff on connection errors
 * and on 429/5xx before the first byte, and the errors june reports for each way it can fail.
 */
import {JuneError, isAbortError} from '../../errors.js';
import {errorMessageFromBody} from './wire.js';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff delay; doubles each retry (with jitter), capped at 8 s. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {retries: 3, baseDelayMs: 250};

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The innermost error code of a fetch failure (`fetch failed` wraps the socket error in `cause`). */
export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const code = (e as {code?: unknown}).code;
    if (typeof code === 'string' && code !== 'ERR_INVALID_STATE') return code;
    e = (e as {cause?: unknown}).cause;
  }
  return undefined;
}

export function isConnectionError(err: unknown): boolean {
  const code = errorCode(err);
  if (code && CONNECTION_CODES.has(code)) return true;
  return err instanceof TypeError && /fetch failed|terminated|socket/i.test(err.message);
}

/** Rethrows what an aborted signal means: the caller's reason when it is a JuneError, else INTERRUPTED. */
export function abortError(signal: AbortSignal): JuneError {
  const reason: unknown = signal.reason;
  if (reason instanceof JuneError) return reason;
  return new JuneError('INTERRUPTED', 'interrupted', {hint: 'finished work was kept; rerun to continue', cause: reason});
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, {once: true});
  });
}

export function backoffMs(policy: RetryPolicy, attempt: number, retryAfter: string | null): number {
  const after = retryAfter === null ? NaN : Number(retryAfter);
  if (Number.isFinite(after) && after >= 0) return Math.min(after * 1000, 30_000);
  const exp = Math.min(policy.baseDelayMs * 2 ** attempt, 8000);
  return exp / 2 + Math.random() * (exp / 2);
}

export function unreachable(url: string, err: unknown): JuneError {
  const code = errorCode(err) ?? (err instanceof Error ? err.message : String(err));
  return new JuneError('ENDPOINT_UNREACHABLE', `cannot connect to ${url} (${code})`, {
    hint: `is the server running and listening there? start one with \`june serve --model …\` or fix --endpoint`,
    cause: err,
  });
}

export function httpError(url: string, status: number, statusText: string, body: string): JuneError {
  const msg = errorMessageFromBody(body);
  const hint =
    status === 401 || status === 403
      ? 'pass the server\'s key with --api-key or JUNE_API_KEY'
      : status === 404
        ? 'check the endpoint URL and the model name the server serves (GET /v1/models)'
        : status === 429 || status >= 500
          ? 'the server is overloaded or failing; retry later or check its logs'
          : 'check the request options against what the server supports';
  return new JuneError('ENDPOINT_ERROR', `${url} answered ${status}${statusText ? ` ${statusText}` : ''}${msg ? `: ${msg}` : ''}`, {hint});
}

export interface RequestSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  retry: RetryPolicy;
  fetch: FetchLike;
}

/** Sends a request; retries connection errors and 429/5xx; returns a 2xx response whose body is unread. */
export async function requestWithRetry(spec: RequestSpec): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      const init: RequestInit = {method: spec.method, headers: spec.headers, signal: spec.signal};
      if (spec.body !== undefined) init.body = spec.body;
      res = await spec.fetch(spec.url, init);
    } catch (err) {
      if (spec.signal.aborted) throw abortError(spec.signal);
      if (isAbortError(err)) throw err;
      if (attempt < spec.retry.retries && isConnectionError(err)) {
        await sleep(backoffMs(spec.retry, attempt, null), spec.signal);
        continue;
      }
      throw unreachable(spec.url, err);
    }
    if (res.ok) return res;
    let body = '';
    try {
      body = await res.text();
    } catch {
      // the body is only for the message
    }
    if ((res.status === 429 || res.status >= 500) && attempt < spec.retry.retries) {
      await sleep(backoffMs(spec.retry, attempt, res.headers.get('retry-after')), spec.signal);
      continue;
    }
    throw httpError(spec.url, res.status, res.statusText, body);
  }
}
