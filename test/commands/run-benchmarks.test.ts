/**
 * `june run-benchmarks` as a user runs it: the built CLI, the real sandbox (Docker), the real tiny
 * GGUF (gibberish: pass@1 = 0 is the correct answer), a fresh JUNE_HOME with the shared mirror.
 */
import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {execa} from 'execa';
import type {Browser} from 'playwright-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {checkReportPage, launchChromium} from '../bench/report/browser.js';
import {repoRoot, requireDocker, requireTinyModel, runJune, sharedDir, tempHome} from '../helpers/env.js';

const TINY = requireTinyModel();
const {home, cleanup} = tempHome('june-rb-');
const env = {JUNE_MIRROR: sharedDir};

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
}
function json<T = Record<string, unknown>>(stdout: unknown): T {
  return JSON.parse(String(stdout)) as T;
}
async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
function runDirOf(id: string): string {
  return join(home, 'runs', id);
}

interface RunJson {
  dataset: string;
  samples: number;
  tasks: number;
  'pass@1': number;
  'pass@k': Record<string, number>;
  base: {'pass@1': number; passed: number; failed: number; timedOut: number};
  plus: unknown;
  runDir: string;
  resultsPath: string;
  runId: string;
  samplesPath: string;
  reportPath: string;
  generatedNow: number;
  scoredNow: number;
  resumed: boolean;
  gate: {verdict: string; line: string; tasks: number; pValue: number} | null;
  baseline: {path: string; line: string} | null;
  limits: {minTimeLimitMs: number; timeFactor: number};
  efficiency: {samples: number; generatedTokens: number; tokensPerSecond: number | null; wallSeconds: number; sandboxSeconds: number};
}

let first: RunJson;
let browser: Browser | undefined;

beforeAll(async () => {
  await requireDocker();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  cleanup();
});

describe('june run-benchmarks', () => {
  it('runs --dataset humaneval --limit 5 end to end (pass@1 = 0 with a gibberish model)', async () => {
    const r = await runJune(['run-benchmarks', '--dataset', 'humaneval', '--model', TINY, '--limit', '5', '--max-tokens', '96', '--json'], {home, env, timeout: 300_000});
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    first = json<RunJson>(r.stdout);
    expect(first).toMatchObject({dataset: 'humaneval', samples: 5, tasks: 5, 'pass@1': 0, 'pass@k': {'1': 0}, plus: null, generatedNow: 5, scoredNow: 5, resumed: false});
    expect(first.base).toMatchObject({'pass@1': 0, passed: 0});
    expect(first.base.failed + first.base.timedOut).toBe(5);
    expect(first.runId).toMatch(/^bench-\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(first.runDir).toBe(runDirOf(first.runId));
    for (const f of ['run.json', 'samples.jsonl', 'results.jsonl', 'activity.jsonl', 'report.md', 'report.html'])
      expect(existsSync(join(first.runDir, f)), f).toBe(true);
    expect(first.samplesPath).toBe(join(first.runDir, 'samples.jsonl'));
    expect(first.reportPath).toBe(join(first.runDir, 'report.html'));
    expect(existsSync(first.resultsPath)).toBe(true);

    // the reproducibility record
    const rec = JSON.parse(readFileSync(join(first.runDir, 'run.json'), 'utf8'));
    expect(rec.dataset).toEqual({id: 'humaneval', file: 'HumanEval.jsonl.gz', sha256: 'b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef'});
    expect(rec.model).toMatchObject({backend: 'embedded', source: TINY, sha256: '81f226c62d28ed4a1a9b9fa080fcd9f0cc40e0f9d5680036583ff98fbcd035cb', bytes: 1750560});
    // auto: the tiny GGUF has no chat template, so completion prompts — and run.json says why
    expect(rec.sampler).toMatchObject({n: 1, temperature: 0, seed: 1234, maxTokens: 96, promptStyle: 'completion', promptStyleReason: 'auto: the GGUF has no tokenizer.chat_template'});
    expect(rec.environment.nodeLlamaCpp).toMatch(/^\d+\.\d+\.\d+/);
    expect(rec.environment.sandboxImageHash).toMatch(/^[0-9a-f]{8,}/);
    expect(rec.limits.minTimeLimitMs).toBeGreaterThanOrEqual(rec.baseLimits.minTimeLimitMs);
    expect(rec.calibration.probes.length).toBeGreaterThan(0);
    expect(rec.concurrency.generationThreads + rec.concurrency.sandboxParallel).toBeLessThanOrEqual(Math.max(2, rec.concurrency.cores));

    // samples: human-eval + EvalPlus fields and the raw output
    const samples = lines(first.samplesPath).map((l) => JSON.parse(l));
    expect(samples.map((s) => s.task_id)).toEqual(['HumanEval/0', 'HumanEval/1', 'HumanEval/2', 'HumanEval/3', 'HumanEval/4']);
    for (const s of samples) {
      expect(typeof s.completion).toBe('string');
      expect(s.solution.endsWith(s.completion)).toBe(true);
      expect(s.solution.length).toBeGreaterThan(s.completion.length);
      expect(typeof s.raw).toBe('string');
      expect(s.tokens).toBeGreaterThan(0);
    }
    expect(lines(join(first.runDir, 'results.jsonl'))).toHaveLength(5);
    // activity: every sample generated and run in the sandbox, with time, exit and output size
    const act = lines(join(first.runDir, 'activity.jsonl')).map((l) => JSON.parse(l));
    expect(act.filter((a) => a.type === 'generation')).toHaveLength(5);
    const sb = act.filter((a) => a.type === 'sandbox');
    expect(sb).toHaveLength(5);
    for (const a of sb) expect(a).toMatchObject({wall_ms: expect.any(Number), exit: expect.stringMatching(/^base=(fail|timeout)/), output_bytes: expect.any(Number), passed: false});
    expect(first.efficiency.samples).toBe(5);
    expect(first.efficiency.tokensPerSecond).toBeGreaterThan(0);
    expect(first.efficiency.sandboxSeconds).toBeGreaterThan(0);
    expect(first.efficiency.wallSeconds).toBeGreaterThan(0);
  }, 300_000);

  it('the run report renders in headless Chromium with one mark per task and charts drawn', async () => {
    browser = await launchChromium();
    const c = await checkReportPage(browser, first.reportPath, process.env.JUNE_REPORT_SCREENSHOT);
    expect(c.errors).toEqual([]);
    expect(c.requests).toEqual([]);
    expect(c.marks).toBe(5);
    expect(c.markIds).toEqual(['HumanEval/0', 'HumanEval/1', 'HumanEval/2', 'HumanEval/3', 'HumanEval/4']);
    expect(c.canvases.map((x) => x.id)).toEqual(['chart-passk', 'chart-latency', 'chart-tokens', 'chart-sandbox']);
    for (const cv of c.canvases) expect(cv.inked).toBeGreaterThan(500);
  }, 120_000);

  it('a finished run resumed does nothing new and gives the same figures', async () => {
    const r = await runJune(['run-benchmarks', '--resume', first.runId, '--json'], {home, env, timeout: 120_000});
    expect(r.exitCode).toBe(0);
    const j = json<RunJson>(r.stdout);
    expect(j).toMatchObject({runId: first.runId, samples: 5, generatedNow: 0, scoredNow: 0, resumed: true, 'pass@1': 0});
    expect(lines(first.samplesPath)).toHaveLength(5);
    expect(lines(join(first.runDir, 'results.jsonl'))).toHaveLength(5);
  }, 120_000);

  it('kill -9 mid-run, then --resume generates only the missing samples and scores only the unscored', async () => {
    const known = new Set(readdirSync(join(home, 'runs')));
    const child = execa(process.execPath, [join(repoRoot, 'bin', 'run.js'), 'run-benchmarks', '--dataset', 'humaneval', '--model', TINY, '--limit', '6', '--json'], {
      reject: false,
      cwd: repoRoot,
      env: {JUNE_HOME: home, NO_COLOR: '1', ...env},
    });
    let runDir = '';
    await until(() => {
      const dirs = existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : [];
      const mine = dirs.filter((d) => d !== first.runId && !known.has(d));
      if (mine.length === 0) return false;
      runDir = join(home, 'runs', mine[0]!);
      return lines(join(runDir, 'samples.jsonl')).length >= 2;
    }, 240_000);
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    const before = lines(join(runDir, 'samples.jsonl'));
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(6);
    const scoredBefore = new Set(lines(join(runDir, 'results.jsonl')).map((l) => JSON.parse(l).key)).size;
    const id = runDir.split('/').pop()!;

    const r = await runJune(['run-benchmarks', '--resume', id, '--json'], {home, env, timeout: 300_000});
    expect(r.exitCode).toBe(0);
    const j = json<RunJson>(r.stdout);
    expect(j).toMatchObject({runId: id, samples: 6, tasks: 6, resumed: true, 'pass@1': 0});
    expect(j.generatedNow).toBe(6 - before.length);
    expect(j.scoredNow).toBe(6 - scoredBefore);
    const after = lines(join(runDir, 'samples.jsonl'));
    expect(after).toHaveLength(6);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(new Set(after.map((l) => JSON.parse(l).task_id)).size).toBe(6);
    expect(new Set(lines(join(runDir, 'results.jsonl')).map((l) => JSON.parse(l).key)).size).toBe(6);
    // the activity log shows two sessions
    const sessions = lines(join(runDir, 'activity.jsonl')).map((l) => JSON.parse(l)).filter((a) => a.type === 'session' && a.event === 'start');
    expect(sessions).toHaveLength(2);

    // gate: this run (0/6) against a baseline where all 6 passed is a real drop: exit 3
    const wb = await runJune(['run-benchmarks', '--resume', id, '--write-baseline', join(home, 'b.json'), '--json'], {home, env});
    expect(wb.exitCode).toBe(0);
    const wj = json<RunJson>(wb.stdout);
    expect(wj.baseline?.line).toMatch(/^Baseline: base pass@1 0\.000 on 6 tasks, n=1; a gate on these tasks detects/);
    const baseline = JSON.parse(readFileSync(join(home, 'b.json'), 'utf8'));
    expect(Object.keys(baseline.tasks)).toHaveLength(6);
    // the same run gated against its own baseline: no change, exit 0
    const same = await runJune(['run-benchmarks', '--resume', id, '--gate', join(home, 'b.json')], {home, env});
    expect(same.exitCode).toBe(0);
    expect(String(same.stdout)).toMatch(/^Gate PASS: base pass@1 0\.000 → 0\.000/m);
    for (const t of Object.values(baseline.tasks) as Array<{passed: number}>) t.passed = 1;
    baseline.passAt1 = 1;
    writeFileSync(join(home, 'b-all-pass.json'), JSON.stringify(baseline));
    const g = await runJune(['run-benchmarks', '--resume', id, '--gate', join(home, 'b-all-pass.json'), '--json'], {home, env});
    expect(g.exitCode).toBe(3);
    const gj = json<RunJson>(g.stdout);
    expect(gj.gate).toMatchObject({verdict: 'fail', tasks: 6});
    expect(gj.gate!.pValue).toBeCloseTo(0.03125, 10);
    const gh = await runJune(['run-benchmarks', '--resume', id, '--gate', join(home, 'b-all-pass.json')], {home, env});
    expect(gh.exitCode).toBe(3);
    expect(String(gh.stdout)).toMatch(/^Gate FAIL: base pass@1 1\.000 → 0\.000/m);
    expect(String(gh.stderr).trim().split('\n').pop()).toMatch(/^Error \(GATE_REGRESSION\): Gate FAIL: base pass@1 1\.000 → 0\.000 .*6 worse \/ 0 better, p=0\.031\): drop > max-drop 0\.020 and significant at 5%/);
    // a broken baseline is a harness problem, not a regression: exit 4
    writeFileSync(join(home, 'broken.json'), '{"format": "nope"}');
    const bad = await runJune(['run-benchmarks', '--resume', id, '--gate', join(home, 'broken.json')], {home, env});
    expect(bad.exitCode).toBe(4);
    expect(String(bad.stderr).trim().split('\n').pop()).toMatch(/^Error \(BASELINE_INVALID\): baseline .*broken\.json: key "format"/);
  }, 600_000);

  it('raising --n on --resume extends a run', async () => {
    const a = await runJune(['run-benchmarks', '--dataset', 'humaneval', '--model', TINY, '--tasks', 'HumanEval/10,HumanEval/11', '--temperature', '0.8', '--max-tokens', '24', '--json'], {home, env, timeout: 300_000});
    expect(a.exitCode).toBe(0);
    const ja = json<RunJson>(a.stdout);
    expect(ja.samples).toBe(2);
    const b = await runJune(['run-benchmarks', '--resume', ja.runId, '--n', '3', '--json'], {home, env, timeout: 300_000});
    expect(b.exitCode).toBe(0);
    const jb = json<RunJson>(b.stdout);
    expect(jb).toMatchObject({samples: 6, tasks: 2, generatedNow: 4, scoredNow: 4});
    expect(Object.keys(jb['pass@k'])).toEqual(['1']);
    const ids = lines(jb.samplesPath).map((l) => JSON.parse(l)).map((s) => `${s.task_id}#${s.completion_id}`);
    expect(ids.sort()).toEqual(['HumanEval/10#0', 'HumanEval/10#1', 'HumanEval/10#2', 'HumanEval/11#0', 'HumanEval/11#1', 'HumanEval/11#2']);
    // lowering n or changing the sampler is refused
    const c = await runJune(['run-benchmarks', '--resume', ja.runId, '--temperature', '0.2'], {home, env});
    expect(c.exitCode).toBe(2);
    expect(String(c.stderr)).toMatch(/^Error \(USAGE\): --resume .*--temperature 0\.2 \(the run has 0\.8\)/);
  }, 600_000);
});

describe('june run-benchmarks: bad input gets one line and a non-zero exit', () => {
  const one = (s: unknown): string => {
    const t = String(s).trim();
    expect(t.split('\n')).toHaveLength(1);
    return t;
  };

  it.each([
    [['--dataset', 'humanevil'], 2, /^Error \(USAGE\): Expected --dataset=humanevil to be one of/],
    [[], 2, /^Error \(USAGE\): --dataset is required/],
    [['--dataset', 'humaneval', '--tasks', 'HumanEval/999', '--model', TINY], 1, /^Error \(TASK_UNKNOWN\): "HumanEval\/999" is not a task of humaneval\. Hint: humaneval task ids look like "HumanEval\/0"/],
    [['--resume', 'bench-nope'], 1, /^Error \(RUN_NOT_FOUND\): no run "bench-nope"/],
    [['--dataset', 'humaneval', '--n', '4', '--model', TINY], 2, /^Error \(USAGE\): --n 4 with --temperature 0/],
    [['--dataset', 'humaneval', '--temperature', 'hot', '--model', TINY], 2, /^Error \(USAGE\): Parsing --temperature .*expected a number from 0 to 5, got "hot"/],
  ])('run-benchmarks %j → exit %i', async (args, code, msg) => {
    const r = await runJune(['run-benchmarks', ...args], {home, env});
    expect(r.exitCode).toBe(code);
    expect(one(r.stderr)).toMatch(msg);
  });

  it('a directory that is not a run is refused', async () => {
    const dir = join(home, 'not-a-run');
    mkdirSync(dir, {recursive: true});
    const r = await runJune(['run-benchmarks', '--resume', dir], {home, env});
    expect(r.exitCode).toBe(1);
    expect(one(r.stderr)).toMatch(/^Error \(RUN_NOT_FOUND\): .*not-a-run is not a benchmark run/);
  });

  it('the default model, not downloaded, says `june download-models <id>`', async () => {
    const r = await runJune(['run-benchmarks', '--dataset', 'humaneval', '--limit', '1'], {home, env, timeout: 120_000});
    expect(r.exitCode).toBe(1);
    expect(one(r.stderr)).toMatch(/^Error \(MODEL_NOT_FOUND\): qwen2\.5-coder-1\.5b-instruct-q4_k_m is not downloaded .*Hint: june download-models qwen2\.5-coder-1\.5b-instruct-q4_k_m/);
  }, 120_000);

  it('a model the GGUF policy refuses is one line', async () => {
    const h = tempHome('june-rb-policy-');
    try {
      writeFileSync(join(h.home, 'config.json'), JSON.stringify({policy: {cpuMaxParamsB: 0.00001}, gpu: 'false'}));
      const r = await runJune(['run-benchmarks', '--dataset', 'humaneval', '--limit', '1', '--model', TINY], {home: h.home, env, timeout: 120_000});
      expect(r.exitCode).toBe(1);
      expect(one(r.stderr)).toMatch(/^Error \(MODEL_TOO_LARGE\)/);
      expect(existsSync(join(h.home, 'runs'))).toBe(false);
    } finally {
      h.cleanup();
    }
  }, 120_000);

  it('no Docker engine: exit 4 with how to start one, before any model is loaded', async () => {
    const r = await runJune(['run-benchmarks', '--dataset', 'humaneval', '--limit', '1', '--model', TINY], {
      home,
      env: {...env, DOCKER_HOST: 'tcp://127.0.0.1:9'},
      timeout: 120_000,
    });
    expect(r.exitCode).toBe(4);
    expect(one(r.stderr)).toMatch(/^Error \(DOCKER_UNAVAILABLE\): .*Hint: start it/);
  }, 120_000);
});

describe('june run-benchmarks --endpoint', () => {
  const bin = join(repoRoot, 'bin', 'run.js');
  const startServer = async (): Promise<{url: string; proc: ReturnType<typeof execa>}> => {
    const proc = execa(process.execPath, [bin, 'serve', '--model', TINY, '--port', '0', '--json'], {reject: false, env: {JUNE_HOME: home, NO_COLOR: '1', ...env}});
    const url = await new Promise<string>((res, rej) => {
      let buf = '';
      proc.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        const nl = buf.indexOf('\n');
        if (nl !== -1) res((JSON.parse(buf.slice(0, nl)) as {url: string}).url);
      });
      void proc.then((r) => rej(new Error(`june serve exited: ${String(r.stderr)}`)));
    });
    return {url, proc};
  };

  it('an endpoint that dies mid-run: retries, stops with finished work saved and a --resume hint; resume on the restarted server', async () => {
    const s1 = await startServer();
    const known = new Set(existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : []);
    const run = execa(process.execPath, [bin, 'run-benchmarks', '--dataset', 'humaneval', '--endpoint', s1.url, '--limit', '4', '--max-tokens', '64', '--json'], {
      reject: false,
      env: {JUNE_HOME: home, NO_COLOR: '1', ...env},
    });
    let runDir = '';
    await until(() => {
      const mine = (existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : []).filter((d) => !known.has(d));
      if (!mine[0]) return false;
      runDir = join(home, 'runs', mine[0]);
      return lines(join(runDir, 'samples.jsonl')).length >= 1;
    }, 240_000);
    s1.proc.kill('SIGKILL');
    await s1.proc;
    const r = await run;
    expect(r.exitCode).toBe(1);
    const err = json<{error: {code: string; message: string; hint: string}}>(r.stdout).error;
    expect(err.code).toMatch(/^ENDPOINT_(UNREACHABLE|BAD_RESPONSE|ERROR)$/);
    const id = runDir.split('/').pop()!;
    expect(err.message).toMatch(/sample\(s\) generated and \d+ scored are kept in/);
    expect(err.hint).toContain(`june run-benchmarks --resume ${id}`);
    const kept = lines(join(runDir, 'samples.jsonl'));
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(4);
    // what was generated before the server died was scored too
    expect(lines(join(runDir, 'results.jsonl')).length).toBe(kept.length);

    const s2 = await startServer();
    try {
      const r2 = await runJune(['run-benchmarks', '--resume', id, '--endpoint', s2.url, '--json'], {home, env, timeout: 300_000});
      expect(r2.exitCode).toBe(0);
      const j = json<RunJson>(r2.stdout);
      expect(j).toMatchObject({samples: 4, tasks: 4, resumed: true});
      expect(j.generatedNow).toBe(4 - kept.length);
      expect(lines(join(runDir, 'samples.jsonl')).slice(0, kept.length)).toEqual(kept);
    } finally {
      s2.proc.kill('SIGTERM');
      await s2.proc;
    }
  }, 600_000);
});

/**
 * The pass path, which a gibberish model never reaches: an OpenAI-compatible server of our own that
 * answers each HumanEval task in markdown with the canonical solution (task 3: a wrong one). No real
 * model that solves HumanEval can run here, so this oracle stands in for one; everything after the
 * answer — code extraction, sanitizing, the sandbox, scoring, reports — is june's real path.
 */
describe('june run-benchmarks with an oracle endpoint (the pass path)', () => {
  it('extracts, scores and reports real passes: 4 of 5 correct → pass@1 0.8; the gate sees the drop', async () => {
    const {parseDatasetFile} = await import('../../src/bench/datasets/index.js');
    const problems = await parseDatasetFile('humaneval', join(sharedDir, 'datasets', 'HumanEval.jsonl.gz'));
    const {createServer} = await import('node:http');
    let wrong = new Set(['HumanEval/3']);
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.method === 'GET') {
          res.writeHead(200, {'content-type': 'application/json'});
          res.end(JSON.stringify({object: 'list', data: [{id: 'oracle', object: 'model', owned_by: 'test'}]}));
          return;
        }
        const msg = (JSON.parse(body) as {messages: Array<{content: string}>}).messages.at(-1)!.content;
        const p = problems.find((x) => msg.includes(x.prompt.trim()))!;
        const code = wrong.has(p.taskId) ? `${p.prompt}    return None\n` : p.referenceProgram;
        const answer = `Sure! Here is the implementation:\n\n\`\`\`python\n${code}\n\nprint(${p.entryPoint})\n\`\`\`\n\nIt works by …`;
        res.writeHead(200, {'content-type': 'text/event-stream'});
        const chunk = (o: unknown): boolean => res.write(`data: ${JSON.stringify(o)}\n\n`);
        const base = {id: 'x', object: 'chat.completion.chunk', created: 0, model: 'oracle'};
        chunk({...base, choices: [{index: 0, delta: {role: 'assistant', content: ''}, finish_reason: null}]});
        for (let i = 0; i < answer.length; i += 40) chunk({...base, choices: [{index: 0, delta: {content: answer.slice(i, i + 40)}, finish_reason: null}]});
        chunk({...base, choices: [{index: 0, delta: {}, finish_reason: 'stop'}]});
        chunk({...base, choices: [], usage: {prompt_tokens: 100, completion_tokens: Math.ceil(answer.length / 4), total_tokens: 0}});
        res.end('data: [DONE]\n\n');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as {port: number}).port}`;
    try {
      const r = await runJune(['run-benchmarks', '--dataset', 'humaneval', '--endpoint', url, '--limit', '5', '--write-baseline', join(home, 'oracle.json'), '--json'], {home, env, timeout: 300_000});
      expect(r.exitCode).toBe(0);
      const j = json<RunJson>(r.stdout);
      expect(j).toMatchObject({samples: 5, tasks: 5, 'pass@1': 0.8, base: {passed: 4, failed: 1}});
      const samples = lines(j.samplesPath).map((l) => JSON.parse(l));
      expect(samples[0].prompt_style).toBe('chat');
      // the answer's prose and the print() were cut; the function and its imports kept
      const noBlank = (t: string): string => t.trim().replace(/\n\s*\n/g, '\n');
      expect(noBlank(samples[0].solution)).toBe(noBlank(problems[0]!.referenceProgram));
      expect(samples[0].solution).not.toContain('print(');
      expect(samples[0].raw).toContain('Sure! Here is the implementation');
      const act = lines(join(j.runDir, 'activity.jsonl')).map((l) => JSON.parse(l));
      const solvedFirst = act.find((a) => a.type === 'sandbox' && a.task_id === 'HumanEval/0');
      expect(solvedFirst).toMatchObject({passed: true, exit: 'base=pass', time_to_solution_ms: expect.any(Number)});

      // a later run where 2 more tasks broke: 3 worse of 5 cannot be told from noise with 5 tasks
      wrong = new Set(['HumanEval/0', 'HumanEval/1', 'HumanEval/3']);
      const g = await runJune(['run-benchmarks', '--dataset', 'humaneval', '--endpoint', url, '--limit', '5', '--gate', join(home, 'oracle.json'), '--json'], {home, env, timeout: 300_000});
      expect(g.exitCode).toBe(0);
      const gj = json<RunJson>(g.stdout);
      expect(gj['pass@1']).toBeCloseTo(0.4, 12);
      expect(gj.gate).toMatchObject({verdict: 'pass', tasks: 5});
      expect(gj.gate!.line).toMatch(/^Gate PASS \(inconclusive\): base pass@1 0\.800 → 0\.400 .*5 tasks detect no drop at all/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 600_000);
});
