import {describe, expect, it} from 'vitest';
import {answerToProgram, extractCode, fencedBlocks, sanitizeProgram} from '../../../src/bench/generation/extract.js';
import {outlinePython} from '../../../src/bench/generation/python-outline.js';

const ADD = 'def add(a, b):\n    return a + b';

describe('extractCode', () => {
  it.each([
    ['a ```python fence', 'Here you go:\n```python\n' + ADD + '\n```\nIt adds.', ADD],
    ['a ```py fence', '```py\n' + ADD + '\n```', ADD],
    ['an untagged fence', 'Sure.\n```\n' + ADD + '\n```', ADD],
    ['a ~~~ fence', '~~~python\n' + ADD + '\n~~~', ADD],
    ['CRLF line ends', '```python\r\n' + ADD.replace(/\n/g, '\r\n') + '\r\n```', ADD],
    ['an unclosed fence (cut off by max tokens)', 'Answer:\n```python\n' + ADD + '\n', ADD],
    ['a closing fence only (prompt opened it)', ADD + '\n```\n\nThis works because…', ADD],
    ['no fences: prose before the code', 'The function is:\n\n' + ADD, ADD],
    ['no code at all', '  I cannot help with that.  ', 'I cannot help with that.'],
  ])('%s', (_name, answer, expected) => {
    expect(extractCode(answer, 'add')).toBe(expected);
  });

  it('picks the block defining the entry point over a longer example block', () => {
    const answer =
      '```python\n' + ADD + '\n```\nUsage:\n```python\nprint(add(1, 2))\nprint(add(3, 4))\nprint(add(5, 6))\nprint(add(7, 8))\n```';
    expect(extractCode(answer, 'add')).toBe(ADD);
  });

  it('prefers python blocks over other languages, then the longest', () => {
    const answer = '```bash\npip install something-long-and-unrelated-here\n```\n```python\nx = 1\n```';
    expect(extractCode(answer)).toBe('x = 1');
    expect(extractCode('```\nshort = 1\n```\n```\nlonger_name = 12345\n```')).toBe('longer_name = 12345');
  });

  it('keeps fences that appear inside a block as text of a longer marker block', () => {
    expect(fencedBlocks('````markdown\n```python\nx=1\n```\n````')).toEqual([
      {lang: 'markdown', body: '```python\nx=1\n```', closed: true},
    ]);
  });
});

describe('outlinePython', () => {
  it('splits top-level statements, keeping decorators, blocks and multi-line strings together', () => {
    const src = [
      'import math',
      'from typing import List',
      '',
      'LIMIT = 10',
      '@cache',
      'def f(x: int) -> int:',
      '    """Doc',
      'at column 0 inside a docstring',
      '    """',
      '    return g(x) + LIMIT',
      '',
      'def g(x):',
      '    y = (1 +',
      '2)',
      '    return y',
      '# a comment',
      'class K:',
      '    pass',
      "print('done')",
      'if __name__ == "__main__":',
      '    f(1)',
    ].join('\n');
    const o = outlinePython(src);
    expect(o.map((s) => [s.kind, s.name])).toEqual([
      ['import', null],
      ['import', null],
      ['assignment', 'LIMIT'],
      ['function', 'f'],
      ['function', 'g'],
      ['class', 'K'],
      ['other', null],
      ['other', null],
    ]);
    expect(o[3]!.text.startsWith('@cache\ndef f')).toBe(true);
    expect(o[3]!.identifiers.has('g')).toBe(true);
    expect(o[3]!.identifiers.has('Doc')).toBe(false); // inside a string
    expect(o[4]!.text).toBe('def g(x):\n    y = (1 +\n2)\n    return y');
    expect(o[5]!.hasReturn).toBe(false);
  });

  it('does not let an open quote or bracket in prose swallow the next definition', () => {
    const src = "Here's the fix (see below\ndef f():\n    return 1";
    const o = outlinePython(src);
    expect(o.map((s) => s.kind)).toEqual(['other', 'function']);
    expect(o[1]!.text).toBe('def f():\n    return 1');
  });
});

describe('sanitizeProgram (EvalPlus sanitizer rules)', () => {
  it('keeps imports and what the entry point reaches, drops tests, prints and main blocks', () => {
    const code = [
      'import re',
      'def helper(s):',
      '    return s.strip()',
      'def unused():',
      '    return 0',
      'def solve(s):',
      '    return helper(s).upper()',
      '',
      'assert solve(" a ") == "A"',
      'print(solve("x"))',
      'if __name__ == "__main__":',
      '    print(1)',
    ].join('\n');
    expect(sanitizeProgram(code, 'solve')).toBe(
      'import re\ndef helper(s):\n    return s.strip()\ndef solve(s):\n    return helper(s).upper()',
    );
  });

  it('follows dependencies through classes and module constants, transitively', () => {
    const code = 'TABLE = {1: "one"}\nclass Namer:\n    def name(self, n):\n        return TABLE[n]\ndef name_of(n):\n    return Namer().name(n)';
    expect(sanitizeProgram(code, 'name_of')).toBe(code);
  });

  it('keeps the first definition of a name, like EvalPlus', () => {
    const code = 'def f():\n    return 1\ndef f():\n    return 2';
    expect(sanitizeProgram(code, 'f')).toBe('def f():\n    return 1');
  });

  it('drops functions without return, except the entry point', () => {
    const code = 'def noisy():\n    print(1)\ndef main_fn(x):\n    x.append(1)';
    expect(sanitizeProgram(code, 'main_fn')).toBe('def main_fn(x):\n    x.append(1)');
  });

  it('keeps all definitions when the entry point is missing, and the text when nothing is defined', () => {
    expect(sanitizeProgram('def a():\n    return 1\ndef b():\n    return 2', 'c')).toBe('def a():\n    return 1\ndef b():\n    return 2');
    expect(sanitizeProgram('print(1)', 'c')).toBe('print(1)');
  });

  it('turns a chat answer into a full program', () => {
    const answer = [
      'Sure! Here is the solution:',
      '',
      '```python',
      'from typing import List',
      '',
      'def has_close_elements(numbers: List[float], threshold: float) -> bool:',
      '    for i, a in enumerate(numbers):',
      '        for j, b in enumerate(numbers):',
      '            if i != j and abs(a - b) < threshold:',
      '                return True',
      '    return False',
      '',
      '# Example',
      'print(has_close_elements([1.0, 2.0], 0.5))',
      '```',
      '',
      'The function compares every pair.',
    ].join('\n');
    expect(answerToProgram(answer, 'has_close_elements')).toBe(
      [
        'from typing import List',
        'def has_close_elements(numbers: List[float], threshold: float) -> bool:',
        '    for i, a in enumerate(numbers):',
        '        for j, b in enumerate(numbers):',
        '            if i != j and abs(a - b) < threshold:',
        '                return True',
        '    return False',
      ].join('\n'),
    );
  });
});
