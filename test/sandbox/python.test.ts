/**
 * The runner's Python unit tests (test/sandbox/python: value encoding, EvalPlus's comparison and
 * special oracles, message framing, the checker's helpers), run with `python3 -m unittest` so that
 * `npm test` runs them. A failure shows unittest's own output.
 */
import {join} from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe("the sandbox runner's Python unit tests", () => {
  it('pass under python3 -m unittest', async () => {
    const r = await execa('python3', ['-B', '-m', 'unittest', 'discover', '-s', join('test', 'sandbox', 'python'), '-p', 'test_*.py', '-v'], {cwd: root, reject: false, all: true});
    const out = String(r.all);
    expect(r.exitCode, out).toBe(0);
    // the discovery found the suites (an empty discovery would also exit 0)
    const ran = /^Ran (\d+) tests? in/m.exec(out);
    expect(Number(ran?.[1] ?? 0), out).toBeGreaterThanOrEqual(40);
    expect(out).toMatch(/^OK/m);
  }, 120_000);
});
