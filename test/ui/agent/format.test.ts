import {describe, expect, it} from 'vitest';
import {approvalPreview, argsSummary, classifyDiffLine, foldNote, foldOutput, statusLine} from '../../../src/ui/agent/format.js';
import {formatBytes} from '../../../src/ui/format.js';
import {parseApprove, parseSlash} from '../../../src/ui/agent/commands.js';
import {initialViewState, type StatusView} from '../../../src/ui/agent/state.js';

const full: StatusView = {
  session: '20261201-180102-8f3a2c1d9e7b',
  model: 'qwen2.5-coder-1.5b-instruct-q4_k_m',
  backend: 'embedded',
  tokensPerSecond: 812.37,
  contextUsed: 12_345,
  contextSize: 32_768,
  step: 3,
  maxSteps: 30,
};

describe('the status line', () => {
  it('shows model, backend, tokens/s, context, step and session when there is room', () => {
    const line = statusLine(full, 200);
    expect(line).toBe('qwen2.5-coder-1.5b-instruct-q4_k_m · embedded · 812 tok/s · ctx 12k/33k · step 3/30 · 20261201-180102-8f3a2c1d9e7b');
  });

  it.each([20, 40, 60, 61, 80, 100])('is one line narrower than a %i-column terminal', (cols) => {
    const line = statusLine(full, cols);
    expect(line.length).toBeLessThan(cols);
    expect(line).not.toContain('\n');
    expect(line).toContain('step 3/30');
  });

  it('keeps every field at 60 columns with a short model name, and shortens a long one first', () => {
    const short = statusLine({...full, model: 'tiny-random'}, 60);
    expect(statusLine({...full, model: 'tiny'}, 60)).toBe('tiny · 812 tok/s · ctx 12k/33k · step 3/30 · 20261201');
    expect(short).toBe('tiny-rand… · 812 tok/s · ctx 12k/33k · step 3/30 · 20261201');
    const long = statusLine(full, 60);
    expect(long.length).toBeLessThan(60);
    expect(long).toBe('qwen2.5-c… · 812 tok/s · ctx 12k/33k · step 3/30 · 20261201');
  });

  it('says what it does not know yet', () => {
    expect(statusLine(initialViewState().status, 100)).toBe('loading… · – tok/s · ctx – · step 0/–');
  });
});

describe('tool output and arguments', () => {
  it('folds long output to a few lines and says how much is left out', () => {
    const out = Array.from({length: 100}, (_, i) => `line ${i}`).join('\n');
    const f = foldOutput(out, 4);
    expect(f.lines).toEqual(['line 0', 'line 1', 'line 2', 'line 3']);
    expect(f.hidden).toBe(96);
    expect(foldNote(f)).toBe(`… 96 more lines (${formatBytes(Buffer.byteLength(out))}; all in the transcript)`);
    expect(foldOutput('ok\n', 4)).toMatchObject({lines: ['ok'], hidden: 0});
    expect(foldOutput('x'.repeat(10_000), 4).lines[0]?.length).toBeLessThan(300);
  });

  it('summarises the contract tools by their arguments', () => {
    expect(argsSummary('write_file', {path: 'a.py', content: 'x\ny\n'})).toBe('a.py (2 lines, 4 B)');
    expect(argsSummary('read_file', {path: 'a.py', offset: 10, limit: 5})).toBe('a.py (from line 10, 5 lines)');
    expect(argsSummary('run_shell', {command: 'ls -la'})).toBe('ls -la');
    expect(argsSummary('run_python', {code: 'import os\nprint(1)'})).toBe('import os (+1 lines)');
    expect(argsSummary('search', {pattern: 'def \\w+', path: 'src'})).toBe('/def \\w+/ in src');
    expect(argsSummary('custom', {a: 1})).toBe('{"a":1}');
    expect(argsSummary('write_file', '{"path": "x.py", "cont')).toBe('{"path": "x.py", "cont');
  });

  it('classifies diff lines for colour, and previews a call without a preview from its arguments', () => {
    expect(['--- a/x', '+++ b/x', '@@ -1 +1 @@', '+new', '-old', ' same'].map(classifyDiffLine)).toEqual([
      'header',
      'header',
      'hunk',
      'add',
      'del',
      'context',
    ]);
    expect(approvalPreview('write_file', {path: 'n.py', content: 'a\nb\n'}, undefined)).toEqual({kind: 'diff', text: '+++ n.py (new content)\n+a\n+b'});
    expect(approvalPreview('run_shell', {command: 'make test'}, undefined)).toEqual({kind: 'command', text: 'make test'});
    expect(approvalPreview('edit_file', {}, '@@ -1 +1 @@\n-a\n+b')).toEqual({kind: 'diff', text: '@@ -1 +1 @@\n-a\n+b'});
  });
});

describe('slash commands', () => {
  it('parses the commands and answers unknown or malformed ones in one line', () => {
    expect(parseSlash('make it so')).toBeNull();
    expect(parseSlash('/help')).toEqual({name: 'help'});
    expect(parseSlash(' /undo 3 ')).toEqual({name: 'undo', writes: 3});
    expect(parseSlash('/undo')).toEqual({name: 'undo', writes: 1});
    expect(parseSlash('/undo x')).toMatchObject({name: 'invalid'});
    expect(parseSlash('/approve')).toEqual({name: 'approve', policy: null});
    expect(parseSlash('/approve write,execute')).toEqual({name: 'approve', policy: {read: 'ask', write: 'allow', execute: 'allow'}});
    expect(parseSlash('/frobnicate')).toEqual({name: 'invalid', message: 'unknown command /frobnicate — /help lists the commands'});
    for (const c of ['plan', 'compact', 'clear', 'model', 'exit']) expect(parseSlash(`/${c}`)).toEqual({name: c});
  });

  it('parses approval classes', () => {
    expect(parseApprove('auto')).toEqual({read: 'allow', write: 'allow', execute: 'allow'});
    expect(parseApprove('read')).toEqual({read: 'allow', write: 'ask', execute: 'ask'});
    expect(parseApprove('none')).toEqual({read: 'ask', write: 'ask', execute: 'ask'});
    expect(parseApprove('read,bogus')).toMatch(/unknown class "bogus"/);
  });
});
