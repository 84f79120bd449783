import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {planEdit} from '../../../src/agents/tools/index.js';
import {context, ran, refused, tempWorkspace} from './helpers.js';

let ws: ReturnType<typeof tempWorkspace>;
beforeEach(() => {
  ws = tempWorkspace();
});
afterEach(() => ws.cleanup());

const SRC = ['def add(a, b):', '    return a + b', '', '', 'def sub(a, b):', '    return a - b', ''].join('\n');

describe('edit_file', () => {
  it('exact match: replaces once, previews and records a diff', async () => {
    writeFileSync(join(ws.dir, 'm.py'), SRC);
    const r = await ran(context(ws.dir), 'edit_file', {path: 'm.py', old_text: '    return a - b', new_text: '    return a - b  # minus'});
    expect(r.result.ok).toBe(true);
    expect(r.result.output.split('\n')[0]).toBe('edited m.py: 1 replacement at line 6');
    expect(r.preview).toContain('-    return a - b\n+    return a - b  # minus');
    expect(readFileSync(join(ws.dir, 'm.py'), 'utf8')).toBe(SRC.replace('a - b', 'a - b  # minus'));
    expect(r.outcome.changes?.[0]).toMatchObject({path: 'm.py', before: SRC});
  });

  it('ambiguous: the count and line numbers; replace_all replaces every one', async () => {
    writeFileSync(join(ws.dir, 'm.py'), SRC);
    expect(await refused(context(ws.dir), 'edit_file', {path: 'm.py', old_text: '(a, b):', new_text: '(x, y):'})).toBe(
      'old_text occurs 2 times in m.py (at lines 1, 5); include more surrounding lines so it matches exactly once, or set replace_all to true to replace every occurrence',
    );
    const r = await ran(context(ws.dir), 'edit_file', {path: 'm.py', old_text: '(a, b):', new_text: '(x, y):', replace_all: true});
    expect(r.result.output.split('\n')[0]).toBe('edited m.py: 2 replacements at lines 1, 5');
    expect(readFileSync(join(ws.dir, 'm.py'), 'utf8')).toBe(SRC.replaceAll('(a, b):', '(x, y):'));
  });

  it('whitespace-tolerant line match, re-indented to the file', () => {
    const file = ['class A:', '    def f(self):', '        x = 1', '        return  x', ''].join('\n');
    // the model dropped the indentation and doubled a space
    const p = planEdit('a.py', file, 'def f(self):\n    x = 1\n    return x\n', 'def f(self):\n    x = 2\n    return x\n');
    expect(p).toMatchObject({ok: true, how: 'whitespace', count: 1, lines: [2]});
    expect(p.ok && p.content).toBe(['class A:', '    def f(self):', '        x = 2', '        return x', ''].join('\n'));
    // tabs vs spaces, trailing spaces
    const t = planEdit('t.py', 'if x:\n\treturn 1   \n', 'if x:\n    return 1\n', 'if x:\n    return 2\n');
    expect(t).toMatchObject({ok: true, how: 'whitespace'});
    // ambiguity is reported for the tolerant match too
    const two = planEdit('b.py', '  a = 1\nb\n    a  =  1\n', 'a  = 1', 'a = 2');
    expect(two).toEqual({ok: false, message: expect.stringMatching(/^old_text matches 2 places in b.py when whitespace is ignored \(at lines 1, 3\)/)});
  });

  it('keeps CRLF line endings', () => {
    const p = planEdit('w.txt', 'one\r\ntwo\r\nthree\r\n', 'two\nthree', 'TWO\nTHREE');
    expect(p.ok && p.content).toBe('one\r\nTWO\r\nTHREE\r\n');
  });

  it('a miss answers with the nearest lines, numbered', async () => {
    writeFileSync(join(ws.dir, 'm.py'), SRC);
    const msg = await refused(context(ws.dir), 'edit_file', {path: 'm.py', old_text: 'def sub(a, c):\n    return a - c', new_text: 'x'});
    expect(msg).toBe(
      [
        'old_text was not found in m.py (no exact match, none ignoring whitespace). The most similar lines are 5-6:',
        '   3\t',
        '   4\t',
        '   5\tdef sub(a, b):',
        '   6\t    return a - b',
        '   7\t',
        'Copy old_text exactly from the file (without line numbers) and retry, or use write_file to replace the whole file.',
      ].join('\n'),
    );
    expect(await refused(context(ws.dir), 'edit_file', {path: 'm.py', old_text: 'zzzzqqqq', new_text: 'x'})).toMatch(/no lines are similar to it/);
    expect(await refused(context(ws.dir), 'edit_file', {path: 'm.py', old_text: '   5\tdef sub(a, q):\n   6\t    return a - q', new_text: 'x'})).toMatch(/seems to include the line numbers read_file prints/);
  });

  it('refuses an empty old_text, a no-op, a missing file; dry run reports the diff and writes nothing', async () => {
    writeFileSync(join(ws.dir, 'm.py'), SRC);
    const ctx = context(ws.dir);
    expect(await refused(ctx, 'edit_file', {path: 'm.py', old_text: '', new_text: 'x'})).toMatch(/old_text is empty: .*use write_file/);
    expect(await refused(ctx, 'edit_file', {path: 'm.py', old_text: 'def', new_text: 'def'})).toMatch(/the same: nothing would change/);
    expect(await refused(ctx, 'edit_file', {path: 'new.py', old_text: 'a', new_text: 'b'})).toMatch(/no such file in the workspace; use write_file to create it/);
    const dry = await ran(context(ws.dir, {dryRun: true}), 'edit_file', {path: 'm.py', old_text: 'a + b', new_text: 'b + a'});
    expect(dry.result.output).toMatch(/^dry run: would have edited m.py: 1 replacement at line 2\n--- a\/m.py/);
    expect(dry.outcome.changes?.[0]).toMatchObject({before: SRC, after: SRC});
    expect(dry.outcome.changes?.[0]?.diff).toContain('+    return b + a');
    expect(readFileSync(join(ws.dir, 'm.py'), 'utf8')).toBe(SRC);
  });

  it('re-plans on the file as it is at execute time', async () => {
    writeFileSync(join(ws.dir, 'm.py'), SRC);
    const {prepareCall, agentTools, executeInvocation} = await import('../../../src/agents/tools/index.js');
    const p = await prepareCall(agentTools(), 'edit_file', {path: 'm.py', old_text: 'return a + b', new_text: 'return b + a'}, context(ws.dir));
    if (p.status !== 'ready') throw new Error(p.status);
    writeFileSync(join(ws.dir, 'm.py'), 'nothing like it\n');
    const {result} = await executeInvocation(p.invocation);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/^old_text was not found in m.py/);
  });
});
