/** `june bench` with the tiny model: the --json shape, the history record, --compare, bad input. */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {z} from 'zod';
import {requireTinyModel, runJune, tempHome} from '../helpers/env.js';
import {startJuneServe} from '../runtime/serve-process.js';

const {home, cleanup} = tempHome();
afterAll(() => cleanup());

const StatsShape = z.object({min: z.number().positive(), median: z.number().positive(), max: z.number().positive()});
const BenchJson = z.object({
  model: z.string(),
  threads: z.literal(1),
  loadMs: z.number().positive(),
  ttftMs: z.number().positive(),
  pp: z.object({tokens: z.literal(32), tokensPerSecond: StatsShape, source: z.enum(['measured', 'ttft'])}),
  tg: z.object({tokens: z.literal(8), tokensPerSecond: StatsShape, source: z.literal('measured')}),
  peakRssBytes: z.number().int().positive(),
  vramBytes: z.number().int().nullable(),
});

describe('june bench', () => {
  it('--json prints the figures and appends a record to bench/history.jsonl', async () => {
    const args = ['bench', '--model', requireTinyModel(), '--pp', '32', '--tg', '8', '--repetitions', '2', '--gpu', 'false', '--threads', '1', '--json'];
    const r = await runJune(args, {home});
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = BenchJson.parse(JSON.parse(String(r.stdout)));
    expect(out.model).toBe('llama-2-tiny-random');
    expect(out.pp.tokensPerSecond.min).toBeLessThanOrEqual(out.pp.tokensPerSecond.median);
    expect(out.pp.tokensPerSecond.median).toBeLessThanOrEqual(out.pp.tokensPerSecond.max);
    const lines = readFileSync(join(home, 'bench', 'history.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0] as string) as {model: string; machine: {key: string}; tg: unknown};
    expect(rec.model).toBe('llama-2-tiny-random');
    expect(rec.machine.key).toMatch(/^[0-9a-f]{16}$/);
    expect(rec.tg).toEqual(out.tg);

    const again = await runJune([...args, '--compare'], {home});
    expect(again.exitCode, String(again.stderr)).toBe(0);
    const cmp = JSON.parse(String(again.stdout)) as {compare: {date: string; changes: {metric: string; change: number | null}[]}};
    expect(cmp.compare.changes.map((c) => c.metric)).toContain('tg t/s');
    expect(typeof cmp.compare.changes.find((c) => c.metric === 'tg t/s')?.change).toBe('number');
    expect(readFileSync(join(home, 'bench', 'history.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('prints a table without --json', async () => {
    const r = await runJune(['bench', '--model', requireTinyModel(), '--pp', '16', '--tg', '4', '-r', '1', '--gpu', 'false', '--threads', '1'], {home});
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toMatch(/pp16/);
    expect(String(r.stdout)).toMatch(/tg4/);
    expect(String(r.stdout)).toMatch(/recorded in .*history\.jsonl/);
  });

  it('--endpoint: ttft and tg from the stream, pp from the server\'s own timings (june serve reports them)', async () => {
    const {home: serveHome, cleanup: c2} = tempHome();
    const s = await startJuneServe(['--model', requireTinyModel()], serveHome);
    try {
      const r = await runJune(['bench', '--endpoint', s.url, '--pp', '32', '--tg', '8', '-r', '2', '--json'], {home});
      expect(r.exitCode, String(r.stderr)).toBe(0);
      const out = JSON.parse(String(r.stdout)) as {model: string; pp: {source: string; tokensPerSecond: unknown}; tg: {source: string; tokensPerSecond: {median: number}}; peakRssBytes: unknown};
      expect(out.model).toBe('llama-2-tiny-random');
      expect(out.pp.source).toBe('server');
      expect(StatsShape.safeParse(out.pp.tokensPerSecond).success).toBe(true);
      expect(out.tg.source).toBe('stream');
      expect(out.tg.tokensPerSecond.median).toBeGreaterThan(0);
      expect(out.peakRssBytes).toBeNull();
    } finally {
      s.proc.kill('SIGKILL');
      c2();
    }
  });

  it('a bad endpoint URL is USAGE (exit 2), an unreachable one is one error line', async () => {
    const bad = await runJune(['bench', '--endpoint', 'ftp://example.com', '--json'], {home});
    expect(bad.exitCode).toBe(2);
    expect(JSON.parse(String(bad.stdout))).toMatchObject({error: {code: 'USAGE'}});
    const gone = await runJune(['bench', '--endpoint', 'http://127.0.0.1:9', '--pp', '8', '--tg', '2', '-r', '1'], {home});
    expect(gone.exitCode).toBe(1);
    expect(String(gone.stderr).trim()).toMatch(/^Error \(ENDPOINT_UNREACHABLE\): cannot connect to http:\/\/127\.0\.0\.1:9/);
  });

  it('--tg 0 --pp 0 is a usage error', async () => {
    const r = await runJune(['bench', '--model', requireTinyModel(), '--pp', '0', '--tg', '0'], {home});
    expect(r.exitCode).toBe(2);
  });
});
