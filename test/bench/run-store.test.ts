import {appendFileSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {z} from 'zod';
import {JsonlAppender, ensureRunDir, newRunId, readJsonlRecords, writeJsonAtomic} from '../../src/bench/run-store.js';
import {tempHome} from '../helpers/env.js';

const R = z.object({i: z.number().int()});
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});
function dir(): string {
  const h = tempHome();
  cleanups.push(h.cleanup);
  return h.home;
}

describe('run store', () => {
  it('makes sortable run ids and refuses odd ones', async () => {
    expect(newRunId('evaluate', new Date('2026-01-02T03:04:05Z'))).toMatch(/^evaluate-20260102-030405-[0-9a-f]{4}$/);
    const d = dir();
    expect(await ensureRunDir(d, 'abc-1')).toBe(join(d, 'abc-1'));
    await expect(ensureRunDir(d, '../x')).rejects.toThrow(/not a valid run id/);
  });

  it('appends one fsynced line per record, concurrent appends never interleave', async () => {
    const file = join(dir(), 'r.jsonl');
    const a = await JsonlAppender.open(file);
    await Promise.all(Array.from({length: 50}, (_, i) => a.append({i})));
    await a.close();
    const {records, partialTail} = await readJsonlRecords(file, R);
    expect(partialTail).toBe(false);
    expect(records.map((r) => r.i).sort((x, y) => x - y)).toEqual(Array.from({length: 50}, (_, i) => i));
  });

  it('ignores a half-written last line and cuts it off before appending again', async () => {
    const file = join(dir(), 'r.jsonl');
    writeFileSync(file, '{"i":1}\n{"i":2}\n{"i":');
    const before = await readJsonlRecords(file, R);
    expect(before).toEqual({records: [{i: 1}, {i: 2}], partialTail: true});
    const a = await JsonlAppender.open(file);
    await a.append({i: 3});
    await a.close();
    expect(readFileSync(file, 'utf8')).toBe('{"i":1}\n{"i":2}\n{"i":3}\n');
  });

  it('names file:line for a corrupt line in the middle', async () => {
    const file = join(dir(), 'r.jsonl');
    writeFileSync(file, '{"i":1}\n{"i":"x"}\n');
    appendFileSync(file, '{"i":3}\n');
    await expect(readJsonlRecords(file, R)).rejects.toThrow(`${file}:2: field "i"`);
  });

  it('reads a missing file as no records and writes JSON atomically', async () => {
    const d = dir();
    expect(await readJsonlRecords(join(d, 'none.jsonl'), R)).toEqual({records: [], partialTail: false});
    await writeJsonAtomic(join(d, 'sub', 'run.json'), {a: 1});
    expect(JSON.parse(readFileSync(join(d, 'sub', 'run.json'), 'utf8'))).toEqual({a: 1});
  });
});
