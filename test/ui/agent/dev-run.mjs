#!/usr/bin/env node
// The TUI on the fake session, for development and the tmux tests before the real loop:
//   npm run build && node test/ui/agent/dev-run.mjs [--workspace DIR] [--token-delay MS] [--stream-tokens N]
// Tasks starting with "hello", "stream" or "fail" play the scripts in fake-session.ts.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {runInteractive, assertInteractiveTerminal} from '../../../dist/ui/agent/index.js';
import {FakeSession} from './fake-session.ts';

const {values} = parseArgs({
  options: {
    workspace: {type: 'string'},
    'token-delay': {type: 'string', default: '0'},
    'stream-tokens': {type: 'string', default: '400'},
    'close-delay': {type: 'string', default: '0'},
  },
});
const workspace = values.workspace ?? mkdtempSync(join(tmpdir(), 'june-tui-dev-'));
try {
  assertInteractiveTerminal();
} catch (e) {
  process.stderr.write(`Error (${e.code}): ${e.message} Hint: ${e.hint}\n`);
  process.exit(2);
}
const {exitCode} = await runInteractive({
  open: async (hooks) =>
    new FakeSession(hooks, {
      workspace,
      tokenDelayMs: Number(values['token-delay']),
      streamTokens: Number(values['stream-tokens']),
      closeDelayMs: Number(values['close-delay']),
      onClose: () => process.stderr.write('[fake] session closed\n'),
    }),
});
process.exit(exitCode);
