import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {DatasetsListJson} from '../../src/commands/datasets/list.js';
import {DatasetsPullJson} from '../../src/commands/datasets/pull.js';
import {runJune, sharedDir, tempHome} from '../helpers/env.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});
function home(): string {
  const h = tempHome();
  cleanups.push(h.cleanup);
  return h.home;
}

describe('june datasets', () => {
  it('pull from the mirror, then list shows them present', async () => {
    const h = home();
    const list0 = DatasetsListJson.parse(JSON.parse(String((await runJune(['datasets', 'list', '--json'], {home: h})).stdout)));
    expect(list0.datasets.map((d) => [d.id, d.present])).toEqual([
      ['humaneval', false],
      ['humaneval+', false],
      ['mbpp', false],
      ['mbpp+', false],
    ]);
    const pulled = await runJune(['datasets', 'pull', 'humaneval', 'mbpp+', '--mirror', sharedDir, '--json'], {home: h});
    expect(pulled.exitCode, String(pulled.stderr)).toBe(0);
    const p = DatasetsPullJson.parse(JSON.parse(String(pulled.stdout)));
    expect(p.datasets.map((d) => [d.id, d.source])).toEqual([
      ['humaneval', join(sharedDir, 'datasets', 'HumanEval.jsonl.gz')],
      ['mbpp+', join(sharedDir, 'datasets', 'MbppPlus.jsonl.gz')],
    ]);
    expect(p.datasets[0]?.path).toBe(join(h, 'datasets', 'HumanEval.jsonl.gz'));
    const again = DatasetsPullJson.parse(JSON.parse(String((await runJune(['datasets', 'pull', 'humaneval', '--json'], {home: h})).stdout)));
    expect(again.datasets[0]?.source).toBe('cache');
    const list = DatasetsListJson.parse(JSON.parse(String((await runJune(['datasets', 'list', '--json'], {home: h})).stdout)));
    expect(list.datasets.filter((d) => d.present).map((d) => d.id)).toEqual(['humaneval', 'mbpp+']);
    const human = await runJune(['datasets', 'list'], {home: h});
    expect(String(human.stdout)).toMatch(/mbpp\+\s.*MBPP\+.*v0\.2\.0.*378.*yes/);
  });

  it('an unknown id or a mirror without the file: one line, exit 1', async () => {
    const h = home();
    const unknown = await runJune(['datasets', 'pull', 'humaneval-x'], {home: h});
    expect(unknown.exitCode).toBe(1);
    expect(String(unknown.stderr).trim()).toBe('Error (DATASET_UNKNOWN): unknown dataset "humaneval-x". Hint: use one of: humaneval, humaneval+, mbpp, mbpp+');
    const noMirror = await runJune(['datasets', 'pull', 'mbpp', '--mirror', join(h, 'empty-mirror')], {home: h});
    expect(noMirror.exitCode).toBe(1);
    expect(String(noMirror.stderr).trim().split('\n')).toHaveLength(1);
    expect(String(noMirror.stderr)).toMatch(/^Error \(DOWNLOAD_FAILED\): dataset mbpp: .*empty-mirror\/datasets\/mbpp\.jsonl is not there/);
  });
});
