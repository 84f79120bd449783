/**
 * Text for speech: a streaming sentence/clause splitter (LLM tokens in, speakable pieces out as soon
 * as each is complete) and a cleaner that turns a piece of model output into what a TTS engine
 * should say (no markdown, URLs said as their host, no emoji, a code block said as "code omitted").
 * Both are pure.
 *
 * The splitter follows what pipecat and LiveKit do: a sentence ends at . ! ? only when the next
 * character is whitespace (so "3.5" and "$29." followed by more digits never split), never after a
 * known abbreviation or a single-letter initial; the first piece of a reply may go out early at a
 * clause mark (, ; : —) once it is long enough, or after a few words with no punctuation at all, so
 * the first audio is not held by a long sentence. A fenced code block is always one piece.
 */

export interface SplitterOptions {
  /** The first piece may end at a clause mark once it has this many characters (RealtimeTTS: 10). */
  firstMinChars?: number;
  /** The first piece is cut at a word boundary after this many words without punctuation. */
  firstMaxWords?: number;
  /** …or once it has this many characters. */
  firstMaxChars?: number;
  /** Later pieces are cut (at the last clause mark, else a word boundary) after this many words. */
  maxWords?: number;
}

const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'etc', 'e.g', 'i.e', 'eg', 'ie', 'cf', 'approx', 'dept', 'est',
  'fig', 'inc', 'ltd', 'co', 'corp', 'no', 'nos', 'vol', 'vols', 'ch', 'sec', 'mt', 'ft', 'gen', 'gov', 'lt', 'col', 'sgt',
  'capt', 'rev', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'a.m', 'p.m', 'u.s',
  'u.k', 'ph.d', 'al',
]);

const SENTENCE_END = new Set(['.', '!', '?', '…']);
/** Full-width marks end a sentence without a following space. */
const CJK_END = new Set(['。', '！', '？']);
const CLAUSE = new Set([',', ';', ':', '—', '–']);
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '*', '_']);
const FENCE = '```';

export class SpeechSplitter {
  private buf = '';
  private emitted = 0;
  private readonly firstMinChars: number;
  private readonly firstMaxWords: number;
  private readonly firstMaxChars: number;
  private readonly maxWords: number;

  constructor(options: SplitterOptions = {}) {
    this.firstMinChars = options.firstMinChars ?? 10;
    this.firstMaxWords = options.firstMaxWords ?? 6;
    this.firstMaxChars = options.firstMaxChars ?? 40;
    this.maxWords = options.maxWords ?? 40;
  }

  /** Adds streamed text; returns the pieces it completed, in order. */
  push(text: string): string[] {
    this.buf += text;
    const out: string[] = [];
    for (;;) {
      const cut = this.findCut();
      if (cut < 0) break;
      const piece = this.buf.slice(0, cut).trim();
      this.buf = this.buf.slice(cut);
      if (piece) {
        out.push(piece);
        this.emitted++;
      }
    }
    return out;
  }

  /** The end of the stream: whatever is left is the last piece. */
  flush(): string[] {
    const piece = this.buf.trim();
    this.buf = '';
    if (!piece) return [];
    this.emitted++;
    return [piece];
  }

  private findCut(): number {
    const buf = this.buf;
    const lead = buf.length - buf.trimStart().length;
    // a code block is one piece, cut after its closing fence
    if (buf.startsWith(FENCE, lead)) {
      const close = buf.indexOf(FENCE, lead + FENCE.length);
      if (close < 0) return -1;
      return close + FENCE.length;
    }
    const fence = buf.indexOf(FENCE, lead);
    const limit = fence < 0 ? buf.length : fence;
    const first = this.emitted === 0;
    let words = 0;
    let lastClause = -1;
    for (let i = lead; i < limit; i++) {
      const c = buf[i]!;
      if (CJK_END.has(c)) return i + 1;
      if (SENTENCE_END.has(c)) {
        let j = i + 1;
        while (j < buf.length && (CLOSERS.has(buf[j]!) || SENTENCE_END.has(buf[j]!))) j++;
        if (j >= buf.length) return -1; // the next character decides ("3." may become "3.5")
        if (/\s/.test(buf[j]!) && !(c === '.' && isAbbreviation(buf, lead, i))) return j;
      } else if (c === '\n') {
        // a paragraph break or the next list item ends a piece
        const rest = buf.slice(i + 1);
        if (rest.startsWith('\n') || /^\s*(?:[-*+]|\d+[.)])\s/.test(rest)) {
          if (buf.slice(lead, i).trim()) return i + 1;
        }
      } else if (CLAUSE.has(c)) {
        const next = buf[i + 1];
        if (next !== undefined && /\s/.test(next)) {
          lastClause = i + 1;
          if (first && i + 1 - lead >= this.firstMinChars) return i + 1;
        }
      }
      if (/\s/.test(c) && i > lead && !/\s/.test(buf[i - 1]!)) {
        words++;
        if (first && (words >= this.firstMaxWords || i - lead >= this.firstMaxChars)) return i;
        if (!first && words >= this.maxWords) return lastClause > 0 ? lastClause : i;
      }
    }
    // text before a code block is a piece of its own once the fence has begun
    if (fence >= 0 && buf.slice(lead, fence).trim()) return fence;
    return -1;
  }
}

function isAbbreviation(buf: string, start: number, dot: number): boolean {
  let k = dot;
  while (k > start && /[\p{L}.]/u.test(buf[k - 1]!)) k--;
  const word = buf.slice(k, dot).toLowerCase().replace(/^\.+/, '');
  if (!word) return false;
  if (ABBREVIATIONS.has(word)) return true;
  // a single-letter initial ("J. Smith"), but not the word "I" ending a sentence
  return /^\p{L}$/u.test(word) && word !== 'i';
}

/** Splits a whole text at once (the sequential path and tests). */
export function splitForSpeech(text: string, options?: SplitterOptions): string[] {
  const s = new SpeechSplitter(options);
  return [...s.push(text), ...s.flush()];
}

const EMOJI = /\p{Extended_Pictographic}|[\u{1F1E6}-\u{1F1FF}]|[\u{1F3FB}-\u{1F3FF}]|[\u{E0020}-\u{E007F}]|\u200D|\uFE0F|\uFE0E|\u20E3/gu;

/** The host of a URL as it should be said ("github.com"), or "a link". */
function speakUrl(url: string): string {
  try {
    const u = new URL(/^https?:\/\//i.test(url) ? url : `http://${url}`);
    return u.hostname.replace(/^www\./i, '') || 'a link';
  } catch {
    return 'a link';
  }
}

/**
 * What a TTS engine should say for a piece of model output. Numbers are kept as written ("3.5" is
 * read "three point five" by the engines); an empty result means there is nothing to say.
 */
export function cleanForSpeech(text: string): string {
  let s = text;
  // fenced code (closed or still open at the end) is not read out
  s = s.replace(/```[\s\S]*?(?:```|$)/g, ' code omitted. ');
  // images and links: their text
  s = s.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1');
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, '$1');
  // bare URLs and www. hosts: said as the host
  s = s.replace(/\b(?:https?:\/\/|www\.)[^\s<>"'`]+/gi, (m) => {
    const trail = /[.,;:!?)\]]+$/.exec(m)?.[0] ?? '';
    return speakUrl(m.slice(0, m.length - trail.length)) + trail;
  });
  // inline code: its content
  s = s.replace(/`([^`\n]+)`/g, '$1');
  s = s.replace(/`/g, '');
  // HTML tags
  s = s.replace(/<\/?[a-z][^>\n]*>/gi, ' ');
  // line-level markdown: headings, quotes, list markers, rules, table rows
  s = s
    .split('\n')
    .map((line) => {
      let l = line;
      if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(l)) return '';
      if (/^\s*\|?\s*:?-{3,}/.test(l) && /^[\s|:-]+$/.test(l)) return '';
      l = l.replace(/^\s{0,3}#{1,6}\s+/, '');
      l = l.replace(/^\s*>+\s?/, '');
      l = l.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '');
      if (l.includes('|')) l = l.replace(/^\s*\||\|\s*$/g, '').replace(/\s*\|\s*/g, ', ');
      return l;
    })
    .join('\n');
  // emphasis and strike-through
  s = s.replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2');
  s = s.replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1');
  s = s.replace(/(^|[^\p{L}\p{N}*])\*(?=\S)([^*\n]*?\S)\*(?![\p{L}\p{N}])/gu, '$1$2');
  s = s.replace(/(^|[^\p{L}\p{N}_])_(?=\S)([^_\n]*?\S)_(?![\p{L}\p{N}])/gu, '$1$2');
  // "2 * 3" is said as a product; other stray asterisks and hashes are dropped
  s = s.replace(/(\d)\s*\*\s*(\d)/g, '$1 times $2');
  s = s.replace(/[*#]+/g, ' ');
  s = s.replace(EMOJI, '');
  // whitespace: one space, none before punctuation
  s = s.replace(/\s+/g, ' ').replace(/\s+([.,;:!?])/g, '$1').trim();
  // a piece made of punctuation only says nothing
  if (!/[\p{L}\p{N}]/u.test(s)) return '';
  return s.replace(/^(code omitted\.)(?: code omitted\.)+/, '$1');
}
