/** The prompt's slash commands, parsed (pure: the app runs them). */
import {TOOL_CLASSES, type ApprovalPolicy, type ToolClass} from '../../agents/events.js';

export type SlashCommand =
  | {name: 'help'}
  | {name: 'plan'}
  | {name: 'undo'; writes: number}
  | {name: 'compact'}
  | {name: 'clear'}
  | {name: 'approve'; policy: ApprovalPolicy | null}
  | {name: 'model'}
  | {name: 'exit'}
  | {name: 'invalid'; message: string};

export const HELP_LINES = [
  'commands:',
  '  /help              this list',
  '  /plan              the current plan',
  '  /undo [N]          restore the files of the last N writes (default 1)',
  '  /compact           summarise the conversation now',
  '  /clear             a new conversation in the same session',
  '  /approve CLASSES   classes that run without asking: read,write,execute, auto or none',
  '  /model             the model that is loaded',
  '  /exit              quit (also Ctrl-D, or Ctrl-C twice on an empty prompt)',
  'keys: Enter sends (queues it while a reply runs) · \\ then Enter: a newline · ↑/↓ history',
  '      Ctrl-C or Esc cancels a reply or a run (and drops the queue) · Ctrl-U clears the line',
];

/**
 * `/approve` classes: `auto` (every class runs), `none` (every class asks), or a comma list of the
 * classes that run without asking — the others ask.
 */
export function parseApprove(arg: string): ApprovalPolicy | string {
  const a = arg.trim().toLowerCase();
  if (a === 'auto' || a === 'all') return {read: 'allow', write: 'allow', execute: 'allow'};
  if (a === 'none') return {read: 'ask', write: 'ask', execute: 'ask'};
  const parts = a.split(/[,\s]+/).filter((p) => p.length > 0);
  const bad = parts.filter((p) => !(TOOL_CLASSES as readonly string[]).includes(p));
  if (parts.length === 0 || bad.length > 0)
    return `/approve: ${bad.length > 0 ? `unknown class ${bad.map((b) => `"${b}"`).join(', ')}` : 'no class given'} — use read,write,execute (a comma list), auto or none`;
  const set = new Set(parts as ToolClass[]);
  return {
    read: set.has('read') ? 'allow' : 'ask',
    write: set.has('write') ? 'allow' : 'ask',
    execute: set.has('execute') ? 'allow' : 'ask',
  };
}

/** null when the line is not a slash command (it is a task for the agent). */
export function parseSlash(line: string): SlashCommand | null {
  const t = line.trim();
  if (!t.startsWith('/') || t.startsWith('//')) return null;
  const [head = '', ...rest] = t.slice(1).split(/\s+/);
  const arg = rest.join(' ');
  switch (head.toLowerCase()) {
    case 'help':
    case '?':
      return {name: 'help'};
    case 'plan':
      return {name: 'plan'};
    case 'undo': {
      if (arg === '') return {name: 'undo', writes: 1};
      const n = Number(arg);
      if (!Number.isInteger(n) || n < 1) return {name: 'invalid', message: `/undo: "${arg}" is not a number of writes — /undo or /undo 3`};
      return {name: 'undo', writes: n};
    }
    case 'compact':
      return {name: 'compact'};
    case 'clear':
      return {name: 'clear'};
    case 'approve': {
      if (arg === '') return {name: 'approve', policy: null};
      const p = parseApprove(arg);
      return typeof p === 'string' ? {name: 'invalid', message: p} : {name: 'approve', policy: p};
    }
    case 'model':
      return {name: 'model'};
    case 'exit':
    case 'quit':
      return {name: 'exit'};
    default:
      return {name: 'invalid', message: `unknown command /${head} — /help lists the commands`};
  }
}

export function describePolicy(p: ApprovalPolicy): string {
  const word = (v: 'allow' | 'ask' | 'deny') => (v === 'allow' ? 'runs' : v === 'ask' ? 'asks' : 'refused');
  return `approvals: read ${word(p.read)} · write ${word(p.write)} · execute ${word(p.execute)}`;
}
