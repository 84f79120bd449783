/**
 * The report as one self-contained HTML page (report.html): inline CSS, chart.js inlined from the
 * installed package, the run's figures inlined as JSON, and a Content-Security-Policy that forbids
 * any network access — the page shows the same thing offline, from an archive, years later.
 *
 * Charts: pass@k (base and plus; both runs when comparing), latency, token and sandbox-time
 * histograms. The per-task pass map is plain HTML: one element per task with data-task-id, coloured
 * by its pass fraction.
 */
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {JuneError} from '../../errors.js';
import type {RunComparison} from './compare.js';
import {binLabels, histogram} from './histogram.js';
import {agentRows, headline} from './text.js';
import {type ReportData, taskPassFraction} from './types.js';

let chartJsSource: string | undefined;

/** chart.js's UMD build, read once from node_modules. */
export function chartJs(): string {
  if (chartJsSource !== undefined) return chartJsSource;
  let file: string;
  try {
    const require = createRequire(import.meta.url);
    file = join(dirname(require.resolve('chart.js')), 'chart.umd.js');
    chartJsSource = readFileSync(file, 'utf8');
  } catch (err) {
    throw new JuneError('INTERNAL', `chart.js is not installed (${(err as Error).message})`, {
      hint: 'reinstall june (npm install) so that its dependencies are present',
    });
  }
  if (/<\/script/i.test(chartJsSource))
    throw new JuneError('INTERNAL', `${file} contains "</script" and cannot be inlined`);
  return chartJsSource;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!);
}

/** JSON safe to place inside <script>: no "</script", no HTML comment openers, no JS line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Red (0) → amber → green (1); grey when unscored. */
export function passColor(f: number | null): string {
  if (f === null) return '#c8c8c8';
  return `hsl(${Math.round(f * 120)}, 65%, ${f === 0 ? 52 : 42}%)`;
}

const CSS = `
:root{--fg:#1d2330;--muted:#5b6474;--line:#e2e5ea;--bg:#fff;--card:#f6f7f9;--accent:#2f6fdf}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 10px}p.sub{color:var(--muted);margin:0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin-top:16px}
.card{background:var(--card);border-radius:8px;padding:10px 12px}.card b{display:block;font-size:22px}.card span{color:var(--muted);font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
.chart{background:var(--card);border-radius:8px;padding:10px}.chart h3{margin:0 0 6px;font-size:13px;color:var(--muted);font-weight:600}
.chart .box{position:relative;height:220px}
.map{display:flex;flex-wrap:wrap;gap:3px}.cell{width:14px;height:14px;border-radius:3px}
.cell[data-change=worse]{outline:2px solid #111;outline-offset:1px}.cell[data-change=better]{outline:2px dashed #111;outline-offset:1px}
.legend{display:flex;gap:14px;align-items:center;color:var(--muted);font-size:12px;margin-top:8px}.legend i{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:4px;vertical-align:-2px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line)}th{color:var(--muted);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px}
.verdict{padding:10px 12px;border-radius:8px;background:var(--card);border-left:4px solid var(--accent)}
.verdict.fail{border-left-color:#c0392b}.empty{color:var(--muted)}
details summary{cursor:pointer;color:var(--accent)}
`;

interface ChartSpec {
  id: string;
  title: string;
  labels: string[];
  datasets: Array<{label: string; data: number[]}>;
  xTitle: string;
  yTitle: string;
  yMax?: number;
}

function histogramChart(id: string, title: string, values: number[], xTitle: string, digits = 0): ChartSpec | null {
  const h = histogram(values);
  if (h.counts.length === 0) return null;
  return {id, title, labels: binLabels(h, digits), datasets: [{label: 'samples', data: h.counts}], xTitle, yTitle: 'samples'};
}

function passAtKChart(r: ReportData, ref?: ReportData): ChartSpec {
  const keys = Object.keys(r.passAtK.base).sort((a, b) => Number(a) - Number(b));
  const datasets: ChartSpec['datasets'] = [];
  const add = (run: ReportData, suffix: string): void => {
    datasets.push({label: `base${suffix}`, data: keys.map((k) => run.passAtK.base[k] ?? 0)});
    if (run.passAtK.plus) datasets.push({label: `plus${suffix}`, data: keys.map((k) => run.passAtK.plus?.[k] ?? 0)});
  };
  add(r, ref ? ` · ${r.runId}` : '');
  if (ref) add(ref, ` · ${ref.runId}`);
  return {id: 'chart-passk', title: 'pass@k', labels: keys.map((k) => `pass@${k}`), datasets, xTitle: '', yTitle: 'pass@k', yMax: 1};
}

const f3 = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x.toFixed(3));

export function renderHtml(r: ReportData, compare?: {comparison: RunComparison; reference: ReportData}): string {
  const charts: ChartSpec[] = [passAtKChart(r, compare?.reference)];
  const all = (pick: (t: ReportData['tasks'][number]) => number[]): number[] => r.tasks.flatMap(pick);
  for (const c of [
    histogramChart('chart-latency', 'Generation latency per sample (s)', all((t) => t.generationMs.map((m) => m / 1000)), 'seconds', 2),
    histogramChart('chart-tokens', 'Tokens generated per sample', all((t) => t.tokens), 'tokens'),
    histogramChart('chart-sandbox', 'Sandbox time per sample (s)', all((t) => t.sandboxMs.map((m) => m / 1000)), 'seconds', 2),
  ])
    if (c) charts.push(c);

  const changes = new Map<string, 'worse' | 'better'>();
  for (const ch of compare?.comparison.changed ?? []) changes.set(ch.taskId, ch.candidate < ch.reference ? 'worse' : 'better');

  const cells = r.tasks
    .map((t) => {
      const f = taskPassFraction(t, r.metric);
      const passed = r.metric === 'plus' ? (t.plusPassed ?? 0) : t.basePassed;
      const label = f === null ? `${t.taskId}: not scored` : `${t.taskId}: ${passed}/${t.n} passed${t.firstFailure ? ` — ${t.firstFailure}` : ''}`;
      const change = changes.get(t.taskId);
      return `<div class="cell" data-task-id="${escapeHtml(t.taskId)}" data-pass="${f === null ? '' : f.toFixed(4)}"${change ? ` data-change="${change}"` : ''} style="background:${passColor(f)}" title="${escapeHtml(label)}"></div>`;
    })
    .join('');

  const e = r.efficiency;
  const p1 = r.metric === 'plus' ? r.passAtK.plus?.['1'] : r.passAtK.base['1'];
  const cards = [
    [f3(p1), `pass@1 (${r.metric})`],
    [String(r.tasks.length), `tasks × n=${r.settings.n}`],
    [e.tokensPerSecond === null ? '—' : e.tokensPerSecond.toFixed(1), 'tokens/s (generation)'],
    [`${e.sandboxSeconds.toFixed(1)} s`, 'sandbox time'],
    [`${e.wallSeconds.toFixed(1)} s`, 'wall time'],
  ]
    .map(([v, l]) => `<div class="card"><b>${escapeHtml(v!)}</b><span>${escapeHtml(l!)}</span></div>`)
    .join('');

  const avg = (xs: number[]): string => (xs.length ? (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(0) : '—');
  const taskRows = r.tasks
    .map(
      (t) =>
        `<tr><td><code>${escapeHtml(t.taskId)}</code></td><td class="num">${t.n}</td><td class="num">${t.basePassed}/${t.n}</td>${r.passAtK.plus ? `<td class="num">${t.plusPassed ?? 0}/${t.n}</td>` : ''}<td class="num">${avg(t.generationMs)}</td><td class="num">${avg(t.tokens)}</td><td>${escapeHtml(t.firstFailure ?? '')}</td></tr>`,
    )
    .join('');

  let comparisonHtml = '';
  if (compare) {
    const g = compare.comparison.gate;
    const changed = compare.comparison.changed
      .map((c) => `<tr><td><code>${escapeHtml(c.taskId)}</code></td><td class="num">${f3(c.reference)}</td><td class="num">${f3(c.candidate)}</td></tr>`)
      .join('');
    comparisonHtml = `<section id="comparison"><h2>Compared with ${escapeHtml(compare.reference.runId)}</h2>
<p class="verdict${g.verdict === 'fail' ? ' fail' : ''}">${escapeHtml(g.line)}</p>
${g.warnings.map((w) => `<p class="empty">note: ${escapeHtml(w)}</p>`).join('')}
${changed ? `<table><thead><tr><th>changed task</th><th>${escapeHtml(compare.reference.runId)}</th><th>${escapeHtml(r.runId)}</th></tr></thead><tbody>${changed}</tbody></table>` : '<p class="empty">No task changed.</p>'}
</section>`;
  }

  const env = r.environment.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td><code>${escapeHtml(v)}</code></td></tr>`).join('');
  const s = r.settings;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>june · ${escapeHtml(r.runId)}</title>
<style>${CSS}</style></head>
<body><main>
<header><h1>${escapeHtml(headline(r))}</h1>
<p class="sub">Run <code>${escapeHtml(r.runId)}</code> · started ${escapeHtml(r.createdAt)} · n=${s.n}, temperature ${s.temperature}, top-p ${s.topP}, seed ${s.seed}, max tokens ${s.maxTokens}, ${escapeHtml(s.promptStyle)} prompts</p></header>
<section class="cards">${cards}</section>
${comparisonHtml}
<h2>pass@k</h2>
<div class="charts"><div class="chart"><h3>pass@k${r.passAtK.plus ? ' (base and plus)' : ''}</h3><div class="box"><canvas id="chart-passk"></canvas></div></div></div>
<h2>Per-task pass map</h2>
<div id="pass-map" class="map" role="list" aria-label="one mark per task">${cells}</div>
<div class="legend"><span><i style="background:${passColor(1)}"></i>all samples pass</span><span><i style="background:${passColor(0.5)}"></i>some</span><span><i style="background:${passColor(0)}"></i>none</span><span><i style="background:${passColor(null)}"></i>not scored</span>${compare ? '<span>solid outline: worse than the reference · dashed: better</span>' : ''}</div>
<h2>Latency and tokens</h2>
<div class="charts">${charts
    .slice(1)
    .map((c) => `<div class="chart"><h3>${escapeHtml(c.title)}</h3><div class="box"><canvas id="${c.id}"></canvas></div></div>`)
    .join('')}${charts.length === 1 ? '<p class="empty">No samples were generated yet.</p>' : ''}</div>
<h2>Efficiency</h2>
<table><tbody>
<tr><th>samples</th><td class="num">${e.samples}</td></tr>
<tr><th>tokens generated</th><td class="num">${e.generatedTokens}</td></tr>
<tr><th>generation tokens/s</th><td class="num">${e.tokensPerSecond === null ? '—' : e.tokensPerSecond.toFixed(1)}</td></tr>
<tr><th>generation time</th><td class="num">${e.generationSeconds.toFixed(1)} s</td></tr>
<tr><th>sandbox time</th><td class="num">${e.sandboxSeconds.toFixed(1)} s</td></tr>
<tr><th>wall time</th><td class="num">${e.wallSeconds.toFixed(1)} s</td></tr>
${e.tokensPerSolvedTask !== undefined ? `<tr><th>tasks solved</th><td class="num">${e.solvedTasks ?? 0}</td></tr><tr><th>tokens per solved task</th><td class="num">${e.tokensPerSolvedTask === null ? '—' : e.tokensPerSolvedTask.toFixed(0)}</td></tr>` : ''}
${agentRows(r).map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td class="num">${escapeHtml(v)}</td></tr>`).join('')}
</tbody></table>
<h2>Tasks</h2>
<details><summary>${r.tasks.length} tasks</summary>
<table><thead><tr><th>task</th><th>n</th><th>base</th>${r.passAtK.plus ? '<th>plus</th>' : ''}<th>mean gen ms</th><th>mean tokens</th><th>first failure</th></tr></thead><tbody>${taskRows}</tbody></table>
</details>
<h2>Reproducibility</h2>
<table><tbody>
<tr><th>dataset</th><td><code>${escapeHtml(r.dataset.id)} sha256:${escapeHtml(r.dataset.sha256)}</code></td></tr>
<tr><th>model</th><td><code>${escapeHtml(r.model.id)} (${escapeHtml(r.model.backend)}: ${escapeHtml(r.model.source)})${r.model.sha256 ? ` sha256:${escapeHtml(r.model.sha256)}` : ''}</code></td></tr>
${env}
</tbody></table>
</main>
<script>${chartJs()}</script>
<script>
(function(){
  var CHARTS = ${jsonForScript(charts)};
  var COLORS = ['#2f6fdf','#e67e22','#7f8fa6','#c0392b'];
  Chart.defaults.font.family = 'system-ui, sans-serif';
  CHARTS.forEach(function(c){
    var el = document.getElementById(c.id);
    if (!el) return;
    new Chart(el, {
      type: 'bar',
      data: {labels: c.labels, datasets: c.datasets.map(function(d, i){ return {label: d.label, data: d.data, backgroundColor: COLORS[i % COLORS.length]}; })},
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: {legend: {display: c.datasets.length > 1}},
        scales: {
          x: {title: {display: !!c.xTitle, text: c.xTitle}},
          y: {beginAtZero: true, max: c.yMax, title: {display: true, text: c.yTitle}}
        }
      }
    });
  });
})();
</script>
</body></html>
`;
}
