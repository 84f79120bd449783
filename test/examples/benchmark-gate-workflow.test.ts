/**
 * examples/github-actions/benchmark-gate.yml is checked with the workflow validator
 * (@action-validator/cli, the JSON-schema check of GitHub's workflow syntax), and its june
 * invocations are checked against the flags june really has.
 */
import {readFileSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execa} from 'execa';
import {afterAll, describe, expect, it} from 'vitest';
import RunBenchmarks from '../../src/commands/run-benchmarks.js';
import {repoRoot} from '../helpers/env.js';

const WORKFLOW = join(repoRoot, 'examples', 'github-actions', 'benchmark-gate.yml');
const VALIDATOR = join(repoRoot, 'node_modules', '.bin', 'action-validator');

async function validate(file: string): Promise<{ok: boolean; output: string}> {
  const r = await execa(VALIDATOR, [file], {reject: false, timeout: 60_000});
  return {ok: r.exitCode === 0, output: `${String(r.stdout)}\n${String(r.stderr)}`};
}

describe('examples/github-actions/benchmark-gate.yml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'june-wf-'));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));
  const text = readFileSync(WORKFLOW, 'utf8');

  it('is a valid GitHub Actions workflow', async () => {
    const r = await validate(WORKFLOW);
    expect(r.output).not.toMatch(/"errors"/);
    expect(r.ok).toBe(true);
  });

  it('the validator rejects a broken copy (so the check above can fail)', async () => {
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, text.replace('runs-on: ubuntu-24.04', 'runs_on: ubuntu-24.04'));
    const r = await validate(broken);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/runs_on|runs-on/);
  });

  it('caches the model keyed by its id, runs a seeded subset and gates', () => {
    expect(text).toMatch(/uses: actions\/cache@v4\s+with:\s+path: \$\{\{ env\.JUNE_HOME \}\}\/models\s+key: june-model-\$\{\{ env\.MODEL_ID \}\}/);
    expect(text).toMatch(/--limit "\$GATE_TASKS"/);
    expect(text).toMatch(/--seed "\$SEED"/);
    expect(text).toMatch(/--gate \.github\/june\/baseline\.json --max-drop "\$MAX_DROP"/);
  });

  it('uses only flags that `june run-benchmarks` has', () => {
    const invocations = [...text.matchAll(/june run-benchmarks([^\n]*(?:\\\n[^\n]*)*)/g)].map((m) => m[1]!);
    expect(invocations.length).toBeGreaterThanOrEqual(2);
    const known = new Set(Object.keys({...RunBenchmarks.flags, ...RunBenchmarks.baseFlags, json: true}));
    for (const inv of invocations)
      for (const m of inv.matchAll(/--([a-z][a-z0-9-]*)/g)) expect(known, `--${m[1]}`).toContain(m[1]);
  });
});
