/**
 * The HTML report in a real browser: Debian's headless Chromium driven by playwright-core. The page
 * must render with no console error, every chart must draw, the pass map must hold exactly one mark
 * per task, and the page must make no network request.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Browser} from 'playwright-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {compareRuns, renderHtml} from '../../../src/bench/report/index.js';
import {checkReportPage, launchChromium} from './browser.js';
import {syntheticReport} from './fixture.js';

describe('report.html in headless Chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'june-html-'));

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it('renders a 164-task run: no errors, no network, 4 charts drawn, 164 marks', async () => {
    const r = syntheticReport({tasks: 164, n: 5});
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(r));
    const shot = process.env.JUNE_REPORT_SCREENSHOT;
    const c = await checkReportPage(browser, file, shot);
    expect(c.errors).toEqual([]);
    expect(c.requests).toEqual([]);
    expect(c.marks).toBe(164);
    expect(new Set(c.markIds)).toEqual(new Set(r.tasks.map((t) => t.taskId)));
    expect(c.canvases.map((x) => x.id)).toEqual(['chart-passk', 'chart-latency', 'chart-tokens', 'chart-sandbox']);
    for (const cv of c.canvases) {
      expect(cv.width).toBeGreaterThan(100);
      // a drawn chart inks a good share of its pixels (axes, labels, bars); a blank canvas inks none
      expect(cv.inked).toBeGreaterThan(500);
    }
  });

  it('renders a comparison of two runs with the same one-mark-per-task map', async () => {
    const a = syntheticReport({runId: 'ref', tasks: 40, seed: 3, passRate: 0.7});
    const b = syntheticReport({runId: 'cand', tasks: 40, seed: 4, passRate: 0.4});
    const file = join(dir, 'compare.html');
    writeFileSync(file, renderHtml(b, {comparison: compareRuns(b, a), reference: a}));
    const c = await checkReportPage(browser, file);
    expect(c.errors).toEqual([]);
    expect(c.marks).toBe(40);
    expect(c.canvases.every((x) => x.inked > 500)).toBe(true);
  });
});
