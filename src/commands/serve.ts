import {Flags} from '@oclif/core';
import {z} from 'zod';
import {JuneCommand} from '../cli/june-command.js';
import {ctxSizeFlag, gpuFlag, mirrorFlag, modelFlag, threadsFlag} from '../cli/flags.js';
import type {GpuSetting} from '../config.js';
import {EXIT, JuneError} from '../errors.js';
import {defaultFor, loadCatalog} from '../runtime/catalog.js';
import {openModel} from '../runtime/open-model.js';
import {startServer} from '../runtime/serve/server.js';

export const ServeResult = z.object({url: z.string(), model: z.string()});
export type ServeResult = z.infer<typeof ServeResult>;

export default class Serve extends JuneCommand<ServeResult> {
  static override summary = 'Serve a local model over an OpenAI-compatible HTTP API.';
  static override description = `Loads the model once and answers /v1/chat/completions (streaming, tools, response_format), /v1/completions and /v1/models, with /health and Prometheus /metrics. Any "model" value in a request is served by the loaded model. Requests beyond --parallel wait their turn. Binds to 127.0.0.1 unless --host says otherwise; with --api-key (or JUNE_API_KEY) every /v1 and /metrics request needs "Authorization: Bearer <key>". With --json, prints one line {"url","model"} once listening. Runs until Ctrl-C or SIGTERM, then stops taking requests, cancels those in flight and exits 0 (a second Ctrl-C exits 130 at once).`;

  static override examples = [
    '<%= config.bin %> serve --model qwen2.5-coder-1.5b-instruct-q4_k_m',
    '<%= config.bin %> serve --model ./model.gguf --port 8080 --parallel 2',
    '<%= config.bin %> serve --model llama-2-tiny-random --mirror ../shared --port 0 --json',
  ];

  static override handlesInterrupt = true;

  static override flags = {
    model: modelFlag,
    host: Flags.string({description: 'Interface to listen on.', default: '127.0.0.1'}),
    port: Flags.integer({description: 'Port to listen on (0 = a free port).', default: 8080, min: 0, max: 65535}),
    'api-key': Flags.string({description: 'Require this bearer token (env: JUNE_API_KEY).'}),
    'ctx-size': ctxSizeFlag,
    threads: threadsFlag,
    gpu: gpuFlag,
    parallel: Flags.integer({description: 'Requests generated at once, each on its own sequence; the rest queue.', default: 1, min: 1, max: 64}),
    mirror: mirrorFlag,
  };

  async run(): Promise<ServeResult> {
    const {flags} = await this.parse(Serve);
    const config = await this.juneConfig();
    const model = flags.model ?? defaultFor(loadCatalog(), 'coder', config.defaults).id;
    const apiKey = flags['api-key'] ?? (process.env.JUNE_API_KEY?.trim() || undefined);
    if (this.showProgress) process.stderr.write(`Loading ${model}…\n`);
    const host = await openModel({
      model,
      config,
      parallel: flags.parallel,
      signal: this.signal,
      ...(flags.gpu ? {gpu: flags.gpu as GpuSetting} : {}),
      ...(flags.threads ? {threads: flags.threads} : {}),
      ...(flags['ctx-size'] ? {contextSize: flags['ctx-size']} : {}),
      ...(flags.mirror ? {mirror: flags.mirror} : {}),
    });
    let server;
    try {
      server = await startServer({host, hostname: flags.host, port: flags.port, parallel: flags.parallel, ...(apiKey ? {apiKey} : {})});
    } catch (err) {
      await host.close();
      throw err;
    }
    const result: ServeResult = {url: server.url, model: host.info.id};
    if (this.jsonEnabled()) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      process.stdout.write(`Serving ${result.model} at ${result.url}/v1\n`);
      process.stderr.write(
        `OpenAI-compatible API: ${result.url}/v1 · health: ${result.url}/health · metrics: ${result.url}/metrics` +
          `${apiKey ? ' · bearer token required' : ''}${flags.host !== '127.0.0.1' && flags.host !== 'localhost' ? ` · listening on ${flags.host}: reachable from other machines` : ''}. Ctrl-C stops.\n`,
      );
    }
    await new Promise<void>((resolve) => {
      if (this.signal.aborted) resolve();
      else this.signal.addEventListener('abort', () => resolve(), {once: true});
    });
    await server.close();
    await host.close();
    if (!this.signal.aborted) throw new JuneError('INTERNAL', 'the server stopped unexpectedly');
    // the {url, model} line was printed when listening; a clean shutdown prints nothing more. Ctrl-C
    // exits 130 like every june command; SIGTERM (a service manager's stop) is a normal end, 0.
    this.exit(this.interruptedBy === 'SIGINT' ? EXIT.interrupted : EXIT.ok);
  }
}
