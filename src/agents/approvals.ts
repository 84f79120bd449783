/**
 * Approvals as pure functions (Codex's canAutoApprove, table-tested): which tool classes run
 * without asking. Three classes: read (list, read, search), write (write, edit), execute (run_*).
 *
 *   --approve auto            every class runs without asking
 *   --approve read,write      those run; the rest ask (interactive) or are refused (headless)
 *   default                   interactive: read runs, write and execute ask; headless: read only
 *
 * Headless there is nobody to ask: 'ask' becomes 'deny' (gemini-cli's policy engine does the same),
 * and a refused call is a result the model reads, so it can go on.
 */
import {JuneError} from '../errors.js';
import {TOOL_CLASSES, type ApprovalPolicy, type ToolClass} from './events.js';

export function parseApprove(flag: string | undefined, interactive: boolean): ApprovalPolicy {
  const unasked = interactive ? 'ask' : 'deny';
  const policy: ApprovalPolicy = {read: 'allow', write: unasked, execute: unasked};
  if (flag === undefined) return policy;
  const words = flag
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w !== '');
  if (words.length === 0) throw badApprove(flag);
  if (words.includes('auto') || words.includes('all')) {
    if (words.length > 1) throw badApprove(flag);
    return {read: 'allow', write: 'allow', execute: 'allow'};
  }
  const next: ApprovalPolicy = {read: unasked, write: unasked, execute: unasked};
  for (const w of words) {
    if (!(TOOL_CLASSES as readonly string[]).includes(w)) throw badApprove(flag);
    next[w as ToolClass] = 'allow';
  }
  return next;
}

function badApprove(flag: string): JuneError {
  return new JuneError('USAGE', `--approve "${flag}" is not auto or a comma list of read, write, execute`, {
    hint: 'e.g. --approve auto, --approve read,write',
  });
}

/** What the policy says for one call. */
export function decide(policy: ApprovalPolicy, cls: ToolClass): 'allow' | 'ask' | 'deny' {
  return policy[cls];
}

/** 'always' from the user: this class runs without asking for the rest of the session. */
export function approveAlways(policy: ApprovalPolicy, cls: ToolClass): ApprovalPolicy {
  return {...policy, [cls]: 'allow'};
}

/** One line for the policy ("read: allow, write: ask, execute: ask"). */
export function describePolicy(policy: ApprovalPolicy): string {
  return TOOL_CLASSES.map((c) => `${c}: ${policy[c]}`).join(', ');
}
