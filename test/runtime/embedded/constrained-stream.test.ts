/** Streaming a constrained turn's final answer while its JSON is still being written. */
import {describe, expect, it} from 'vitest';
import {mulberry32} from '../../../src/bench/gate/stats.js';
import {ConstrainedReplyStream} from '../../../src/runtime/embedded/constrained-stream.js';

/** Feeds `raw` in the given chunk sizes (cycled); returns the pieces streamed and the stream. */
function feed(raw: string, sizes: number[]): {pieces: string[]; s: ConstrainedReplyStream} {
  const s = new ConstrainedReplyStream();
  const pieces: string[] = [];
  for (let i = 0, k = 0; i < raw.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    pieces.push(s.push(raw.slice(i, i + n)));
    i += n;
  }
  return {pieces: pieces.filter(Boolean), s};
}

describe('ConstrainedReplyStream', () => {
  it('streams a final answer as it decodes, one character at a time included', () => {
    const raw = '{"final": "Hello, world"}';
    const {pieces, s} = feed(raw, [1]);
    expect(pieces.join('')).toBe('Hello, world');
    expect(pieces.length).toBe('Hello, world'.length);
    expect(s.state).toBe('closed');
    expect(s.answer).toBe('Hello, world');
  });

  it('decodes escapes split across chunks: quotes, backslashes, newlines, \\u escapes and surrogate pairs', () => {
    const answer = 'say "hi"\\n\tthen 😀 and é — done\\';
    const raw = `{ "final" : ${JSON.stringify(answer)} }`;
    const ascii = raw.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    for (const r of [raw, ascii]) {
      for (let size = 1; size <= 7; size++) {
        const {pieces, s} = feed(r, [size]);
        expect(pieces.join('')).toBe(answer);
        // never half a surrogate pair on its own
        for (const p of pieces) expect(p).not.toMatch(/[\ud800-\udbff]$/);
        expect(s.state).toBe('closed');
      }
    }
  });

  it('streams nothing for a call, and decides as soon as the first key shows', () => {
    const s = new ConstrainedReplyStream();
    expect(s.push('{')).toBe('');
    expect(s.state).toBe('undecided');
    expect(s.push(' "')).toBe('');
    expect(s.state).toBe('undecided');
    expect(s.push('tool": "read_file", "arguments": {"path": "a"}}')).toBe('');
    expect(s.state).toBe('call');
    expect(s.answer).toBe('');
    expect(new ConstrainedReplyStream().push('not json at all')).toBe('');
  });

  it('a final answer cut off mid-string keeps what was decoded (no half escape, no lone surrogate)', () => {
    const {pieces, s} = feed('{"final": "one two \\u00e9 \\ud83d\\ude00 thr\\u00', [3]);
    expect(pieces.join('')).toBe('one two é 😀 thr');
    expect(s.state).toBe('final');
    expect(s.answer).toBe('one two é 😀 thr');
    const lone = feed('{"final": "a\\ud83d', [50]).s;
    expect(lone.answer).toBe('a');
  });

  it('property: any chunking of any JSON-encoded answer streams exactly the answer', () => {
    // deterministic: the same 300 cases on every run
    const next = mulberry32(20261201);
    const alphabet = ['a', 'Z', ' ', '"', '\\', '\n', '\t', '/', 'é', '😀', '—', '\u0001', '{', '}', ':', ','];
    for (let t = 0; t < 300; t++) {
      let answer = '';
      const len = Math.floor(next() * 40);
      for (let i = 0; i < len; i++) answer += alphabet[Math.floor(next() * alphabet.length)];
      let raw = `{${next() < 0.5 ? ' ' : ''}"final":${next() < 0.5 ? ' ' : ''}${JSON.stringify(answer)}}`;
      if (next() < 0.5) raw = raw.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      const sizes = Array.from({length: 5}, () => 1 + Math.floor(next() * 6));
      const {pieces, s} = feed(raw, sizes);
      expect(pieces.join('')).toBe(answer);
      expect(s.state).toBe('closed');
    }
  });
});
