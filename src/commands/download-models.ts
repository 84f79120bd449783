import {Args, Flags} from '@oclif/core';
import {z} from 'zod';
import {JuneCommand} from '../cli/june-command.js';
import {mirrorFlag, parallelFlag} from '../cli/flags.js';
import {JuneError, formatErrorLine} from '../errors.js';
import {resolveMirror} from '../paths.js';
import {downloadModels} from '../runtime/download/index.js';
import {createFileProgress} from '../ui/progress.js';

export const DownloadModelsResult = z.object({
  files: z.array(
    z.object({
      id: z.string(),
      source: z.string(),
      path: z.string(),
      bytes: z.number().int(),
      sha256: z.string(),
      skipped: z.boolean(),
      verified: z.boolean(),
    }),
  ),
});
export type DownloadModelsResult = z.infer<typeof DownloadModelsResult>;

export default class DownloadModels extends JuneCommand<DownloadModelsResult> {
  static override summary = 'Download models: catalog ids, hf: URIs or URLs, resumable and checksum-verified.';
  static override description = `Files go to the models directory (JUNE_HOME/models, else $XDG_DATA_HOME/june/models) through a *.partial file that a rerun resumes (HTTP Range) after a dropped connection, a kill or Ctrl-C. A published sha256 is checked before the file is moved into place; what was fetched is recorded in june-lock.json there. With --mirror (or JUNE_MIRROR) the files come from a mirror root instead of the hub: a directory or http(s) URL holding models/<file> or models/<owner>/<repo>/<file>. HF_TOKEN is sent to huggingface.co for gated models; HTTPS_PROXY/HTTP_PROXY/NO_PROXY are honoured.`;

  static override examples = [
    '<%= config.bin %> download-models qwen2.5-coder-1.5b-instruct-q4_k_m',
    '<%= config.bin %> download-models --all-defaults',
    '<%= config.bin %> download-models --mirror ../shared llama-2-tiny-random',
    '<%= config.bin %> download-models hf:ggerganov/whisper.cpp/ggml-tiny.en.bin --json',
  ];

  static override strict = false;
  static override handlesInterrupt = true;

  static override args = {
    models: Args.string({description: 'Catalog ids, hf:owner/repo/file URIs or https:// URLs.', required: false}),
  };

  static override flags = {
    'all-defaults': Flags.boolean({description: 'Download the default model of every role (coder, chat, stt, tts).', default: false}),
    mirror: mirrorFlag,
    parallel: parallelFlag,
  };

  async run(): Promise<DownloadModelsResult> {
    const {argv, flags} = await this.parse(DownloadModels);
    const refs = (argv as string[]).filter((a) => a.trim() !== '');
    if (refs.length === 0 && !flags['all-defaults'])
      throw new JuneError('USAGE', 'no model to download', {
        hint: 'name catalog ids, hf:owner/repo/file URIs or URLs, or pass --all-defaults (`june models list --all` shows the catalog)',
      });
    const config = await this.juneConfig();
    const progress = createFileProgress(this.showProgress);
    let outcome;
    try {
      outcome = await downloadModels({
        refs,
        allDefaults: flags['all-defaults'],
        mirror: resolveMirror(flags.mirror ?? config.mirror, process.env),
        env: process.env,
        signal: this.signal,
        reporter: progress,
        parallel: flags.parallel,
        configDefaults: config.defaults,
      });
    } finally {
      progress.stop();
    }
    for (const f of outcome.files)
      this.log(`${f.skipped ? 'present' : 'downloaded'} ${f.id} → ${f.path} (${f.bytes} bytes, sha256 ${f.sha256}${f.verified ? ', verified' : ', unverified: no published sha256'})`);
    if (outcome.failures.length === 1 && outcome.files.length === 0) throw outcome.failures[0]!.error;
    if (outcome.failures.length > 0) {
      if (!this.jsonEnabled()) for (const f of outcome.failures) process.stderr.write(formatErrorLine(f.error) + '\n');
      const ok = outcome.files.length;
      throw new JuneError(
        'DOWNLOAD_FAILED',
        `${outcome.failures.length} of ${outcome.failures.length + ok} files failed (${outcome.failures.map((f) => `${f.id}: ${f.error.code}`).join(', ')}); ${ok} finished`,
        {hint: 'see the lines above; rerun the same command to retry the failed files (finished ones are skipped)'},
      );
    }
    return {files: outcome.files};
  }
}
