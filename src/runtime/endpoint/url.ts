/** Endpoint URLs: checked once, normalised to the server root (without a trailing /v1). */
import {JuneError} from '../../errors.js';

export interface EndpointUrl {
  /** The URL as the user gave it (for messages). */
  given: string;
  /** Scheme, host, port and any path prefix, without a trailing slash or /v1. */
  base: string;
}

export function parseEndpointUrl(given: string): EndpointUrl {
  const trimmed = given.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new JuneError('USAGE', `endpoint "${given}" is not a URL`, {
      hint: 'pass the server root, e.g. --endpoint http://127.0.0.1:8080 (llama-server) or http://localhost:11434/v1 (Ollama)',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new JuneError('USAGE', `endpoint "${given}" uses ${url.protocol.replace(/:$/, '')}: only http and https are supported`, {
      hint: 'use an http:// or https:// URL',
    });
  if (!url.hostname)
    throw new JuneError('USAGE', `endpoint "${given}" has no host`, {hint: 'e.g. --endpoint http://127.0.0.1:8080'});
  if (url.search || url.hash)
    throw new JuneError('USAGE', `endpoint "${given}" has a query or fragment`, {hint: 'pass only the server root, e.g. http://host:8000/v1'});
  if (url.username || url.password)
    throw new JuneError('USAGE', `endpoint "${given}" carries credentials in the URL`, {
      hint: 'pass the key with --api-key or JUNE_API_KEY instead',
    });
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return {given: trimmed, base: `${url.protocol}//${url.host}${path}`};
}

/** The key for an endpoint: the flag, then JUNE_API_KEY, then OPENAI_API_KEY. */
export function resolveApiKey(flag: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  for (const v of [flag, env.JUNE_API_KEY, env.OPENAI_API_KEY]) if (v !== undefined && v.trim() !== '') return v.trim();
  return undefined;
}
