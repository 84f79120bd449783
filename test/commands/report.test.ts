/** `june report RUN [--compare RUN2]` on real run directories written by `june run-benchmarks`. */
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {requireDocker, requireTinyModel, runJune, sharedDir, tempHome} from '../helpers/env.js';

const TINY = requireTinyModel();
const {home, cleanup} = tempHome('june-report-');
const env = {JUNE_MIRROR: sharedDir};
const ids: string[] = [];

beforeAll(async () => {
  await requireDocker();
  for (const maxTokens of ['16', '48']) {
    const r = await runJune(['run-benchmarks', '--dataset', 'humaneval', '--model', TINY, '--limit', '3', '--max-tokens', maxTokens, '--json'], {home, env, timeout: 300_000});
    if (r.exitCode !== 0) throw new Error(`run-benchmarks failed: ${String(r.stderr)}`);
    ids.push((JSON.parse(String(r.stdout)) as {runId: string}).runId);
  }
}, 600_000);
afterAll(() => cleanup());

describe('june report', () => {
  it('redraws a run by id: terminal table, report.md, report.html, --json shape', async () => {
    const r = await runJune(['report', ids[0]!], {home, env});
    expect(r.exitCode).toBe(0);
    expect(String(r.stdout)).toMatch(new RegExp(`^Run ${ids[0]}: humaneval · llama-2-tiny-random · pass@1 0\\.000 \\(base\\) · 3 tasks × n=1`));
    const j = await runJune(['report', join(home, 'runs', ids[0]!), '--json'], {home, env});
    expect(j.exitCode).toBe(0);
    const out = JSON.parse(String(j.stdout));
    expect(out).toMatchObject({runId: ids[0], dataset: 'humaneval', model: 'llama-2-tiny-random', tasks: 3, samples: 3, 'pass@1': 0, 'pass@k': {'1': 0}, plus: null, comparison: null});
    expect(out.reportPath).toBe(join(home, 'runs', ids[0]!, 'report.html'));
    expect(readFileSync(out.markdownPath, 'utf8')).toContain(`# Benchmark run ${ids[0]}`);
  });

  it('--compare writes compare-<RUN2> files with the paired comparison', async () => {
    const r = await runJune(['report', ids[1]!, '--compare', ids[0]!, '--json'], {home, env});
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(String(r.stdout));
    expect(out.comparison).toMatchObject({referenceRunId: ids[0], change: 0, worse: 0, better: 0, test: 'mcnemar-exact', changed: []});
    expect(out.comparison.line).toMatch(/^Gate PASS: base pass@1 0\.000 → 0\.000/);
    expect(out.reportPath).toBe(join(home, 'runs', ids[1]!, `compare-${ids[0]}.html`));
    expect(readFileSync(out.markdownPath, 'utf8')).toContain(`## Compared with ${ids[0]}`);
    expect(existsSync(join(home, 'runs', ids[1]!, 'report.html'))).toBe(true);
  });

  it.each([
    [['report', 'bench-missing'], 1, /^Error \(RUN_NOT_FOUND\): no run "bench-missing"/],
    [['report'], 2, /^Error \(USAGE\): Missing 1 required arg/],
    [['report', 'x', '--max-drop', 'lots'], 2, /^Error \(USAGE\): Parsing --max-drop .*expected a number from 0 to 1/],
  ])('%j → exit %i, one line', async (args, code, msg) => {
    const r = await runJune(args, {home, env});
    expect(r.exitCode).toBe(code);
    expect(String(r.stderr).trim().split('\n')).toHaveLength(1);
    expect(String(r.stderr).trim()).toMatch(msg);
  });
});
