import {mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {resolveInWorkspace, ToolRefusal} from '../../../src/agents/tools/index.js';
import {context, refused, ran, tempWorkspace} from './helpers.js';

let ws: ReturnType<typeof tempWorkspace>;
beforeEach(() => {
  ws = tempWorkspace();
  writeFileSync(join(ws.dir, 'a.txt'), 'hello\n');
  writeFileSync(join(ws.outside, 'secret.txt'), 'top secret\n');
});
afterEach(() => ws.cleanup());

describe('confinement', () => {
  it('resolves relative and absolute paths inside the workspace', async () => {
    expect(await resolveInWorkspace(ws.dir, 'a.txt')).toEqual({abs: join(ws.dir, 'a.txt'), rel: 'a.txt'});
    expect(await resolveInWorkspace(ws.dir, join(ws.dir, 'a.txt'))).toEqual({abs: join(ws.dir, 'a.txt'), rel: 'a.txt'});
    expect(await resolveInWorkspace(ws.dir, '.')).toEqual({abs: ws.dir, rel: '.'});
    expect(await resolveInWorkspace(ws.dir, 'sub/../new/file.py')).toEqual({abs: join(ws.dir, 'new/file.py'), rel: 'new/file.py'});
    // a symlink that stays inside is fine, and resolves to its target
    symlinkSync('a.txt', join(ws.dir, 'alias'));
    expect((await resolveInWorkspace(ws.dir, 'alias')).rel).toBe('a.txt');
  });

  it('refuses .., absolute paths elsewhere and symlinks that lead out, for every tool', async () => {
    const ctx = context(ws.dir);
    mkdirSync(join(ws.dir, 'sub'));
    symlinkSync('/etc', join(ws.dir, 'etc-link'));
    symlinkSync(ws.outside, join(ws.dir, 'sub', 'parent-link'));
    symlinkSync(join(ws.outside, 'secret.txt'), join(ws.dir, 'secret-link'));
    symlinkSync(join(ws.outside, 'planted.txt'), join(ws.dir, 'dangling'));
    symlinkSync('../outside/new-dir/x', join(ws.dir, 'dangling-rel'));

    const escapes = ['../outside/secret.txt', 'sub/../../outside/secret.txt', ws.outside + '/secret.txt', '/etc/passwd', 'etc-link/passwd', 'sub/parent-link/secret.txt', 'secret-link'];
    for (const p of escapes) {
      await expect(resolveInWorkspace(ws.dir, p), p).rejects.toBeInstanceOf(ToolRefusal);
      expect(await refused(ctx, 'read_file', {path: p}), p).toMatch(/outside the workspace/);
    }
    expect(await refused(ctx, 'list_dir', {path: 'etc-link'})).toMatch(/leads outside the workspace through a symbolic link \(to \/etc\)/);
    expect(await refused(ctx, 'search', {pattern: 'root', path: 'etc-link'})).toMatch(/outside the workspace/);
    expect(await refused(ctx, 'list_dir', {path: '..'})).toMatch(/outside the workspace/);

    // writes: through a symlinked parent dir, through a dangling symlink (absolute and relative), a new file under /etc
    for (const p of ['sub/parent-link/written.txt', 'dangling', 'dangling-rel', 'etc-link/june-test', '../escaped.txt']) {
      expect(await refused(ctx, 'write_file', {path: p, content: 'pwned'}), p).toMatch(/outside the workspace/);
    }
    expect(await refused(ctx, 'edit_file', {path: 'secret-link', old_text: 'top', new_text: 'no'})).toMatch(/outside the workspace/);
    expect(existsSync(join(ws.outside, 'planted.txt'))).toBe(false);
    expect(existsSync(join(ws.outside, 'written.txt'))).toBe(false);
    expect(existsSync(join(ws.outside, 'new-dir'))).toBe(false);
    expect(existsSync('/etc/june-test')).toBe(false);
    expect(readFileSync(join(ws.outside, 'secret.txt'), 'utf8')).toBe('top secret\n');
  });

  it('a dangling symlink that points inside the workspace is written at its target', async () => {
    symlinkSync('made/by-link.txt', join(ws.dir, 'inside-dangling'));
    const r = await ran(context(ws.dir), 'write_file', {path: 'inside-dangling', content: 'ok\n'});
    expect(r.result.ok).toBe(true);
    expect(readFileSync(join(ws.dir, 'made/by-link.txt'), 'utf8')).toBe('ok\n');
  });

  it('search does not follow a symlink out of the workspace', async () => {
    symlinkSync(ws.outside, join(ws.dir, 'out-link'));
    const r = await ran(context(ws.dir), 'search', {pattern: 'secret'});
    expect(r.result.output).toMatch(/^no matches/);
  });

  it('a FIFO is refused, never opened (it would block)', async () => {
    const {execFileSync} = await import('node:child_process');
    execFileSync('mkfifo', [join(ws.dir, 'pipe')]);
    const ctx = context(ws.dir);
    expect(await refused(ctx, 'read_file', {path: 'pipe'})).toMatch(/not a regular file/);
    expect(await refused(ctx, 'write_file', {path: 'pipe', content: 'x'})).toMatch(/not a regular file/);
    expect(await refused(ctx, 'edit_file', {path: 'pipe', old_text: 'a', new_text: 'b'})).toMatch(/not a regular file/);
    expect((await ran(ctx, 'search', {pattern: 'x'})).result.output).toMatch(/^no matches/);
  });

  it('a symlink loop is refused, not a hang', async () => {
    symlinkSync('loop-b', join(ws.dir, 'loop-a'));
    symlinkSync('loop-a', join(ws.dir, 'loop-b'));
    expect(await refused(context(ws.dir), 'write_file', {path: 'loop-a', content: 'x'})).toMatch(/symbolic links|cannot resolve/);
  });
});
