/**
 * The download lock under concurrent june processes: every record written by either survives
 * (read-modify-write is serialised across processes, not only within one).
 */
import {execa} from 'execa';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {readLock} from '../../src/runtime/download/lock.js';
import {repoRoot, tempHome} from '../helpers/env.js';

const t = tempHome();
afterAll(() => t.cleanup());

function writer(lockPath: string, prefix: string, n: number) {
  const lockModule = join(repoRoot, 'dist', 'runtime', 'download', 'lock.js');
  const script = `
    const {updateLock} = await import(${JSON.stringify(lockModule)});
    for (let i = 0; i < ${n}; i++) {
      await updateLock(${JSON.stringify(lockPath)}, (lock) => {
        const file = '${prefix}-' + i + '.gguf';
        lock.files[file] = {id: file, source: 'hf:o/r/' + file, from: '/m/' + file, file, bytes: i, sha256: '0'.repeat(64), verified: false, fetchedAt: new Date().toISOString(), mtimeMs: 0};
      });
    }`;
  return execa(process.execPath, ['--input-type=module', '--eval', script]);
}

describe('download lock across processes', () => {
  it('keeps every record when two processes update it at once', async () => {
    const lockPath = join(t.home, 'models', 'june-lock.json');
    await Promise.all([writer(lockPath, 'a', 25), writer(lockPath, 'b', 25)]);
    const lock = await readLock(lockPath);
    expect(Object.keys(lock.files)).toHaveLength(50);
  });
});
