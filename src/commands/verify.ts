import {Flags} from '@oclif/core';
import {JuneCommand} from '../cli/june-command.js';
import {ctxSizeFlag, gpuFlag, mirrorFlag, modelFlag, threadsFlag} from '../cli/flags.js';
import type {GpuSetting} from '../config.js';
import {JuneError, formatErrorLine} from '../errors.js';
import {defaultFor, loadCatalog} from '../runtime/catalog.js';
import {type Check, REQUIREMENTS, type VerifyResult, runVerify} from '../verify/verify.js';
import {realDeps} from '../verify/probes.js';

const SYMBOL = (c: Check): string => (c.ok ? '✓' : c.required ? '✗' : '!');

export default class Verify extends JuneCommand<VerifyResult> {
  static override summary = 'Check that this machine is ready: Node, GPU, Docker, sandbox image, models, one real inference.';
  static override description = `Runs every check and prints a table (✓ passed, ✗ required and failed, ! warning) with a hint per line. Required: Node.js ≥ 22, the model loads, one inference runs (its tokens/s is reported). Docker, the sandbox image and speech engines only warn unless --require names them. Downloaded models are checked against the sha256 in the download lock. Exits 0 only when every required check passes, else 1 (CHECK_FAILED) after printing the whole table. An unusable --model (missing, corrupt, unknown, too large for this machine) is reported in one line.
--json prints {"ok", "checks": [{"name", "ok", "required", "detail", "hint"}], "inference": {"model", "tokens", "tokensPerSecond"} | null}.`;

  static override examples = [
    '<%= config.bin %> verify',
    '<%= config.bin %> verify --model llama-2-tiny-random --mirror ../shared',
    '<%= config.bin %> verify --model ./models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf --require docker,sandbox --json',
  ];

  static override handlesInterrupt = true;

  static override flags = {
    model: modelFlag,
    require: Flags.string({
      description: `Make these checks required (comma-separated): ${REQUIREMENTS.join(', ')}.`,
      multiple: true,
      helpValue: 'docker,sandbox,speech',
    }),
    mirror: mirrorFlag,
    gpu: gpuFlag,
    threads: threadsFlag,
    'ctx-size': ctxSizeFlag,
  };

  async run(): Promise<VerifyResult> {
    const {flags} = await this.parse(Verify);
    const config = await this.juneConfig();
    const gpu = flags.gpu as GpuSetting | undefined;
    const result = await runVerify(
      {
        ...(flags.model !== undefined ? {model: flags.model} : {}),
        ...(flags.require ? {require: flags.require} : {}),
        ...(gpu ? {gpu} : {}),
        signal: this.signal,
        defaultModel: () => defaultFor(loadCatalog(), 'coder', config.defaults).id,
      },
      realDeps({
        config,
        ...(flags.mirror !== undefined ? {mirror: flags.mirror} : {}),
        ...(gpu ? {gpu} : {}),
        ...(flags.threads ? {threads: flags.threads} : {}),
        ...(flags['ctx-size'] ? {contextSize: flags['ctx-size']} : {}),
      }),
    );

    if (!this.jsonEnabled()) await this.printTable(result);
    if (result.ok) return result;

    // the whole report first, then one error line and exit 1
    if (this.jsonEnabled()) this.logJson(result);
    const failed = result.checks.filter((c) => c.required && !c.ok);
    const err = new JuneError('CHECK_FAILED', `${failed.length} required check${failed.length === 1 ? '' : 's'} failed: ${failed.map((c) => c.name).join(', ')}`, {
      hint: failed[0]?.hint ?? 'see the table above',
    });
    process.stderr.write(formatErrorLine(err) + '\n');
    this.exit(err.exitCode);
  }

  private async printTable(result: VerifyResult): Promise<void> {
    const {default: Table} = await import('cli-table3');
    const table = new Table({
      head: ['', 'check', 'detail', 'hint'],
      style: {head: [], border: []},
      wordWrap: true,
      colWidths: [3, 11, 62, 40],
    });
    for (const c of result.checks) table.push([SYMBOL(c), c.name + (c.required ? '' : ' (opt)'), c.detail, c.hint ?? '']);
    this.log(table.toString());
    const inf = result.inference;
    this.log(
      `${result.ok ? 'Ready' : 'Not ready'}${inf ? `: ${inf.model} generated ${inf.tokens} tokens at ${inf.tokensPerSecond} tokens/s` : ''}.`,
    );
  }
}
