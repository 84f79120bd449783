import {copyFileSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {locateModel} from '../../src/runtime/model-files.js';
import {requireTinyModel, sharedDir, tempHome, tinyModelPath} from '../helpers/env.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
function home(): {home: string; env: Record<string, string>} {
  const h = tempHome('june-locate-');
  cleanups.push(h.cleanup);
  return {home: h.home, env: {JUNE_HOME: h.home}};
}

describe('locateModel (never downloads)', () => {
  it('takes a GGUF path as it is and recognises the catalog entry by file name', async () => {
    const {env} = home();
    const got = await locateModel(requireTinyModel(), {env});
    expect(got).toMatchObject({id: 'llama-2-tiny-random', path: tinyModelPath});
    expect(got.entry?.sha256).toBe('81f226c62d28ed4a1a9b9fa080fcd9f0cc40e0f9d5680036583ff98fbcd035cb');
  });

  it('finds a catalog id in the models directory first, then in the mirror', async () => {
    const {home: h, env} = home();
    expect((await locateModel('llama-2-tiny-random', {mirror: sharedDir, env})).path).toBe(join(sharedDir, 'models', 'llama-2-tiny-random.gguf'));
    expect((await locateModel('hf:aladar/llama-2-tiny-random-GGUF/llama-2-tiny-random.gguf', {env: {...env, JUNE_MIRROR: sharedDir}})).path).toBe(
      join(sharedDir, 'models', 'llama-2-tiny-random.gguf'),
    );
    mkdirSync(join(h, 'models'));
    copyFileSync(tinyModelPath, join(h, 'models', 'llama-2-tiny-random.gguf'));
    const local = await locateModel('llama-2-tiny-random', {mirror: sharedDir, env});
    expect(local).toMatchObject({id: 'llama-2-tiny-random', path: join(h, 'models', 'llama-2-tiny-random.gguf')});
  });

  it('finds an hf: file under the mirror\'s models/<owner>/<repo>/', async () => {
    const {home: mirror} = home();
    const {env} = home();
    mkdirSync(join(mirror, 'models', 'acme', 'tiny-GGUF'), {recursive: true});
    copyFileSync(tinyModelPath, join(mirror, 'models', 'acme', 'tiny-GGUF', 'm.gguf'));
    const got = await locateModel('hf:acme/tiny-GGUF/m.gguf', {mirror, env});
    expect(got).toEqual({id: 'm.gguf', path: join(mirror, 'models', 'acme', 'tiny-GGUF', 'm.gguf'), entry: null});
  });

  it('says how to download a known model that is not on disk', async () => {
    const {env} = home();
    await expect(locateModel('qwen2.5-coder-1.5b', {env})).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      hint: 'june download-models qwen2.5-coder-1.5b-instruct-q4_k_m',
    });
  });

  it('rejects an unknown id with a did-you-mean hint', async () => {
    const {env} = home();
    const err = await locateModel('qwen2.5-coder-1.5', {env}).catch((e: unknown) => e);
    expect(err).toMatchObject({code: 'MODEL_UNKNOWN'});
    expect((err as {hint: string}).hint).toMatch(/did you mean "qwen2.5-coder-1.5b-instruct-q4_k_m"/);
    expect((err as {hint: string}).hint).toMatch(/june models list/);
  });

  it('treats a file of the wrong size as not downloaded, and a missing path as missing', async () => {
    const {home: h, env} = home();
    mkdirSync(join(h, 'models'));
    writeFileSync(join(h, 'models', 'llama-2-tiny-random.gguf'), 'truncated');
    await expect(locateModel('llama-2-tiny-random', {env})).rejects.toMatchObject({code: 'MODEL_NOT_FOUND', message: expect.stringMatching(/incomplete/)});
    await expect(locateModel('/nonexistent/model.gguf', {env})).rejects.toMatchObject({code: 'FILE_NOT_FOUND'});
    await expect(locateModel('https://example.com/x.gguf', {env})).rejects.toMatchObject({code: 'BAD_INPUT'});
  });
});
