/** The report as text: a terminal table (cli-table3) and Markdown (report.md). */
import Table from 'cli-table3';
import type {RunComparison} from './compare.js';
import {type ReportData, taskPassFraction} from './types.js';

const f3 = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x.toFixed(3));
const secs = (s: number): string => (s >= 100 ? `${s.toFixed(0)} s` : `${s.toFixed(1)} s`);

function ks(r: ReportData): string[] {
  const keys = new Set([...Object.keys(r.passAtK.base), ...Object.keys(r.passAtK.plus ?? {})]);
  return [...keys].sort((a, b) => Number(a) - Number(b));
}

function counts(r: ReportData): {all: number; some: number; none: number; unscored: number} {
  let all = 0;
  let some = 0;
  let none = 0;
  let unscored = 0;
  for (const t of r.tasks) {
    const f = taskPassFraction(t, r.metric);
    if (f === null) unscored++;
    else if (f === 1) all++;
    else if (f > 0) some++;
    else none++;
  }
  return {all, some, none, unscored};
}

export function headline(r: ReportData): string {
  const p1 = r.metric === 'plus' ? r.passAtK.plus?.['1'] : r.passAtK.base['1'];
  return `${r.dataset.id} · ${r.model.id} · pass@1 ${f3(p1)} (${r.metric}) · ${r.tasks.length} tasks × n=${r.settings.n}`;
}

function settingsLine(r: ReportData): string {
  const s = r.settings;
  return `n=${s.n} temperature=${s.temperature} top-p=${s.topP} seed=${s.seed} max-tokens=${s.maxTokens} prompt=${s.promptStyle}`;
}

function efficiencyRows(r: ReportData): Array<[string, string]> {
  const e = r.efficiency;
  return [
    ['samples', String(e.samples)],
    ['tokens generated', String(e.generatedTokens)],
    ['generation tokens/s', e.tokensPerSecond === null ? '—' : e.tokensPerSecond.toFixed(1)],
    ['generation time', secs(e.generationSeconds)],
    ['sandbox time', secs(e.sandboxSeconds)],
    ['wall time', secs(e.wallSeconds)],
    ...(e.tokensPerSolvedTask !== undefined
      ? ([['tasks solved', String(e.solvedTasks ?? 0)], ['tokens per solved task', e.tokensPerSolvedTask === null ? '—' : e.tokensPerSolvedTask.toFixed(0)]] as Array<[string, string]>)
      : []),
    ...agentRows(r),
  ];
}

/** The agent's figures beside pass@1 (`run-benchmarks --agent`). */
export function agentRows(r: ReportData): Array<[string, string]> {
  const a = r.agent;
  if (!a) return [];
  return [
    ['agent budgets', `${a.maxSteps} steps, ${a.maxRevisions} revisions per task`],
    ['agent steps / task (mean)', a.meanSteps.toFixed(1)],
    ['agent tool calls / task (mean)', a.meanToolCalls.toFixed(1)],
    ['agent revisions / task (mean)', a.meanRevisions.toFixed(2)],
    ['agent endings', Object.entries(a.reasons).map(([k, v]) => `${k} ${v}`).join(', ') || '—'],
  ];
}

function comparisonText(c: RunComparison): string[] {
  const g = c.gate;
  const lines = [`${c.candidateRunId} vs ${c.referenceRunId}: ${g.line.replace(/^Gate (PASS|FAIL)( \(inconclusive\))?: /, '')}`];
  for (const w of g.warnings) lines.push(`note: ${w}`);
  return lines;
}

/** The terminal view: summary, pass@k, task counts (every task when there are few), efficiency. */
export function renderTerminal(r: ReportData, compare?: RunComparison): string {
  const out: string[] = [];
  out.push(`Run ${r.runId}: ${headline(r)}`);
  out.push(settingsLine(r));
  const pk = new Table({head: ['pass@k', 'base', ...(r.passAtK.plus ? ['plus'] : [])], style: {head: [], border: []}});
  for (const k of ks(r)) pk.push([`pass@${k}`, f3(r.passAtK.base[k]), ...(r.passAtK.plus ? [f3(r.passAtK.plus[k])] : [])]);
  out.push(pk.toString());
  const c = counts(r);
  out.push(`tasks: ${c.all} always pass, ${c.some} sometimes, ${c.none} never${c.unscored ? `, ${c.unscored} unscored` : ''}`);
  if (r.tasks.length <= 30) {
    const t = new Table({
      head: ['task', 'n', 'base', ...(r.passAtK.plus ? ['plus'] : []), 'first failure'],
      style: {head: [], border: []},
      colWidths: [null, null, null, ...(r.passAtK.plus ? [null] : []), 40] as Array<number | null>,
      wordWrap: true,
    });
    for (const task of r.tasks)
      t.push([
        task.taskId,
        String(task.n),
        `${task.basePassed}/${task.n}`,
        ...(r.passAtK.plus ? [`${task.plusPassed ?? 0}/${task.n}`] : []),
        task.firstFailure ?? '',
      ]);
    out.push(t.toString());
  }
  const eff = new Table({style: {head: [], border: []}});
  for (const row of efficiencyRows(r)) eff.push(row);
  out.push(eff.toString());
  if (compare) out.push(...comparisonText(compare));
  return out.join('\n');
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(r: ReportData, compare?: RunComparison): string {
  const out: string[] = [];
  out.push(`# Benchmark run ${r.runId}`, '');
  out.push(`**${headline(r)}**`, '');
  out.push(`- Dataset: \`${r.dataset.id}\` (sha256 \`${r.dataset.sha256}\`)`);
  out.push(`- Model: \`${r.model.id}\` (${r.model.backend}, ${r.model.source}${r.model.sha256 ? `, sha256 \`${r.model.sha256}\`` : ''})`);
  out.push(`- Settings: ${settingsLine(r)}`);
  out.push(`- Started: ${r.createdAt}`, '');
  out.push('## pass@k', '');
  out.push(`| k | base |${r.passAtK.plus ? ' plus |' : ''}`, `|---|---|${r.passAtK.plus ? '---|' : ''}`);
  for (const k of ks(r)) out.push(`| ${k} | ${f3(r.passAtK.base[k])} |${r.passAtK.plus ? ` ${f3(r.passAtK.plus[k])} |` : ''}`);
  const c = counts(r);
  out.push('', `Tasks: ${c.all} always pass, ${c.some} sometimes, ${c.none} never${c.unscored ? `, ${c.unscored} unscored` : ''}.`, '');
  if (compare) {
    out.push(`## Compared with ${compare.referenceRunId}`, '', ...comparisonText(compare).map((l) => `- ${l}`), '');
    if (compare.changed.length) {
      out.push('| task | reference | this run |', '|---|---|---|');
      for (const ch of compare.changed) out.push(`| ${ch.taskId} | ${f3(ch.reference)} | ${f3(ch.candidate)} |`);
      out.push('');
    }
  }
  out.push('## Efficiency', '', '| figure | value |', '|---|---|');
  for (const [k, v] of efficiencyRows(r)) out.push(`| ${k} | ${v} |`);
  out.push('', '## Tasks', '');
  out.push(`| task | n | base |${r.passAtK.plus ? ' plus |' : ''} mean gen (ms) | mean tokens | first failure |`);
  out.push(`|---|---|---|${r.passAtK.plus ? '---|' : ''}---|---|---|`);
  const avg = (xs: number[]): string => (xs.length ? (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(0) : '—');
  for (const t of r.tasks)
    out.push(
      `| ${mdCell(t.taskId)} | ${t.n} | ${t.basePassed}/${t.n} |${r.passAtK.plus ? ` ${t.plusPassed ?? 0}/${t.n} |` : ''} ${avg(t.generationMs)} | ${avg(t.tokens)} | ${mdCell(t.firstFailure ?? '')} |`,
    );
  out.push('', '## Reproducibility', '', '| item | value |', '|---|---|');
  for (const [k, v] of r.environment) out.push(`| ${mdCell(k)} | ${mdCell(v)} |`);
  out.push('');
  return out.join('\n');
}
