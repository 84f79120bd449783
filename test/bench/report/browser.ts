/// <reference lib="dom" />
/** Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for the HTML report tests. */
import {existsSync} from 'node:fs';
import {pathToFileURL} from 'node:url';
import {type Browser, chromium} from 'playwright-core';

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

/** Launches Chromium; a missing browser is an error (tests fail, never skip). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`);
  return chromium.launch({executablePath: CHROMIUM, args: CHROMIUM_ARGS});
}
