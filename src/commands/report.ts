import {Args, Flags} from '@oclif/core';
import {JuneCommand} from '../cli/june-command.js';
import {JuneError} from '../errors.js';
import {type ReportData, writeReports} from '../bench/report/index.js';
import {loadRun, locateRunDir, reportData} from '../bench/run-benchmarks/run-view.js';

export interface ReportCommandResult {
  runId: string;
  runDir: string;
  dataset: string;
  model: string;
  tasks: number;
  samples: number;
  'pass@1': number | null;
  'pass@k': Record<string, number>;
  base: {'pass@k': Record<string, number>};
  plus: {'pass@k': Record<string, number>} | null;
  reportPath: string;
  markdownPath: string;
  comparison: {
    referenceRunId: string;
    change: number;
    ci95: [number, number];
    pValue: number;
    test: string;
    worse: number;
    better: number;
    minDetectableDrop: number;
    line: string;
    changed: Array<{taskId: string; reference: number; candidate: number}>;
  } | null;
}

export default class Report extends JuneCommand<ReportCommandResult> {
  static override summary = 'Redraw the report of a benchmark run, or compare two runs.';
  static override description = `Reads a run directory written by \`june run-benchmarks\` (its id or its path) and writes report.md and report.html into it (a self-contained page: charts of pass@k, a per-task pass map, latency and token histograms; no network at view time). With --compare RUN2, RUN2 is the reference: the paired per-task comparison the gate makes is added, and the files are written as compare-<RUN2>.md/.html.`;

  static override examples = [
    '<%= config.bin %> report bench-20250101-120000-ab12',
    '<%= config.bin %> report ~/.local/share/june/runs/bench-20250101-120000-ab12 --json',
    '<%= config.bin %> report bench-20250102-090000-cd34 --compare bench-20250101-120000-ab12',
  ];

  static override args = {
    run: Args.string({description: 'Run id or run directory.', required: true}),
  };

  static override flags = {
    compare: Flags.string({description: 'A reference run (id or directory) to compare with.', helpValue: 'RUN2'}),
    'max-drop': Flags.custom<number>({
      parse: async (input) => {
        const v = Number(input);
        if (input.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1) throw new JuneError('USAGE', `expected a number from 0 to 1, got "${input}"`);
        return v;
      },
    })({description: 'The drop the comparison verdict tolerates (default 0.02).'}),
  };

  async run(): Promise<ReportCommandResult> {
    const {args, flags} = await this.parse(Report);
    const runsDir = this.paths.runsDir;
    const data = reportData(await loadRun(await locateRunDir(args.run, runsDir)));
    let reference: ReportData | undefined;
    if (flags.compare) reference = reportData(await loadRun(await locateRunDir(flags.compare, runsDir)));
    const w = await writeReports(data, {
      ...(reference ? {reference, name: `compare-${reference.runId}`} : {}),
      ...(flags['max-drop'] !== undefined ? {maxDrop: flags['max-drop']} : {}),
    });
    if (!this.jsonEnabled()) {
      this.log(w.terminal);
      this.log(`Report: ${w.htmlPath}`);
    }
    const p1 = data.metric === 'plus' ? data.passAtK.plus?.['1'] : data.passAtK.base['1'];
    const c = w.comparison;
    return {
      runId: data.runId,
      runDir: data.runDir,
      dataset: data.dataset.id,
      model: data.model.id,
      tasks: data.tasks.length,
      samples: data.efficiency.samples,
      'pass@1': p1 ?? null,
      'pass@k': (data.metric === 'plus' ? data.passAtK.plus : data.passAtK.base) ?? {},
      base: {'pass@k': data.passAtK.base},
      plus: data.passAtK.plus ? {'pass@k': data.passAtK.plus} : null,
      reportPath: w.htmlPath,
      markdownPath: w.markdownPath,
      comparison: c
        ? {
            referenceRunId: c.referenceRunId,
            change: c.gate.change,
            ci95: c.gate.ci95,
            pValue: c.gate.pValue,
            test: c.gate.test,
            worse: c.gate.worse,
            better: c.gate.better,
            minDetectableDrop: c.gate.minDetectableDrop,
            line: c.gate.line,
            changed: c.changed,
          }
        : null,
    };
  }
}
