/** The agent's pure parts: approvals, guards, reply text (thinking, calls as text), context folding. */
import {describe, expect, it} from 'vitest';
import {approveAlways, decide, parseApprove} from '../../src/agents/approvals.js';
import {elideOldToolOutputs, fitContext, foldIntoSnapshot, type TokenCounter} from '../../src/agents/context.js';
import {CallGuard, canonicalJson, isLoop} from '../../src/agents/guards.js';
import {ThinkSplitter, callFromText, splitThinking} from '../../src/agents/reply-text.js';
import {JuneError} from '../../src/errors.js';
import type {ChatMessage} from '../../src/runtime/model-host.js';

describe('approvals', () => {
  it.each([
    [undefined, true, {read: 'allow', write: 'ask', execute: 'ask'}],
    [undefined, false, {read: 'allow', write: 'deny', execute: 'deny'}],
    ['auto', false, {read: 'allow', write: 'allow', execute: 'allow'}],
    ['read,write', false, {read: 'allow', write: 'allow', execute: 'deny'}],
    ['execute', true, {read: 'ask', write: 'ask', execute: 'allow'}],
    [' Write , read ', false, {read: 'allow', write: 'allow', execute: 'deny'}],
  ] as const)('--approve %s (interactive %s)', (flag, interactive, expected) => {
    expect(parseApprove(flag, interactive)).toEqual(expected);
  });

  it.each(['', 'sudo', 'auto,read', 'read,,x'])('rejects --approve "%s" as a usage error', (flag) => {
    expect(() => parseApprove(flag, false)).toThrow(JuneError);
    try {
      parseApprove(flag, false);
    } catch (e) {
      expect((e as JuneError).code).toBe('USAGE');
    }
  });

  it('decides per class, and "always" widens only that class', () => {
    const p = parseApprove(undefined, true);
    expect(decide(p, 'read')).toBe('allow');
    expect(decide(p, 'write')).toBe('ask');
    const q = approveAlways(p, 'write');
    expect(decide(q, 'write')).toBe('allow');
    expect(decide(q, 'execute')).toBe('ask');
  });
});

describe('guards', () => {
  it('canonical JSON ignores key order at every level', () => {
    expect(canonicalJson({b: 1, a: {d: [1, {y: 1, x: 2}], c: 2}})).toBe(canonicalJson({a: {c: 2, d: [1, {x: 2, y: 1}]}, b: 1}));
  });

  it.each([
    [['a', 'a', 'a'], true],
    [['a', 'a'], false],
    [['a', 'b', 'a', 'b', 'a', 'b'], true],
    [['a', 'b', 'a', 'b', 'a'], false],
    [['x', 'a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c'], true],
    [['a', 'b', 'c', 'd', 'e', 'a', 'b', 'c', 'd', 'e', 'a', 'b', 'c', 'd', 'e'], false],
    [['a', 'a', 'b', 'a', 'a', 'b'], false],
  ])('isLoop(%j) = %s', (keys, expected) => {
    expect(isLoop(keys)).toBe(expected);
  });

  it('three invalid calls in a row trip; a valid call in between resets', () => {
    const g = new CallGuard();
    expect(g.invalid()).toBeNull();
    expect(g.invalid()).toBeNull();
    expect(g.valid('read_file', {path: 'a'})).toBeNull();
    expect(g.invalid()).toBeNull();
    expect(g.invalid()).toBeNull();
    expect(g.invalid()).toBe('invalid_tool_calls');
  });

  it('the same call with reordered arguments counts as the same', () => {
    const g = new CallGuard();
    g.valid('search', {pattern: 'x', path: '.'});
    g.valid('search', {path: '.', pattern: 'x'});
    expect(g.valid('search', {pattern: 'x', path: '.'})).toBe('loop');
  });
});

describe('reply text', () => {
  it('splits <think> across arbitrary chunk boundaries', () => {
    const text = 'Hello <think>let me think about 2 < 3</think>world<think>again</think>!';
    for (const size of [1, 2, 3, 5, 8, 100]) {
      const s = new ThinkSplitter();
      let visible = '';
      const thoughts: string[] = [];
      for (let i = 0; i < text.length; i += size) {
        const r = s.push(text.slice(i, i + size));
        visible += r.visible;
        thoughts.push(...r.thoughts);
      }
      const end = s.end();
      visible += end.visible;
      thoughts.push(...end.thoughts);
      expect(visible).toBe('Hello world!');
      expect(thoughts).toEqual(['let me think about 2 < 3', 'again']);
    }
  });

  it('an unclosed think block at the end is a thought; a lone "<" stays text', () => {
    expect(splitThinking('a <think>unfinished')).toEqual({visible: 'a ', thoughts: ['unfinished']});
    expect(splitThinking('x < y <')).toEqual({visible: 'x < y <', thoughts: []});
  });

  const declared = new Set(['read_file', 'list_dir']);
  it.each([
    ['{"name": "read_file", "arguments": {"path": "a.py"}}', {name: 'read_file', arguments: {path: 'a.py'}}],
    ['```json\n{"tool": "list_dir", "arguments": {"path": "."}}\n```', {name: 'list_dir', arguments: {path: '.'}}],
    ['{"name": "read_file", "arguments": "{\\"path\\": \\"b\\"}"}', {name: 'read_file', arguments: {path: 'b'}}],
    ['<tool_call>{"name": "list_dir", "arguments": {"path": "x"}}</tool_call>', {name: 'list_dir', arguments: {path: 'x'}}],
    ['{"function": {"name": "read_file", "arguments": {"path": "c"}}}', {name: 'read_file', arguments: {path: 'c'}}],
    ['{"name": "rm_rf", "arguments": {}}', null],
    ['I will call {"name": "read_file"} now', null],
    ['{"answer": 42}', null],
  ])('callFromText(%j)', (text, expected) => {
    expect(callFromText(text, declared)).toEqual(expected);
  });
});

describe('context', () => {
  const conv = (n: number): ChatMessage[] => {
    const out: ChatMessage[] = [{role: 'system', content: 'SYSTEM'}, {role: 'user', content: 'the goal'}];
    for (let i = 0; i < n; i++) {
      out.push({role: 'assistant', content: '', toolCalls: [{id: `c${i}`, name: i % 2 ? 'write_file' : 'read_file', arguments: {path: `f${i}.py`}}]});
      out.push({role: 'tool', toolCallId: `c${i}`, content: `result ${i} ${'x'.repeat(1000)}`});
    }
    return out;
  };

  it('elides all but the last two tool outputs, keeping the head byte-identical', () => {
    const m = conv(5);
    const e = elideOldToolOutputs(m);
    expect(e[0]).toBe(m[0]);
    const tools = e.filter((x) => x.role === 'tool');
    expect(tools.slice(0, 3).every((t) => t.content.startsWith('[output elided'))).toBe(true);
    expect(tools.slice(3).every((t) => t.content.startsWith('result'))).toBe(true);
  });

  it('folds older turns into a snapshot naming the goal and the files changed; never starts the tail with an orphan tool result', () => {
    const f = foldIntoSnapshot(conv(8));
    expect(f[0]).toEqual({role: 'system', content: 'SYSTEM'});
    expect(f[1]!.content).toMatch(/^State snapshot/);
    expect(f[1]!.content).toMatch(/Goal: the goal/);
    expect(f[1]!.content).toMatch(/Files changed: f1\.py, f3\.py/);
    const firstTail = f.slice(2).find((m) => m.role !== 'assistant' || m.toolCalls);
    expect(firstTail?.role).not.toBe('tool');
    // every tool message in the tail answers a call in the tail
    const ids = new Set(f.flatMap((m) => m.toolCalls?.map((c) => c.id) ?? []));
    for (const m of f) if (m.role === 'tool') expect(ids.has(m.toolCallId!)).toBe(true);
  });

  const bytesCounter: TokenCounter = {count: async (m) => Math.ceil(JSON.stringify(m).length / 3), observe: () => undefined};

  it('leaves a request under 75 % alone, compacts one over it, refuses one that cannot fit', async () => {
    const small = conv(1);
    const r0 = await fitContext(bytesCounter, small, {}, 100_000, 100);
    expect(r0.compaction).toBeNull();
    expect(r0.messages).toBe(small);
    const r1 = await fitContext(bytesCounter, conv(12), {}, 4000, 200);
    expect(r1.compaction).not.toBeNull();
    expect(r1.promptTokens + r1.replyTokens).toBeLessThanOrEqual(4000);
    // a short conversation whose reply reservation crosses 75 %: nothing to fold, so no compaction
    // (the same messages, the KV cache kept), only the reply budget shrinks to what fits
    const short: ChatMessage[] = [{role: 'system', content: 'x'.repeat(2400)}, {role: 'user', content: 'go'}];
    const r2 = await fitContext(bytesCounter, short, {}, 4000, 3500);
    expect(r2.compaction).toBeNull();
    expect(r2.messages).toBe(short);
    expect(r2.promptTokens + r2.replyTokens).toBe(4000);
    const huge: ChatMessage[] = [{role: 'system', content: 'x'.repeat(30_000)}, {role: 'user', content: 'go'}];
    await expect(fitContext(bytesCounter, huge, {}, 4000, 200)).rejects.toMatchObject({code: 'CONTEXT_OVERFLOW'});
  });
});
