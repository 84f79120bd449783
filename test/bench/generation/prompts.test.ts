import {describe, expect, it} from 'vitest';
import type {Problem} from '../../../src/bench/problem.js';
import {buildRequest, chatTaskText, toSampleText} from '../../../src/bench/generation/prompts.js';
import {completionStops, truncateAtStop} from '../../../src/bench/generation/stop-sequences.js';

const HE_PROMPT = 'def add(a: int, b: int) -> int:\n    """Add two numbers.\n    >>> add(1, 2)\n    3\n    """\n';
const he: Problem = {
  dataset: 'humaneval',
  taskId: 'HumanEval/999',
  prompt: HE_PROMPT,
  entryPoint: 'add',
  referenceProgram: HE_PROMPT + '    return a + b\n',
};
const MBPP_FEW_SHOT =
  'You are an expert Python programmer, and here is your task: Write a function to find the shared elements. Your code should pass these tests:\n\nassert x(1) == 1\n[BEGIN]\ndef x(a):\n    return a\n[DONE]\n' +
  'You are an expert Python programmer, and here is your task: Write a function to double a number. Your code should pass these tests:\n\nassert double(2) == 4\n[BEGIN]\n';
const mbpp: Problem = {dataset: 'mbpp', taskId: '11', prompt: MBPP_FEW_SHOT, entryPoint: 'double', referenceProgram: ''};
const MBPP_PLUS_PROMPT = '"""\nWrite a function to double a number.\nassert double(2) == 4\n"""\n';
const mbppPlus: Problem = {dataset: 'mbpp+', taskId: 'Mbpp/1', prompt: MBPP_PLUS_PROMPT, entryPoint: 'double', referenceProgram: ''};

describe('stop sequences', () => {
  it('HumanEval uses EvalPlus EOS + direct-completion stops', () => {
    const s = completionStops('humaneval');
    for (const x of ['\ndef ', '\nclass ', '\nimport ', '\nfrom ', '\nassert ', '\nif __name__', '\nprint(', '</s>'])
      expect(s).toContain(x);
    expect(completionStops('humaneval+')).toEqual(s);
  });
  it('MBPP+ stops at the docstring end or an assert; MBPP 3-shot at [DONE]', () => {
    expect(completionStops('mbpp+')).toEqual(expect.arrayContaining(['\n"""', '\nassert']));
    expect(completionStops('mbpp')).toContain('[DONE]');
    // original MBPP answers are whole programs: "\ndef " must not cut them
    expect(completionStops('mbpp')).not.toContain('\ndef ');
  });
  it.each([
    ['no stop present', 'abc', ['\ndef '], 'abc'],
    ['cuts at the earliest stop', '    return 1\nprint(x)\ndef g', ['\ndef ', '\nprint('], '    return 1'],
    ['stop at start', '\ndef g', ['\ndef '], ''],
    ['empty stop ignored', 'abc', [''], 'abc'],
  ])('truncateAtStop: %s', (_n, text, stops, want) => {
    expect(truncateAtStop(text, stops)).toBe(want);
  });
});

describe('prompt formats', () => {
  it('HumanEval completion: the prompt itself, raw', () => {
    const r = buildRequest(he, 'completion');
    expect(r).toEqual({style: 'completion', prompt: HE_PROMPT, stop: completionStops('humaneval')});
  });
  it('chat: one user message with the one-code-block instruction and the task in a fence', () => {
    const r = buildRequest(he, 'chat');
    if (r.style !== 'chat') throw new Error('expected chat');
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]!.role).toBe('user');
    expect(r.messages[0]!.content).toContain('exactly one ```python code block');
    expect(r.messages[0]!.content).toContain('```\n' + HE_PROMPT.trim() + '\n```');
  });
  it('chat for original MBPP shows only the last task of the 3-shot prompt', () => {
    expect(chatTaskText(mbpp)).toBe(
      'You are an expert Python programmer, and here is your task: Write a function to double a number. Your code should pass these tests:\n\nassert double(2) == 4',
    );
  });
});

describe('raw output → sample (completion + solution)', () => {
  it('HumanEval completion: cut at stops, solution = prompt + completion', () => {
    const raw = '    return a + b\n\n\ndef test():\n    assert add(1, 2) == 3\n';
    expect(toSampleText(he, 'completion', raw)).toEqual({
      completion: '    return a + b\n\n',
      solution: HE_PROMPT + '    return a + b\n\n',
    });
  });
  it('MBPP 3-shot: the code up to [DONE] is the program', () => {
    const raw = 'def double(n):\n    return 2 * n\n[DONE]\nYou are an expert';
    expect(toSampleText(mbpp, 'completion', raw)).toEqual({
      completion: 'def double(n):\n    return 2 * n',
      solution: 'def double(n):\n    return 2 * n',
    });
  });
  it('MBPP+ completion: cut at the closing docstring, solution = prompt + completion', () => {
    const raw = 'def double(n):\n    return 2 * n\nassert double(3) == 6';
    expect(toSampleText(mbppPlus, 'completion', raw)).toEqual({
      completion: 'def double(n):\n    return 2 * n',
      solution: MBPP_PLUS_PROMPT + 'def double(n):\n    return 2 * n',
    });
  });
  it('chat: extracted and sanitized program in both fields', () => {
    const raw = 'Here:\n```python\ndef add(a, b):\n    return a + b\n\nprint(add(1, 2))\n```';
    expect(toSampleText(he, 'chat', raw)).toEqual({
      completion: 'def add(a, b):\n    return a + b',
      solution: 'def add(a, b):\n    return a + b',
    });
  });
  it('gibberish stays gibberish (scored as a failure, never dropped)', () => {
    const raw = 'qux zorp ### ]]';
    expect(toSampleText(he, 'chat', raw).solution).toBe('qux zorp ### ]]');
    expect(toSampleText(he, 'completion', raw).completion).toBe(raw);
  });
});
