import {describe, expect, it} from 'vitest';
import {SpeechSplitter, cleanForSpeech, splitForSpeech} from '../../src/pipeline/text.js';

/** Feeds text one character at a time (the worst streaming case) and collects the pieces. */
function streamed(text: string, opts?: ConstructorParameters<typeof SpeechSplitter>[0]): string[] {
  const s = new SpeechSplitter(opts);
  const out: string[] = [];
  for (const ch of text) out.push(...s.push(ch));
  return [...out, ...s.flush()];
}

describe('SpeechSplitter', () => {
  it('splits sentences at . ! ? followed by a space', () => {
    expect(splitForSpeech('Hello there. How are you? I am fine!')).toEqual(['Hello there.', 'How are you?', 'I am fine!']);
  });

  it('never splits inside numbers like 3.5, $29.99 or 10.0.1', () => {
    const text = 'It costs $29.99 today. Version 3.5 is out. Use 10.0.1 now.';
    expect(splitForSpeech(text)).toEqual(['It costs $29.99 today.', 'Version 3.5 is out.', 'Use 10.0.1 now.']);
    expect(streamed(text)).toEqual(['It costs $29.99 today.', 'Version 3.5 is out.', 'Use 10.0.1 now.']);
  });

  it('waits for the character after a full stop before deciding', () => {
    const s = new SpeechSplitter();
    expect(s.push('The answer is 3.')).toEqual([]);
    expect(s.push('5 metres. ')).toEqual(['The answer is 3.5 metres.']);
  });

  it('does not split after abbreviations or initials', () => {
    expect(splitForSpeech('Dr. Smith met Mr. J. Jones at 5 p.m. today. Then they left.', {firstMaxWords: 100, firstMaxChars: 100})).toEqual([
      'Dr. Smith met Mr. J. Jones at 5 p.m. today.',
      'Then they left.',
    ]);
    expect(splitForSpeech('Use a tool, e.g. a hammer. Done.', {firstMinChars: 100})).toEqual(['Use a tool, e.g. a hammer.', 'Done.']);
  });

  it('lets a first clause out early at a comma once it is long enough, but not later ones', () => {
    const text = 'Well, the capital of France, as you know, is Paris. It is big, old, and lovely.';
    expect(streamed(text)).toEqual(['Well, the capital of France,', 'as you know, is Paris.', 'It is big, old, and lovely.']);
  });

  it('cuts a first piece with no punctuation after a few words', () => {
    const pieces = streamed('one two three four five six seven eight nine ten eleven twelve', {firstMaxWords: 4, maxWords: 40});
    expect(pieces).toEqual(['one two three four', 'five six seven eight nine ten eleven twelve']);
  });

  it('keeps a fenced code block as one piece, periods and all', () => {
    const text = 'Here it is:\n```python\nprint(1.5)\nx = a.b()\n```\nThat prints 1.5. Done.';
    const pieces = streamed(text, {firstMinChars: 100});
    expect(pieces).toEqual(['Here it is:', '```python\nprint(1.5)\nx = a.b()\n```', 'That prints 1.5.', 'Done.']);
  });

  it('ends a piece at a paragraph break and at list items', () => {
    expect(splitForSpeech('First point\n\nSecond point')).toEqual(['First point', 'Second point']);
    expect(splitForSpeech('Steps:\n- open it\n- close it')).toEqual(['Steps:', '- open it', '- close it']);
  });

  it('handles full-width sentence ends and quotes after the stop', () => {
    expect(splitForSpeech('He said "stop." Then he left.')).toEqual(['He said "stop."', 'Then he left.']);
    expect(splitForSpeech('你好。再见。')).toEqual(['你好。', '再见。']);
  });

  it('gives the same pieces however the text is chunked', () => {
    const text = 'The price is 3.5 dollars. Dr. Who said hi! Is it ok? Yes. ';
    const whole = splitForSpeech(text);
    for (const size of [1, 2, 3, 7]) {
      const s = new SpeechSplitter();
      const out: string[] = [];
      for (let i = 0; i < text.length; i += size) out.push(...s.push(text.slice(i, i + size)));
      out.push(...s.flush());
      expect(out).toEqual(whole);
    }
  });
});

describe('cleanForSpeech', () => {
  it('removes markdown emphasis, headings, list markers and quotes', () => {
    expect(cleanForSpeech('## Result\n**Bold** and *italic* and __under__ and ~~gone~~')).toBe('Result Bold and italic and under and gone');
    expect(cleanForSpeech('- first item')).toBe('first item');
    expect(cleanForSpeech('1. first item')).toBe('first item');
    expect(cleanForSpeech('> quoted text')).toBe('quoted text');
    expect(cleanForSpeech('snake_case_name stays')).toBe('snake_case_name stays');
  });

  it('says a code block as "code omitted" and inline code as its content', () => {
    expect(cleanForSpeech('```js\nconst x = 1;\n```')).toBe('code omitted.');
    expect(cleanForSpeech('Run `npm test` first.')).toBe('Run npm test first.');
    expect(cleanForSpeech('```\nunterminated')).toBe('code omitted.');
  });

  it('says URLs as their host and links as their text', () => {
    expect(cleanForSpeech('See https://www.example.com/a/b?c=1.')).toBe('See example.com.');
    expect(cleanForSpeech('Read [the docs](https://docs.example.org/x) now')).toBe('Read the docs now');
    expect(cleanForSpeech('![a cat](cat.png)')).toBe('a cat');
  });

  it('drops emoji (with skin tones, flags and joiners)', () => {
    expect(cleanForSpeech('Great job 👍🏽! 🎉 Family 👨‍👩‍👧 time 🇫🇷')).toBe('Great job! Family time');
  });

  it('keeps numbers as written and reads a product', () => {
    expect(cleanForSpeech('Pi is about 3.14, and 2 * 3 is 6.')).toBe('Pi is about 3.14, and 2 times 3 is 6.');
  });

  it('returns nothing to say for punctuation or emoji only', () => {
    expect(cleanForSpeech('🎉🎉')).toBe('');
    expect(cleanForSpeech('---')).toBe('');
    expect(cleanForSpeech('**')).toBe('');
  });

  it('turns table rows into a list', () => {
    expect(cleanForSpeech('| a | b |\n|---|---|\n| 1 | 2 |')).toBe('a, b 1, 2');
  });
});
