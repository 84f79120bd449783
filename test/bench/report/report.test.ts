import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {binLabels, histogram} from '../../../src/bench/report/histogram.js';
import {chartJs, escapeHtml, jsonForScript, renderHtml} from '../../../src/bench/report/html.js';
import {baselineFromReport, compareRuns, renderMarkdown, renderTerminal, writeReports} from '../../../src/bench/report/index.js';
import {syntheticReport} from './fixture.js';

describe('histogram', () => {
  it.each([
    [[], 0],
    [[5, 5, 5], 1],
    [[1, 2, 3, 4, 5, 6, 7, 8], 4],
  ])('bins %j into %i bins', (xs, bins) => {
    const h = histogram(xs);
    expect(h.counts).toHaveLength(bins);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(xs.length);
  });
  it('puts the maximum in the last bin and labels ranges', () => {
    const h = histogram([0, 10, 10, 5]);
    expect(h.counts[h.counts.length - 1]).toBe(2);
    expect(binLabels(h)[0]).toBe('0–3');
    // narrow bins get the digits that tell their edges apart
    const narrow = binLabels(histogram([0.011, 0.012, 0.013, 0.014, 0.019]), 2);
    expect(new Set(narrow).size).toBe(narrow.length);
    expect(narrow[0]).toBe('0.011–0.013');
  });
});

describe('text renderings', () => {
  const r = syntheticReport({tasks: 12, n: 2});
  it('terminal: pass@k with base and plus, every task when few, efficiency', () => {
    const t = renderTerminal(r);
    expect(t).toContain(`Run ${r.runId}: humaneval+`);
    expect(t).toMatch(/pass@1\s*│\s*0\.\d{3}\s*│\s*0\.\d{3}/);
    for (const task of r.tasks) expect(t).toContain(task.taskId);
    expect(t).toContain('tokens/s');
  });
  it('terminal: many tasks are summarised, not listed', () => {
    const t = renderTerminal(syntheticReport({tasks: 100}));
    expect(t).not.toContain('HumanEval/99');
    expect(t).toMatch(/tasks: \d+ always pass, \d+ sometimes, \d+ never/);
  });
  it('markdown: one row per task and the reproducibility table', () => {
    const md = renderMarkdown(r);
    expect(md.match(/^\| HumanEval\/\d+ \|/gm)).toHaveLength(12);
    expect(md).toContain('| node-llama-cpp | 3.22.1 |');
    expect(md).toContain(`sha256 \`${'f'.repeat(64)}\``);
  });
});

describe('comparison of two runs', () => {
  it('reports the paired change and the changed tasks', () => {
    const a = syntheticReport({runId: 'a', passRate: 0.7, seed: 1});
    const b = syntheticReport({runId: 'b', passRate: 0.2, seed: 2});
    const c = compareRuns(b, a);
    expect(c.gate.change).toBeLessThan(0);
    expect(c.gate.verdict).toBe('fail');
    expect(c.changed.length).toBeGreaterThan(10);
    expect(renderMarkdown(b, c)).toContain('## Compared with a');
    expect(renderTerminal(b, c)).toMatch(/b vs a: plus pass@1/);
  });
  it('a run compared with itself shows no change', () => {
    const a = syntheticReport({runId: 'a'});
    const c = compareRuns(a, a);
    expect(c.changed).toEqual([]);
    expect(c.gate.change).toBe(0);
    expect(c.gate.verdict).toBe('pass');
  });
  it('baselineFromReport keeps the metric counts per task', () => {
    const r = syntheticReport({tasks: 3, n: 4});
    const b = baselineFromReport(r);
    expect(b.metric).toBe('plus');
    expect(b.tasks['HumanEval/0']).toEqual({n: 4, passed: r.tasks[0]!.plusPassed});
  });
});

describe('html', () => {
  const dir = mkdtempSync(join(tmpdir(), 'june-report-'));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('escapes text and script data', () => {
    expect(escapeHtml('<a href="x">&\'')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    expect(jsonForScript({s: '</script><!--\u2028'})).toBe('{"s":"\\u003c/script\\u003e\\u003c!--\\u2028"}');
  });

  it('is self-contained: inline chart.js, CSP with no network, one mark per task', () => {
    const r = syntheticReport({tasks: 37});
    const html = renderHtml(r);
    expect(html).toContain("default-src 'none'");
    expect(html.includes(chartJs())).toBe(true);
    const own = html.replace(chartJs(), '');
    expect(/<script[^>]+src=|<link[^>]+href=|https?:\/\//.test(own)).toBe(false);
    expect(html.match(/class="cell" data-task-id=/g)).toHaveLength(37);
    // the model id with markup is escaped in text and never closes the script early
    expect(html).toContain('tiny&lt;/script&gt;&lt;b&gt;');
    expect(html.split('</script>').length - 1).toBe(2);
  });

  it('writeReports writes report.md and report.html into the run dir', async () => {
    const r = {...syntheticReport({tasks: 5}), runDir: dir};
    const w = await writeReports(r);
    expect(w.markdownPath).toBe(join(dir, 'report.md'));
    expect(readFileSync(w.htmlPath, 'utf8')).toContain('<!doctype html>');
    expect(readFileSync(w.markdownPath, 'utf8')).toContain(`# Benchmark run ${r.runId}`);
    expect(w.terminal).toContain(r.runId);
  });
});
