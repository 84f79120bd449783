/// <reference lib="dom" />
/**
 * The HTML report in a real browser: Debian's headless Chromium driven by playwright-core. The page
 * must render with no console error, every chart must draw, the pass map must hold exactly one mark
 * per task, and the page must make no network request.
 */
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {type Browser, chromium} from 'playwright-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {compareRuns, renderHtml} from '../../../src/bench/report/index.js';
import {syntheticReport} from './fixture.js';

export const CHROMIUM = process.env.JUNE_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface PageCheck {
  errors: string[];
  requests: string[];
  marks: number;
  markIds: string[];
  canvases: Array<{id: string; width: number; height: number; inked: number}>;
}

/** Opens `file` in Chromium and reports console errors, requests, pass-map marks and canvas ink. */
export async function checkReportPage(browser: Browser, file: string, screenshot?: string): Promise<PageCheck> {
  const page = await browser.newPage({viewport: {width: 1200, height: 900}});
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) requests.push(r.url());
  });
  await page.goto(pathToFileURL(file).href, {waitUntil: 'load'});
  await page.waitForFunction(() => document.querySelectorAll('canvas').length > 0);
  const result = await page.evaluate(() => {
    const marks = [...document.querySelectorAll('#pass-map [data-task-id]')];
    const canvases = [...document.querySelectorAll('canvas')].map((c) => {
      const ctx = c.getContext('2d');
      let inked = 0;
      if (ctx && c.width > 0 && c.height > 0) {
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) inked++;
      }
      return {id: c.id, width: c.width, height: c.height, inked};
    });
    return {marks: marks.length, markIds: marks.map((m) => m.getAttribute('data-task-id') ?? ''), canvases};
  });
  if (screenshot) await page.screenshot({path: screenshot, fullPage: true});
  await page.close();
  return {errors, requests, ...result};
}

describe('report.html in headless Chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'june-html-'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`);
    browser = await chromium.launch({executablePath: CHROMIUM, args: CHROMIUM_ARGS});
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
