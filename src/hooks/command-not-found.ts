/**
 * An unknown command is a usage error like any other: one line (or the JSON error object under
 * --json) with the closest command as the hint, and exit 2.
 */
import {type Hook, toConfiguredId} from '@oclif/core';
import {closest} from 'fastest-levenshtein';
import {EXIT, JuneError, formatErrorLine} from '../errors.js';

const hook: Hook.CommandNotFound = async function (opts) {
  const ids = opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases]);
  const name = toConfiguredId(opts.id, opts.config);
  const suggestion = ids.length > 0 ? toConfiguredId(closest(opts.id, ids), opts.config) : undefined;
  const err = new JuneError('USAGE', `"${name}" is not a june command`, {
    hint: suggestion ? `did you mean \`june ${suggestion}\`? (\`june --help\` lists the commands)` : '`june --help` lists the commands',
  });
  if ((opts.argv ?? []).includes('--json') || process.argv.includes('--json')) process.stdout.write(JSON.stringify({error: err.toJSON()}, null, 2) + '\n');
  else process.stderr.write(formatErrorLine(err) + '\n');
  process.exit(EXIT.usage);
};

export default hook;
