import {Flags} from '@oclif/core';
import Table from 'cli-table3';
import {JuneCommand} from '../cli/june-command.js';
import {apiKeyFlag, ctxSizeFlag, endpointFlag, gpuFlag, mirrorFlag, modelFlag, modelFlagOptions, profileFlag, threadsFlag} from '../cli/flags.js';
import type {GpuSetting} from '../config.js';
import {join} from 'node:path';
import {
  type BenchRecord,
  type BenchResult,
  type Change,
  type Stats,
  appendBenchRecord,
  compareRecords,
  machineInfo,
  previousRecord,
  runRuntimeBench,
} from '../bench/runtime-bench.js';
import {defaultFor, loadCatalog} from '../runtime/catalog.js';
import {openModel} from '../runtime/open-model.js';

export type BenchCommandResult = BenchResult & {
  historyFile: string;
  compare?: {date: string; changes: Change[]} | null;
};

export default class Bench extends JuneCommand<BenchCommandResult> {
  static override summary = 'Measure a model: load time, time to first token, prompt (pp) and generation (tg) tokens/s, memory.';
  static override description = `Runs the model through june's own generation path, llama-bench style: a warm-up, then --repetitions runs of a --pp-token prompt and --tg generated tokens (default pp512/tg128), reported as min/median/max tokens/s, with load time, time to first token (a 5-token prompt), peak RSS and VRAM. With --endpoint, time to first token and tg are timed from the stream; pp only where the server reports its own prompt timings (llama-server, june serve), marked "server". Each run is appended to bench/history.jsonl under june's home; --compare shows the change against the previous run of the same model on this machine.`;

  static override examples = [
    '<%= config.bin %> bench --model qwen2.5-coder-1.5b-instruct-q4_k_m',
    '<%= config.bin %> bench --model ./model.gguf --pp 256 --tg 64 --repetitions 5 --compare',
    '<%= config.bin %> bench --endpoint http://127.0.0.1:8080 --json',
  ];

  static override handlesInterrupt = true;

  static override flags = {
    model: modelFlag,
    endpoint: endpointFlag,
    'api-key': apiKeyFlag,
    profile: profileFlag,
    pp: Flags.integer({description: 'Prompt tokens to process per repetition (0 = skip).', default: 512, min: 0}),
    tg: Flags.integer({description: 'Tokens to generate per repetition (0 = skip).', default: 128, min: 0}),
    repetitions: Flags.integer({char: 'r', description: 'Repetitions (min/median/max over them).', default: 5, min: 1}),
    compare: Flags.boolean({description: 'Show the change against the previous run of this model on this machine.', default: false}),
    threads: threadsFlag,
    'ctx-size': ctxSizeFlag,
    gpu: gpuFlag,
    mirror: mirrorFlag,
  };

  async run(): Promise<BenchCommandResult> {
    const {flags} = await this.parse(Bench);
    const config = await this.juneConfig();
    const model = flags.model ?? (flags.endpoint || flags.profile ? undefined : defaultFor(loadCatalog(), 'coder', config.defaults).id);
    const progress = this.showProgress ? (m: string) => process.stderr.write(`\r\x1b[K${m}`) : undefined;
    const gpuSetting: GpuSetting = (flags.gpu as GpuSetting | undefined) ?? config.gpu;
    let vramBefore: number | null = null;
    const result = await runRuntimeBench({
      open: async () => {
        if (!flags.endpoint && gpuSetting !== 'false') vramBefore = await vramUsed(gpuSetting);
        return openModel({
          config,
          signal: this.signal,
          ...(model !== undefined ? {model} : {}),
          ...modelFlagOptions(flags),
          ...(flags.mirror ? {mirror: flags.mirror} : {}),
        });
      },
      pp: flags.pp,
      tg: flags.tg,
      repetitions: flags.repetitions,
      signal: this.signal,
      // VRAM the loaded model takes: the device's use after loading minus before
      vramBytes: async (host) => {
        if (host.info.backend !== 'embedded' || host.info.gpu === false || vramBefore === null) return null;
        const after = await vramUsed(gpuSetting);
        return after === null ? null : Math.max(0, after - vramBefore);
      },
      ...(progress ? {onProgress: progress} : {}),
    });
    if (progress) process.stderr.write('\r\x1b[K');
    const historyFile = join(this.paths.benchDir, 'history.jsonl');
    const machine = machineInfo(result.gpu);
    const before = flags.compare ? await previousRecord(historyFile, result, machine.key) : undefined;
    const record: BenchRecord = {date: new Date().toISOString(), machine, june: this.config.version, ...result};
    await appendBenchRecord(historyFile, record);
    const compare = flags.compare ? (before ? {date: before.date, changes: compareRecords(before, result)} : null) : undefined;
    if (!this.jsonEnabled()) this.render(result, compare, historyFile);
    return {...result, historyFile, ...(compare !== undefined ? {compare} : {})};
  }

  private render(r: BenchResult, compare: BenchCommandResult['compare'], historyFile: string): void {
    const t = new Table({head: ['model', 'backend', 'threads', 'test', 't/s min', 't/s median', 't/s max', 'source']});
    const fmt = (s: Stats | null, k: keyof Stats) => (s ? s[k].toFixed(2) : '—');
    for (const [name, p] of [
      [`pp${r.pp.tokens}`, r.pp],
      [`tg${r.tg.tokens}`, r.tg],
    ] as const) {
      if (p.tokens === 0) continue;
      t.push([r.model, r.backend, r.threads ?? '—', name, fmt(p.tokensPerSecond, 'min'), fmt(p.tokensPerSecond, 'median'), fmt(p.tokensPerSecond, 'max'), p.source]);
    }
    this.log(t.toString());
    const mb = (b: number | null) => (b === null ? '—' : `${(b / 2 ** 20).toFixed(0)} MiB`);
    this.log(`load ${r.loadMs.toFixed(0)} ms · first token ${r.ttftMs.toFixed(1)} ms · peak RSS ${mb(r.peakRssBytes)} · VRAM ${mb(r.vramBytes)} · ${r.repetitions} repetitions`);
    for (const n of r.notes) this.log(`note: ${n}`);
    if (compare === null) this.log('compare: no earlier run of this model on this machine');
    else if (compare) {
      const c = new Table({head: [`vs ${compare.date}`, 'before', 'now', 'change']});
      for (const ch of compare.changes)
        c.push([ch.metric, ch.before?.toFixed(1) ?? '—', ch.after?.toFixed(1) ?? '—', ch.change === null ? '—' : `${ch.change >= 0 ? '+' : ''}${(ch.change * 100).toFixed(1)} %${ch.better ? '' : ' (worse)'}`]);
      this.log(c.toString());
    }
    this.log(`recorded in ${historyFile}`);
  }
}

/** VRAM in use on the device, through the same node-llama-cpp instance the embedded backend loads with. */
async function vramUsed(setting: GpuSetting): Promise<number | null> {
  const {detectGpu} = await import('../runtime/gpu.js');
  const {llama, info} = await detectGpu(setting);
  if (info.backend === false) return null;
  return (await llama.getVramState()).used;
}
