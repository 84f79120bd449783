/** `june serve` as a user runs it: one JSON line once listening, curl-level HTTP, clean shutdown, bad input. */
import {createServer} from 'node:net';
import {afterAll, describe, expect, it} from 'vitest';
import {requireTinyModel, runJune, tempHome} from '../helpers/env.js';
import {startJuneServe} from '../runtime/serve-process.js';

const {home, cleanup} = tempHome();
afterAll(() => cleanup());

describe('june serve', () => {
  it('prints {"url","model"} once listening, answers HTTP, exits 0 on SIGTERM', async () => {
    const s = await startJuneServe(['--model', requireTinyModel(), '--api-key', 'sekrit'], home);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.model).toBe('llama-2-tiny-random');
    const health = await fetch(`${s.url}/health`);
    expect(health.status).toBe(200);
    expect((await fetch(`${s.url}/v1/models`)).status).toBe(401);
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {authorization: 'Bearer sekrit', 'content-type': 'application/json'},
      body: JSON.stringify({model: 'anything', messages: [{role: 'user', content: 'hi'}], max_tokens: 4}),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {model: string; choices: {message: {role: string}}[]};
    expect(body.model).toBe('llama-2-tiny-random');
    expect(body.choices[0]?.message.role).toBe('assistant');
    s.proc.kill('SIGTERM');
    const r = await s.proc;
    expect(r.exitCode).toBe(0);
  });

  it('Ctrl-C (SIGINT) stops it with exit 130, the code every june command uses for Ctrl-C', async () => {
    const s = await startJuneServe(['--model', requireTinyModel()], home);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    s.proc.kill('SIGINT');
    const r = await s.proc;
    expect(r.exitCode).toBe(130);
  });

  it('a port in use is one USAGE line, exit 2', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const {port} = blocker.address() as {port: number};
    try {
      const r = await runJune(['serve', '--model', requireTinyModel(), '--port', String(port), '--gpu', 'false'], {home});
      expect(r.exitCode).toBe(2);
      expect(String(r.stderr).trim().split('\n').at(-1)).toMatch(/^Error \(USAGE\): port \d+ on 127\.0\.0\.1 is already in use/);
    } finally {
      blocker.close();
    }
  });

  it('a missing model file is one error line and a non-zero exit', async () => {
    const r = await runJune(['serve', '--model', '/nonexistent/m.gguf', '--port', '0'], {home});
    expect(r.exitCode).not.toBe(0);
    expect(String(r.stderr)).toMatch(/^Error \([A-Z_]+\): .*m\.gguf/m);
  });

  it('a bad --port is a usage error', async () => {
    const r = await runJune(['serve', '--model', requireTinyModel(), '--port', '70000'], {home});
    expect(r.exitCode).toBe(2);
  });
});
