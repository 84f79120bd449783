import {Args, Flags} from '@oclif/core';
import Table from 'cli-table3';
import {availableParallelism} from 'node:os';
import {z} from 'zod';
import {JuneCommand} from '../cli/june-command.js';
import {minTimeLimitFlag, mirrorFlag, parallelFlag, timeFactorFlag} from '../cli/flags.js';
import {DATASET_IDS} from '../bench/problem.js';
import {loadDataset} from '../bench/datasets/index.js';
import {DEFAULT_LIMITS, STRICT_FLAGS, checkSamplesFile, evaluateSamples, readSamples, type EvaluateResult, type SampleEvaluator, type SuiteSummary} from '../bench/evaluate/index.js';
import {resolveMirror} from '../paths.js';
import {createCountProgress} from '../ui/progress.js';

const Suite = z.object({
  'pass@1': z.number(),
  'pass@k': z.record(z.string(), z.number()),
  passed: z.number().int(),
  failed: z.number().int(),
  timedOut: z.number().int(),
});

/** `june evaluate --json`. */
export const EvaluateJson = z.object({
  dataset: z.enum(DATASET_IDS),
  samples: z.number().int(),
  tasks: z.number().int(),
  'pass@1': z.number(),
  'pass@k': z.record(z.string(), z.number()),
  base: Suite,
  plus: Suite.nullable(),
  runDir: z.string(),
  resultsPath: z.string(),
  evalplusResultsPath: z.string(),
  evaluated: z.number().int(),
  reused: z.number().int(),
  flagged: z.number().int(),
  strict: z.boolean(),
  limits: z.object({minTimeLimitMs: z.number(), timeFactor: z.number(), memoryBytes: z.number(), outputBytes: z.number(), allInputs: z.boolean()}).loose(),
});
export type EvaluateJson = z.infer<typeof EvaluateJson>;

export default class Evaluate extends JuneCommand<EvaluateJson> {
  static override summary = 'Score samples (human-eval or EvalPlus JSONL) in the sandbox and print pass@k.';
  static override description = `Reads human-eval samples ({"task_id", "completion"}: the program is the prompt followed by the completion; for original MBPP the completion is the whole program) or EvalPlus samples ({"task_id", "solution"}: the full program), any subset of tasks, any number of samples per task. Every sample runs in june's Docker sandbox; humaneval and mbpp are judged by their own test code, humaneval+ and mbpp+ the EvalPlus way (base and plus inputs against the canonical solution's outputs, with atol). pass@k uses the unbiased estimator, only for k up to the fewest samples any task has; for the + datasets a sample counts for plus only when it passes base and plus.

Results go to a run directory under june's home (runs/evaluate-…), never beside the input: results.jsonl (one fsynced verdict per sample, keyed by the sha256 of sample, dataset and limits: a rerun after a kill or Ctrl-C scores only what is missing), <samples>_results.jsonl (human-eval's result/passed plus EvalPlus's base_status/plus_status/base_fail_tests/plus_fail_tests per sample) and <samples>.eval_results.json (EvalPlus's format). The dataset is fetched on first use (sha256-checked) from upstream or the mirror root; the sandbox image is built on first use unless --no-build.`;

  static override examples = [
    '<%= config.bin %> evaluate samples.jsonl --dataset humaneval',
    '<%= config.bin %> evaluate samples.jsonl --dataset humaneval+ --json',
    '<%= config.bin %> evaluate mbpp_samples.jsonl --dataset mbpp+ --min-time-limit 2 --time-factor 8 --parallel 4',
    '<%= config.bin %> evaluate samples.jsonl --dataset mbpp --mirror ../shared --no-build',
  ];

  static override handlesInterrupt = true;

  static override args = {
    samples: Args.string({description: 'Samples JSONL file (.jsonl or .jsonl.gz).', required: true}),
  };

  static override flags = {
    dataset: Flags.string({char: 'd', description: 'Dataset the samples answer.', options: [...DATASET_IDS], required: true}),
    'min-time-limit': minTimeLimitFlag,
    'time-factor': timeFactorFlag,
    'all-inputs': Flags.boolean({description: 'Run every test input even after a failure (diagnosis; slower).', default: false}),
    strict: Flags.boolean({
      description:
        'Fail flagged samples: non_plain_return (a return value that is not plain data) and unverified_script (a script test that had to run in the sample\'s own process). Default: the reference harness\'s verdict, flagged.',
      default: false,
    }),
    parallel: parallelFlag,
    mirror: mirrorFlag,
    build: Flags.boolean({description: 'Build the sandbox image on first use (--no-build: fail instead).', default: true, allowNo: true}),
  };

  async run(): Promise<EvaluateJson> {
    const {args, flags} = await this.parse(Evaluate);
    const paths = this.paths;
    const config = await this.juneConfig();
    const mirror = resolveMirror(flags.mirror ?? config.mirror);
    const log = (line: string): void => {
      if (!this.jsonEnabled()) process.stderr.write(line + '\n');
    };
    await checkSamplesFile(args.samples);
    const dataset = await loadDataset(flags.dataset, {
      datasetsDir: paths.datasetsDir,
      mirror,
      signal: this.signal,
      onProgress: (e, done, total) => {
        if (done === 0 || done >= total) log(`dataset ${e.id}: ${done >= total ? 'fetched' : 'fetching'} ${e.file} (${total} bytes)`);
      },
    });
    const samples = await readSamples(args.samples, dataset.id, dataset.byTaskId);
    const limits = {
      ...DEFAULT_LIMITS,
      ...(flags['min-time-limit'] !== undefined ? {minTimeLimitMs: Math.round(flags['min-time-limit'] * 1000)} : {}),
      ...(flags['time-factor'] !== undefined ? {timeFactor: flags['time-factor']} : {}),
      allInputs: flags['all-inputs'],
    };
    const parallel = flags.parallel ?? availableParallelism();
    const sandboxModule = await import('../sandbox/index.js');
    const bar = createCountProgress(this.showProgress, ' scoring |{bar}| {value}/{total} samples {percentage}% ETA {eta_formatted}');
    let result: EvaluateResult;
    try {
      result = await evaluateSamples({
        dataset,
        samplesPath: args.samples,
        samples,
        limits,
        strict: flags.strict,
        parallel,
        runsDir: paths.runsDir,
        keyExtra: {sandboxImage: sandboxModule.imageHash()},
        signal: this.signal,
        openEvaluator: async (): Promise<SampleEvaluator> =>
          sandboxModule.openSandbox({parallel, build: flags.build, signal: this.signal, onProgress: (line) => log(`sandbox: ${line}`)}),
        onProgress: (done, total) => bar.update(done, total),
      });
    } finally {
      bar.stop();
    }
    if (!this.jsonEnabled()) this.render(result, samples.length);
    return EvaluateJson.parse(result);
  }

  private render(r: EvaluateResult, n: number): void {
    const perTask = r.tasks ? n / r.tasks : 0;
    this.log(`${r.dataset}: ${r.samples} sample(s) over ${r.tasks} task(s) (${Number.isInteger(perTask) ? `n = ${perTask}` : `${perTask.toFixed(2)} per task on average`})`);
    const ks = Object.keys(r.base['pass@k']);
    const table = new Table({head: ['', ...ks.map((k) => `pass@${k}`), 'passed', 'failed', 'timed out'], style: {head: [], border: []}});
    const row = (name: string, s: SuiteSummary): string[] => [name, ...ks.map((k) => (s['pass@k'][k] ?? 0).toFixed(4)), String(s.passed), String(s.failed), String(s.timedOut)];
    table.push(row('base', r.base));
    if (r.plus) table.push(row('base + plus', r.plus));
    this.log(table.toString());
    if (r.flagged) this.log(`${r.flagged} sample(s) flagged (${STRICT_FLAGS.join(' or ')})${r.strict ? ': failed under --strict' : ': verdict kept; --strict fails them'}`);
    this.log(`scored ${r.evaluated}, reused ${r.reused} from an earlier run`);
    this.log(`results: ${r.resultsPath}`);
    this.log(`EvalPlus results: ${r.evalplusResultsPath}`);
  }
}
