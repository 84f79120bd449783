/**
 * `june run-benchmarks --agent`: does the loop beat single-shot? Against a scripted model that
 * answers wrongly until it sees a failed visible example, the agent run must score higher than the
 * single-shot run on the same tasks (and `june report --compare` must say so); with the tiny GGUF
 * the agent mode runs end to end. Real sandbox, real datasets from ../shared.
 */
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadDataset} from '../../src/bench/datasets/index.js';
import {agentTask, doctestExamples, shownAsserts} from '../../src/bench/agent/task.js';
import type {Problem} from '../../src/bench/problem.js';
import {requireDocker, requireTinyModel, runJune, sharedDir, tempHome} from '../helpers/env.js';
import {type ScriptedModel, meta, startScriptedModel} from '../helpers/scripted-model.js';

const TASKS = ['HumanEval/0', 'HumanEval/2', 'HumanEval/4'];
let server: ScriptedModel;
let home: {home: string; cleanup: () => void};
let problems: Map<string, Problem>;

beforeAll(async () => {
  await requireDocker();
  home = tempHome();
  const ds = await loadDataset('humaneval', {datasetsDir: join(home.home, 'datasets'), mirror: sharedDir});
  problems = ds.byTaskId;
  // the model knows the canonical solutions but writes a wrong body until a check has failed
  const byPrompt = (text: string): Problem | undefined => [...problems.values()].find((p) => TASKS.includes(p.taskId) && text.includes(p.prompt.trim().split('\n').find((l) => l.startsWith('def '))!));
  server = await startScriptedModel((req, v) => {
    meta(v);
    const all = req.messages.map((m) => m.content ?? '').join('\n');
    const p = byPrompt(all);
    if (!p) return {text: 'no idea'};
    const wrong = `${p.prompt}    return None\n`;
    if (v.kind !== 'tools') return {text: `\`\`\`python\n${wrong}\`\`\``};
    const fixing = v.hasUser(/The checks failed/);
    if (v.recentResults().length === 0) return {call: {name: 'write_file', arguments: {path: 'solution.py', content: fixing ? p.referenceProgram : wrong}}};
    return {text: fixing ? 'fixed it' : 'done'};
  });
}, 120_000);
afterAll(async () => {
  await server?.close();
  home?.cleanup();
});

describe('run-benchmarks --agent', () => {
  it('the agent task shows only what the prompt shows; HumanEval examples become a doctest, MBPP asserts are kept', () => {
    const p = problems.get('HumanEval/0')!;
    const t = agentTask(p);
    expect(t.file).toBe(p.prompt);
    expect(t.message).toContain(p.prompt.trim());
    expect(t.message).toContain('solution.py');
    expect(t.examples).toMatchObject({kind: 'doctest', entry: 'has_close_elements'});
    expect(doctestExamples(p.prompt)).toBe('>>> has_close_elements([1.0, 2.0, 3.0], 0.5)\nFalse\n>>> has_close_elements([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3)\nTrue\n');
    // the hidden tests never reach the agent
    expect(JSON.stringify(t)).not.toContain('def check(');
    expect(shownAsserts('Write f.\nassert f(1) == 2\n  assert f(2)==3\nnot an assert')).toEqual(['assert f(1) == 2', 'assert f(2)==3']);
  });

  it('against a model that is wrong until it sees a failed example, the agent run scores higher than single-shot', async () => {
    const common = ['run-benchmarks', '--dataset', 'humaneval', '--tasks', TASKS.join(','), '--endpoint', server.url, '--mirror', sharedDir, '--json'];
    const single = await runJune(common, {home: home.home, timeout: 600_000});
    expect(single.exitCode, String(single.stderr)).toBe(0);
    const s = JSON.parse(String(single.stdout)) as {runId: string; 'pass@1': number};
    expect(s['pass@1']).toBe(0);

    const agent = await runJune([...common, '--agent', '--max-steps', '6', '--max-revisions', '2'], {home: home.home, timeout: 600_000});
    expect(agent.exitCode, String(agent.stderr)).toBe(0);
    const a = JSON.parse(String(agent.stdout)) as {runId: string; 'pass@1': number; markdownPath: string};
    expect(a['pass@1']).toBe(1);

    const cmp = await runJune(['report', a.runId, '--compare', s.runId, '--json'], {home: home.home});
    expect(cmp.exitCode, String(cmp.stderr)).toBe(0);
    const c = JSON.parse(String(cmp.stdout)) as {comparison: {change: number; better: number; worse: number}};
    expect(c.comparison.change).toBeCloseTo(1, 5);
    expect(c.comparison.better).toBe(TASKS.length);
    const md = await runJune(['report', a.runId], {home: home.home});
    expect(String(md.stdout)).toMatch(/agent revisions \/ task \(mean\)\s*│?\s*1\.00/);
    expect(String(md.stdout)).toMatch(/tokens per solved task/);
  });

  it('runs end to end with the tiny GGUF (real constrained calls, real sandbox)', async () => {
    requireTinyModel();
    const r = await runJune(
      ['run-benchmarks', '--dataset', 'humaneval', '--agent', '--limit', '3', '--model', join(sharedDir, 'models', 'llama-2-tiny-random.gguf'), '--mirror', sharedDir, '--max-steps', '3', '--max-revisions', '1', '--max-tokens', '64', '--ctx-size', '2048', '--json'],
      {home: home.home, timeout: 600_000},
    );
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout)) as {samples: number; tasks: number; 'pass@1': number; efficiency: {generatedTokens: number}};
    expect(out.tasks).toBe(3);
    expect(out.samples).toBe(3);
    expect(out.efficiency.generatedTokens).toBeGreaterThan(0);
  });
});
