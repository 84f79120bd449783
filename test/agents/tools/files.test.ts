import {mkdirSync, readFileSync, writeFileSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {context, ran, refused, call, tempWorkspace} from './helpers.js';

let ws: ReturnType<typeof tempWorkspace>;
beforeEach(() => {
  ws = tempWorkspace();
});
afterEach(() => ws.cleanup());

describe('list_dir', () => {
  it('lists directories first with a slash, files with sizes', async () => {
    mkdirSync(join(ws.dir, 'src'));
    writeFileSync(join(ws.dir, 'b.py'), 'x = 1\n');
    writeFileSync(join(ws.dir, 'a.txt'), '');
    const r = await ran(context(ws.dir), 'list_dir', {path: '.'});
    expect(r.result).toMatchObject({ok: true, truncated: false});
    expect(r.result.output).toBe('workspace root: 1 directories, 2 files\nsrc/\na.txt  (0 B)\nb.py  (6 B)');
    expect(await refused(context(ws.dir), 'list_dir', {path: 'b.py'})).toMatch(/is a file, not a directory; use read_file/);
    expect(await refused(context(ws.dir), 'list_dir', {path: 'nope'})).toMatch(/no such directory/);
  });
});

describe('read_file', () => {
  const lines = Array.from({length: 1000}, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  it('numbers lines, says the total and how to read on', async () => {
    writeFileSync(join(ws.dir, 'big.txt'), lines);
    writeFileSync(join(ws.dir, 'small.py'), 'print("hi")\nx = 2\n');
    const small = await ran(context(ws.dir), 'read_file', {path: 'small.py'});
    expect(small.result.output).toBe('small.py (2 lines)\n   1\tprint("hi")\n   2\tx = 2');
    const first = await ran(context(ws.dir), 'read_file', {path: 'big.txt'});
    expect(first.result.output.split('\n')[0]).toBe('big.txt: lines 1-400 of 1000');
    expect(first.result.output).toContain(' 400\tline 400');
    expect(first.result.output).toMatch(/\[600 more lines: read_file with offset 401 to continue\]$/);
    const range = await ran(context(ws.dir), 'read_file', {path: 'big.txt', offset: 998, limit: 10});
    expect(range.result.output).toBe('big.txt: lines 998-1000 of 1000\n 998\tline 998\n 999\tline 999\n1000\tline 1000');
    const past = await ran(context(ws.dir), 'read_file', {path: 'big.txt', offset: 2000});
    expect(past.result).toMatchObject({ok: false, output: 'big.txt has 1000 lines; offset 2000 is past the end (use an offset from 1 to 1000)'});
  });

  it('stops a read at the output budget and says where to go on; cuts huge lines', async () => {
    writeFileSync(join(ws.dir, 'wide.txt'), Array.from({length: 300}, () => 'y'.repeat(200)).join('\n'));
    const r = await ran(context(ws.dir), 'read_file', {path: 'wide.txt'});
    expect(r.result.truncated).toBe(false);
    expect(Buffer.byteLength(r.result.output)).toBeLessThan(16 * 1024);
    expect(r.result.output).toMatch(/more lines \(this read stopped at the output budget\): read_file with offset \d+ to continue\]$/);
    writeFileSync(join(ws.dir, 'min.js'), 'z'.repeat(50_000));
    expect((await ran(context(ws.dir), 'read_file', {path: 'min.js'})).result.output).toContain('[… line cut: 50000 chars]');
  });

  it('refuses binaries, directories, missing files and bad ranges with a reason', async () => {
    writeFileSync(join(ws.dir, 'blob.bin'), Buffer.from([1, 2, 0, 3]));
    mkdirSync(join(ws.dir, 'd'));
    const ctx = context(ws.dir);
    expect(await refused(ctx, 'read_file', {path: 'blob.bin'})).toMatch(/binary file/);
    expect(await refused(ctx, 'read_file', {path: 'd'})).toMatch(/is a directory; use list_dir/);
    expect(await refused(ctx, 'read_file', {path: 'missing.py'})).toMatch(/no such file/);
    expect(await refused(ctx, 'read_file', {path: 'd', offset: 0})).toMatch(/1-based/);
    const bad = await call(ctx, 'read_file', {path: 'x', offset: 'ten'});
    expect(bad).toMatchObject({status: 'invalid'});
    expect(bad.status === 'invalid' && bad.message).toMatch(/^invalid arguments for read_file: offset: .*expected number/);
  });
});

describe('search', () => {
  beforeEach(() => {
    mkdirSync(join(ws.dir, 'src/deep'), {recursive: true});
    mkdirSync(join(ws.dir, 'build'));
    mkdirSync(join(ws.dir, '.git'));
    mkdirSync(join(ws.dir, 'node_modules/pkg'), {recursive: true});
    writeFileSync(join(ws.dir, '.gitignore'), 'build/\nnode_modules\n*.log\n');
    writeFileSync(join(ws.dir, 'src/.gitignore'), 'generated.py\n');
    writeFileSync(join(ws.dir, 'src/main.py'), 'def main():\n    return helper()\n');
    writeFileSync(join(ws.dir, 'src/deep/util.py'), 'def helper():\n    return 1\n');
    writeFileSync(join(ws.dir, 'src/generated.py'), 'def generated(): pass\n');
    writeFileSync(join(ws.dir, 'src/notes.md'), 'def in markdown\n');
    writeFileSync(join(ws.dir, 'build/out.py'), 'def built(): pass\n');
    writeFileSync(join(ws.dir, 'node_modules/pkg/i.py'), 'def dep(): pass\n');
    writeFileSync(join(ws.dir, 'debug.log'), 'def logged\n');
    writeFileSync(join(ws.dir, '.git/config'), 'def git\n');
    writeFileSync(join(ws.dir, 'image.png'), Buffer.concat([Buffer.from('def '), Buffer.alloc(10)]));
  });

  it('finds matches with path:line, respecting .gitignore (nested too), skipping .git and binaries', async () => {
    const r = await ran(context(ws.dir), 'search', {pattern: 'def \\w+'});
    expect(r.result.output).toBe(['3 matches in 3 of 5 files searched', 'src/deep/util.py:1: def helper():', 'src/main.py:1: def main():', 'src/notes.md:1: def in markdown', '[1 binary files skipped]'].join('\n'));
    const py = await ran(context(ws.dir), 'search', {pattern: 'def', glob: '*.py'});
    expect(py.result.output.split('\n').slice(1)).toEqual(['src/deep/util.py:1: def helper():', 'src/main.py:1: def main():']);
    const scoped = await ran(context(ws.dir), 'search', {pattern: 'return', path: 'src/deep', glob: 'src/**/*.py'});
    expect(scoped.result.output).toBe('1 matches in 1 of 1 files searched\nsrc/deep/util.py:2:     return 1');
    const file = await ran(context(ws.dir), 'search', {pattern: 'helper', path: 'src/main.py'});
    expect(file.result.output).toBe('1 matches in 1 of 1 files searched\nsrc/main.py:2:     return helper()');
    const none = await ran(context(ws.dir), 'search', {pattern: 'nothing_here'});
    expect(none.result.output).toBe('no matches for /nothing_here/ in 5 files searched\n[1 binary files skipped]');
  });

  it('caps matches with a note and refuses a bad regex', async () => {
    writeFileSync(join(ws.dir, 'many.txt'), Array.from({length: 500}, (_, i) => `hit ${i}`).join('\n'));
    const r = await ran(context(ws.dir), 'search', {pattern: '^hit', path: 'many.txt'});
    expect(r.result.output.split('\n')).toHaveLength(1 + 200 + 1);
    expect(r.result.output).toMatch(/^500 matches in 1 of 1 files searched/);
    expect(r.result.output).toMatch(/\[300 more matches not shown: narrow the pattern, path or glob\]$/);
    expect(await refused(context(ws.dir), 'search', {pattern: 'def ('})).toMatch(/not a valid JavaScript regular expression/);
  });
});

describe('write_file', () => {
  it('creates parent dirs, previews a new file whole and an overwrite as a diff, records the change', async () => {
    const ctx = context(ws.dir);
    const created = await ran(ctx, 'write_file', {path: 'pkg/sub/hello.py', content: 'print("hi")\n'});
    expect(created.describe).toBe('write_file pkg/sub/hello.py (1 lines)');
    expect(created.preview).toMatch(/^--- \/dev\/null\n\+\+\+ b\/pkg\/sub\/hello.py\n/);
    expect(created.preview).toContain('--- /dev/null\n+++ b/pkg/sub/hello.py');
    expect(created.preview).toContain('+print("hi")');
    expect(created.result.output).toBe('created pkg/sub/hello.py (1 lines, 12 bytes)');
    expect(created.outcome.changes).toEqual([expect.objectContaining({path: 'pkg/sub/hello.py', before: null, after: 'print("hi")\n'})]);
    expect(readFileSync(join(ws.dir, 'pkg/sub/hello.py'), 'utf8')).toBe('print("hi")\n');

    const over = await ran(ctx, 'write_file', {path: 'pkg/sub/hello.py', content: 'print("bye")\n'});
    expect(over.preview).toMatch(/^--- a\/pkg\/sub\/hello.py\n\+\+\+ b\/pkg\/sub\/hello.py\n@@ -1,1 \+1,1 @@\n-print\("hi"\)\n\+print\("bye"\)/);
    expect(over.result.output).toBe('overwrote pkg/sub/hello.py (1 lines, 13 bytes)');
    expect(over.outcome.changes?.[0]?.before).toBe('print("hi")\n');
  });

  it('a new file\'s preview is cut past its limit; dry run writes nothing', async () => {
    const big = Array.from({length: 1000}, (_, i) => `x${i}`).join('\n');
    const dry = await ran(context(ws.dir, {dryRun: true}), 'write_file', {path: 'big.txt', content: big});
    expect(dry.preview).toMatch(/\[… \d+ more diff lines\]/);
    expect(dry.result.output).toMatch(/^dry run: would have created big.txt \(1000 lines/);
    expect(dry.outcome.changes?.[0]).toMatchObject({before: null, after: ''});
    expect(existsSync(join(ws.dir, 'big.txt'))).toBe(false);
    mkdirSync(join(ws.dir, 'adir'));
    expect(await refused(context(ws.dir), 'write_file', {path: 'adir', content: 'x'})).toMatch(/is a directory/);
    expect(await refused(context(ws.dir), 'write_file', {path: '.', content: 'x'})).toMatch(/workspace root/);
  });
});
