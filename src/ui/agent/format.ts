/**
 * Pure text helpers of the TUI: the status line fitted to the terminal's width, folded tool output,
 * one-line summaries of tool arguments, diff lines classified for colouring.
 */
import {formatBytes} from '../format.js';
import type {StatusView} from './state.js';

/** Characters of one output line shown before it is cut (a minified file is one long line). */
const LINE_CUT = 240;

export function compactNumber(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function ellipsize(s: string, max: number): string {
  if (max <= 0) return '';
  if (s.length <= max) return s;
  if (max === 1) return '…';
  return `${s.slice(0, max - 1)}…`;
}

/**
 * The status line: model · backend · tok/s · ctx used/size · step n/max · session. Always one line
 * strictly narrower than `width` (the last column is left free, so no terminal wraps it): the
 * session id is shortened first, then the model name, then the least useful fields are dropped.
 */
export function statusLine(st: StatusView, width: number, extra?: string): string {
  const max = Math.max(10, width - 1);
  const tps = st.tokensPerSecond === null ? '– tok/s' : `${st.tokensPerSecond >= 100 ? Math.round(st.tokensPerSecond) : st.tokensPerSecond.toFixed(1)} tok/s`;
  const ctx =
    st.contextSize === null ? 'ctx –' : `ctx ${st.contextUsed === null ? '–' : compactNumber(st.contextUsed)}/${compactNumber(st.contextSize)}`;
  const step = `step ${st.step}/${st.maxSteps ?? '–'}`;
  const fields = {
    model: st.model ?? 'loading…',
    backend: st.backend ?? '',
    tps,
    ctx,
    step,
    session: st.session ?? '',
    extra: extra ?? '',
  };
  const order = ['model', 'backend', 'tps', 'ctx', 'step', 'session', 'extra'] as const;
  const render = () =>
    order
      .map((k) => fields[k])
      .filter((t) => t.length > 0)
      .join(' · ');
  const shrinkModel = (min: number) => () => {
    const over = render().length - max;
    fields.model = ellipsize(fields.model, Math.max(Math.min(min, fields.model.length), fields.model.length - over));
  };
  // what gives way, in order, until the line fits: a session id is unique in its first 8
  // characters; the backend is the least needed; the model name shortens before anything else goes
  const steps: (() => void)[] = [
    () => (fields.extra = ''),
    () => (fields.session = fields.session.slice(0, 8)),
    () => (fields.backend = ''),
    shrinkModel(8),
    () => (fields.session = ''),
    () => (fields.ctx = ''),
    () => (fields.tps = ''),
    () => (fields.model = ''),
  ];
  let line = render();
  for (const step of steps) {
    if (line.length <= max) return line;
    step();
    line = render();
  }
  if (line.length <= max) return line;
  return ellipsize(line, max);
}

export interface Folded {
  lines: string[];
  /** Lines not shown. */
  hidden: number;
  totalLines: number;
  bytes: number;
}

/** The first `maxLines` lines of a tool's output (each cut to a sane length), and what was left out. */
export function foldOutput(output: string, maxLines: number): Folded {
  const trimmed = output.replace(/\s+$/, '');
  const all = trimmed.length === 0 ? [] : trimmed.split('\n');
  const shown = all.slice(0, maxLines).map((l) => ellipsize(l.replace(/\r/g, ''), LINE_CUT));
  return {lines: shown, hidden: Math.max(0, all.length - shown.length), totalLines: all.length, bytes: Buffer.byteLength(output)};
}

export function foldNote(f: Folded): string {
  return `… ${f.hidden} more line${f.hidden === 1 ? '' : 's'} (${formatBytes(f.bytes)}; all in the transcript)`;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function record(args: unknown): Record<string, unknown> {
  return args !== null && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
}

function lineCount(s: string): number {
  if (s.length === 0) return 0;
  return s.split('\n').length - (s.endsWith('\n') ? 1 : 0);
}

/** One line for a call's arguments, by tool (the contract's names); other tools get compact JSON. */
export function argsSummary(name: string, args: unknown, max = 160): string {
  // an invalid call's arguments come as the raw text the model wrote
  if (typeof args === 'string') return ellipsize(args.replace(/\s*\n\s*/g, ' ⏎ '), max);
  const a = record(args);
  const path = str(a.path);
  let out: string;
  switch (name) {
    case 'list_dir':
      out = path ?? '.';
      break;
    case 'read_file': {
      const off = typeof a.offset === 'number' ? a.offset : null;
      const lim = typeof a.limit === 'number' ? a.limit : null;
      out = `${path ?? '?'}${off !== null || lim !== null ? ` (from line ${off ?? 1}${lim !== null ? `, ${lim} lines` : ''})` : ''}`;
      break;
    }
    case 'search':
      out = `/${str(a.pattern) ?? ''}/${path ? ` in ${path}` : ''}${str(a.glob) ? ` (${str(a.glob)})` : ''}`;
      break;
    case 'write_file': {
      const content = str(a.content) ?? '';
      out = `${path ?? '?'} (${lineCount(content)} lines, ${formatBytes(Buffer.byteLength(content))})`;
      break;
    }
    case 'edit_file':
      out = `${path ?? '?'}${a.replace_all === true ? ' (all matches)' : ''}`;
      break;
    case 'run_shell':
      out = str(a.command) ?? '';
      break;
    case 'run_python':
      out = str(a.file) ?? (str(a.code) ?? '').split('\n')[0] ?? '';
      if (str(a.code) && lineCount(str(a.code) ?? '') > 1) out += ` (+${lineCount(str(a.code) ?? '') - 1} lines)`;
      break;
    case 'run_js':
      out = (str(a.code) ?? '').split('\n')[0] ?? '';
      break;
    default:
      out = args === undefined ? '' : JSON.stringify(args) ?? '';
  }
  return ellipsize(out.replace(/\s*\n\s*/g, ' ⏎ '), max);
}

export type DiffLineKind = 'header' | 'hunk' | 'add' | 'del' | 'context';

export function classifyDiffLine(line: string): DiffLineKind {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('Index:') || line.startsWith('====') || line.startsWith('diff '))
    return 'header';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  return 'context';
}

/**
 * What an approval prompt shows for a call: the request's preview (a unified diff for writes and
 * edits, the command for runs); without one, a new file's content as added lines, or the command
 * taken from the arguments.
 */
export function approvalPreview(tool: string, args: unknown, preview: string | undefined): {kind: 'diff' | 'command'; text: string} {
  const a = record(args);
  const isWrite = tool === 'write_file' || tool === 'edit_file';
  if (preview !== undefined && preview.length > 0) return {kind: isWrite ? 'diff' : 'command', text: preview};
  if (tool === 'write_file') {
    const content = str(a.content) ?? '';
    const lines = content.length === 0 ? [] : content.replace(/\n$/, '').split('\n');
    return {kind: 'diff', text: [`+++ ${str(a.path) ?? '?'} (new content)`, ...lines.map((l) => `+${l}`)].join('\n')};
  }
  if (tool === 'edit_file') {
    const del = (str(a.old_text) ?? '').split('\n').map((l) => `-${l}`);
    const add = (str(a.new_text) ?? '').split('\n').map((l) => `+${l}`);
    return {kind: 'diff', text: [`--- ${str(a.path) ?? '?'}`, `+++ ${str(a.path) ?? '?'}`, ...del, ...add].join('\n')};
  }
  const cmd = str(a.command) ?? str(a.code) ?? str(a.file) ?? JSON.stringify(args) ?? '';
  return {kind: 'command', text: cmd};
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms - m * 60_000) / 1000)} s`;
}
