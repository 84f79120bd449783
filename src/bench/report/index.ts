/** Benchmark reports: render a run (and optionally a reference run) and write report.md / report.html. */
import {join} from 'node:path';
import {writeFileAtomic} from '../run-store.js';
import {compareRuns, type RunComparison} from './compare.js';
import {renderHtml} from './html.js';
import {renderMarkdown, renderTerminal} from './text.js';
import type {ReportData} from './types.js';

export {baselineFromReport, compareRuns, type RunComparison} from './compare.js';
export {renderHtml} from './html.js';
export {headline, renderMarkdown, renderTerminal} from './text.js';
export type {Efficiency, PassAtK, ReportData, ReportTask} from './types.js';

export interface WrittenReports {
  markdownPath: string;
  htmlPath: string;
  comparison: RunComparison | null;
  terminal: string;
}

/**
 * Writes `<name>.md` and `<name>.html` (default `report`) into `outDir` (the run directory by default) and returns the
 * terminal rendering. With a reference run, all three include the paired comparison.
 */
export async function writeReports(
  data: ReportData,
  opts: {outDir?: string; reference?: ReportData; maxDrop?: number; name?: string} = {},
): Promise<WrittenReports> {
  const outDir = opts.outDir ?? data.runDir;
  const comparison = opts.reference ? compareRuns(data, opts.reference, {maxDrop: opts.maxDrop}) : null;
  const name = opts.name ?? 'report';
  const markdownPath = join(outDir, `${name}.md`);
  const htmlPath = join(outDir, `${name}.html`);
  await writeFileAtomic(markdownPath, renderMarkdown(data, comparison ?? undefined));
  await writeFileAtomic(
    htmlPath,
    renderHtml(data, comparison && opts.reference ? {comparison, reference: opts.reference} : undefined),
  );
  return {markdownPath, htmlPath, comparison, terminal: renderTerminal(data, comparison ?? undefined)};
}
