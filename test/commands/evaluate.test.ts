/**
 * `june evaluate` end to end: the built CLI, the real Docker sandbox, the real datasets (from the
 * shared mirror). Needs a Docker engine and the sandbox image (built on first use).
 */
import {existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {EvaluateJson} from '../../src/commands/evaluate.js';
import {repoRoot, requireDocker, runJune, sharedDir, tempHome} from '../helpers/env.js';

interface HumanEvalRow {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  entry_point: string;
}
const humaneval = gunzipSync(readFileSync(join(sharedDir, 'datasets', 'HumanEval.jsonl.gz')))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as HumanEvalRow);

let h: {home: string; cleanup: () => void};
const env = (): Record<string, string> => ({JUNE_MIRROR: sharedDir});
beforeAll(async () => {
  await requireDocker();
  h = tempHome('june-evaluate-');
});
afterAll(() => h?.cleanup());

function samplesFile(name: string, rows: unknown[]): string {
  const file = join(h.home, name);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

async function evaluate(args: string[], extraEnv: Record<string, string> = {}): Promise<{json: EvaluateJson; stderr: string}> {
  const r = await runJune(['evaluate', ...args, '--json'], {home: h.home, env: {...env(), ...extraEnv}, timeout: 600_000});
  expect(r.exitCode, `${String(r.stdout)}\n${String(r.stderr)}`).toBe(0);
  return {json: EvaluateJson.parse(JSON.parse(String(r.stdout))), stderr: String(r.stderr)};
}

describe('june evaluate (real sandbox)', () => {
  it('5 canonical HumanEval completions → pass@1 = 1.0, --json shape, compatible result files', async () => {
    const file = samplesFile('canonical.jsonl', humaneval.slice(0, 5).map((p) => ({task_id: p.task_id, completion: p.canonical_solution})));
    const {json} = await evaluate([file, '--dataset', 'humaneval']);
    expect(json).toMatchObject({dataset: 'humaneval', samples: 5, tasks: 5, 'pass@1': 1, 'pass@k': {'1': 1}, plus: null});
    expect(json.base).toEqual({'pass@1': 1, 'pass@k': {'1': 1}, passed: 5, failed: 0, timedOut: 0});
    expect(json.runDir.startsWith(join(h.home, 'runs'))).toBe(true);
    expect(existsSync(join(h.home, 'canonical.jsonl_results.jsonl'))).toBe(false);
    const rows = readFileSync(json.resultsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => [r.task_id, r.result, r.passed, r.base_status])).toEqual(humaneval.slice(0, 5).map((p) => [p.task_id, 'passed', true, 'pass']));
    const ep = JSON.parse(readFileSync(json.evalplusResultsPath, 'utf8')) as {eval: Record<string, Array<{base_status: string}>>};
    expect(Object.values(ep.eval).map((v) => v[0]?.base_status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
  });

  it('MBPP task 367 (a test that must run in the sample\'s process) is flagged; --strict fails it', async () => {
    const row = readFileSync(join(sharedDir, 'datasets', 'mbpp.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as {task_id: number; code: string})
      .find((r) => r.task_id === 367);
    expect(row).toBeDefined();
    const file = samplesFile('mbpp367.jsonl', [{task_id: 367, completion: row!.code}]);
    const lax = await evaluate([file, '--dataset', 'mbpp']);
    expect(lax.json).toMatchObject({'pass@1': 1, flagged: 1, strict: false});
    const strict = await evaluate([file, '--dataset', 'mbpp', '--strict']);
    expect(strict.json).toMatchObject({'pass@1': 0, flagged: 1, strict: true});
  });

  it('5 wrong completions (return value altered) → pass@1 = 0', async () => {
    const wrong = humaneval.slice(0, 5).map((p) => ({task_id: p.task_id, completion: `    return None\n${p.canonical_solution}`}));
    const {json} = await evaluate([samplesFile('wrong.jsonl', wrong), '--dataset', 'humaneval']);
    expect(json['pass@1']).toBe(0);
    expect(json.base.passed).toBe(0);
    const rows = readFileSync(json.resultsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {result: string; passed: boolean});
    expect(rows.every((r) => r.passed === false && r.result.startsWith('failed'))).toBe(true);
  });

  it('HumanEval+ solutions: base and plus reported separately', async () => {
    const plus = gunzipSync(readFileSync(join(sharedDir, 'datasets', 'HumanEvalPlus.jsonl.gz')))
      .toString('utf8')
      .trim()
      .split('\n')
      .slice(0, 3)
      .map((l) => JSON.parse(l) as HumanEvalRow);
    const rows = [
      ...plus.map((p) => ({task_id: p.task_id, solution: p.prompt + p.canonical_solution})),
      ...plus.map((p) => ({task_id: p.task_id, solution: `${p.prompt}    return None\n`})),
    ];
    const {json} = await evaluate([samplesFile('plus.jsonl', rows), '--dataset', 'humaneval+']);
    expect(json).toMatchObject({dataset: 'humaneval+', samples: 6, tasks: 3, 'pass@1': 0.5});
    expect(json.base).toMatchObject({'pass@1': 0.5, passed: 3, failed: 3});
    expect(json.plus).toMatchObject({'pass@1': 0.5, passed: 3, failed: 3});
    const out = readFileSync(json.resultsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out[0]).toMatchObject({base_status: 'pass', plus_status: 'pass', passed: true});
    expect(out[3]).toMatchObject({base_status: 'fail', plus_status: 'fail', passed: false});
    expect((out[3]?.base_fail_tests as unknown[]).length).toBe(1);
  });

  it('kill -9 mid-run, then a rerun scores only the missing samples and reuses no stale one', async () => {
    // 40 distinct passing samples, one at a time, so the run is still going when it is killed
    const rows = Array.from({length: 40}, (_, i) => {
      const p = humaneval[i % 20] as HumanEvalRow;
      return {task_id: p.task_id, completion: `${p.canonical_solution}\n# sample ${i}\n`};
    });
    const file = samplesFile('kill.jsonl', rows);
    const child = execa(process.execPath, [join(repoRoot, 'bin', 'run.js'), 'evaluate', file, '--dataset', 'humaneval', '--parallel', '1', '--json'], {
      reject: false,
      env: {JUNE_HOME: h.home, JUNE_MIRROR: sharedDir},
    });
    let exited = false;
    void child.then(() => (exited = true));
    const runs = join(h.home, 'runs');
    const deadline = Date.now() + 240_000;
    for (;;) {
      const dirs = existsSync(runs) ? readdirSync(runs).filter((d) => d.startsWith('evaluate-kill-')) : [];
      const path = dirs[0] ? join(runs, dirs[0], 'results.jsonl') : '';
      const records = path && existsSync(path) ? readFileSync(path, 'utf8') : '';
      if (records.split('\n').length - 1 >= 4) break;
      if (Date.now() > deadline || exited) throw new Error(`run ended or stalled before the kill: ${records.length} bytes of records`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    const dir = readdirSync(runs).find((d) => d.startsWith('evaluate-kill-')) as string;
    const before = readFileSync(join(runs, dir, 'results.jsonl'), 'utf8');
    const finished = before.split('\n').filter((l) => l.endsWith('}')).length;
    expect(finished).toBeGreaterThanOrEqual(4);
    expect(finished).toBeLessThan(40);

    const {json} = await evaluate([file, '--dataset', 'humaneval', '--parallel', '2']);
    expect(json).toMatchObject({samples: 40, 'pass@1': 1, reused: finished, evaluated: 40 - finished});
    const after = readFileSync(join(runs, dir, 'results.jsonl'), 'utf8').trim().split('\n');
    expect(after).toHaveLength(40);
    expect(new Set(after.map((l) => (JSON.parse(l) as {key: string}).key)).size).toBe(40);

    // a changed sample is scored again (its old verdict is stale), the rest reused
    (rows[7] as {completion: string}).completion = '    return None\n';
    samplesFile('kill.jsonl', rows);
    const {json: changed} = await evaluate([file, '--dataset', 'humaneval']);
    expect(changed).toMatchObject({reused: 39, evaluated: 1});
    expect(changed.base.passed).toBe(39);
  });

  it('Ctrl-C (SIGINT) stops with exit 130 and keeps every finished verdict', async () => {
    const rows = Array.from({length: 30}, (_, i) => {
      const p = humaneval[20 + (i % 20)] as HumanEvalRow;
      return {task_id: p.task_id, completion: `${p.canonical_solution}\n# interrupted sample ${i}\n`};
    });
    const file = samplesFile('sigint.jsonl', rows);
    const child = execa(process.execPath, [join(repoRoot, 'bin', 'run.js'), 'evaluate', file, '--dataset', 'humaneval', '--parallel', '1'], {
      reject: false,
      env: {JUNE_HOME: h.home, JUNE_MIRROR: sharedDir},
    });
    let exited = false;
    void child.then(() => (exited = true));
    const runs = join(h.home, 'runs');
    const recordsPath = (): string => {
      const d = existsSync(runs) ? readdirSync(runs).find((x) => x.startsWith('evaluate-sigint-')) : undefined;
      return d ? join(runs, d, 'results.jsonl') : '';
    };
    const deadline = Date.now() + 240_000;
    for (;;) {
      const p = recordsPath();
      if (p && existsSync(p) && readFileSync(p, 'utf8').split('\n').length - 1 >= 2) break;
      if (Date.now() > deadline || exited) throw new Error('run ended or stalled before Ctrl-C');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toMatch(/Error \(INTERRUPTED\): interrupted after scoring \d+ of 30 sample\(s\)\. Hint: finished verdicts are kept/);
    const kept = readFileSync(recordsPath(), 'utf8').trim().split('\n').length;
    expect(kept).toBeGreaterThanOrEqual(2);
    const {json} = await evaluate([file, '--dataset', 'humaneval']);
    expect(json).toMatchObject({reused: kept, evaluated: 30 - kept, 'pass@1': 1});
  });

  it('bad input: one clear line and a non-zero exit', async () => {
    const missing = await runJune(['evaluate', join(h.home, 'nope.jsonl'), '--dataset', 'humaneval'], {home: h.home, env: env()});
    expect(missing.exitCode).toBe(1);
    expect(String(missing.stderr).trim()).toMatch(/^Error \(FILE_NOT_FOUND\): reading samples: .*nope\.jsonl does not exist\. Hint: /);
    expect(String(missing.stderr).trim().split('\n')).toHaveLength(1);

    const bad = join(h.home, 'bad.jsonl');
    writeFileSync(bad, '{"task_id": "HumanEval/0", "completion": "    return 1\\n"}\n{"task_id": "HumanEval/1", "completion": \n');
    const badLine = await runJune(['evaluate', bad, '--dataset', 'humaneval'], {home: h.home, env: env()});
    expect(badLine.exitCode).toBe(1);
    expect(String(badLine.stderr).trim()).toMatch(new RegExp(`^Error \\(BAD_INPUT\\): ${bad.replace(/[.+]/g, '\\$&')}:2: not valid JSON`));

    writeFileSync(bad, '{"task_id": "HumanEval/0", "completion": "x"}\n{"task_id": "Mbpp/2", "completion": "x"}\n');
    const unknown = await runJune(['evaluate', bad, '--dataset', 'humaneval', '--json'], {home: h.home, env: env()});
    expect(unknown.exitCode).toBe(1);
    expect(JSON.parse(String(unknown.stdout))).toMatchObject({error: {code: 'TASK_UNKNOWN', message: `${bad}:2: field "task_id": "Mbpp/2" is not a humaneval task`}});

    const ds = await runJune(['evaluate', bad, '--dataset', 'humaneval-x'], {home: h.home, env: env()});
    expect(ds.exitCode).toBe(2);
    expect(String(ds.stderr)).toContain('Error (USAGE)');
  });

  it('no Docker engine: DOCKER_UNAVAILABLE, one line with a hint, exit 4', async () => {
    const file = samplesFile('nodocker.jsonl', [{task_id: 'HumanEval/3', completion: '    return False  # never scored before\n'}]);
    const r = await runJune(['evaluate', file, '--dataset', 'humaneval'], {home: h.home, env: {...env(), DOCKER_HOST: 'unix:///nonexistent/docker.sock'}});
    expect(r.exitCode).toBe(4);
    const lines = String(r.stderr).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Error \(DOCKER_UNAVAILABLE\): .* Hint: /);
  });
});
