import {Flags} from '@oclif/core';
import {z} from 'zod';
import {JuneCommand} from '../../cli/june-command.js';
import {listModels} from '../../runtime/download/installed.js';

export const ModelsListResult = z.object({
  models: z.array(
    z.object({
      id: z.string(),
      path: z.string().nullable(),
      bytes: z.number().int().nullable(),
      sha256: z.string().nullable(),
      verified: z.boolean(),
      source: z.string().nullable(),
      fetchedAt: z.string().nullable(),
      present: z.boolean(),
      role: z.string().nullable(),
    }),
  ),
});
export type ModelsListResult = z.infer<typeof ModelsListResult>;

export default class ModelsList extends JuneCommand<ModelsListResult> {
  static override summary = 'List the models on disk (with --all, the whole catalog).';
  static override description =
    'Reads the models directory and its lock record (june-lock.json). "verified" means the file still has the size recorded at download and its sha256 matched a published one.';
  static override examples = ['<%= config.bin %> models list', '<%= config.bin %> models list --all --json'];

  static override flags = {
    all: Flags.boolean({description: 'Also list catalog models that are not downloaded.', default: false}),
  };

  async run(): Promise<ModelsListResult> {
    const {flags} = await this.parse(ModelsList);
    const models = await listModels(process.env, {all: flags.all});
    if (!this.jsonEnabled()) {
      if (models.length === 0) this.log('No models downloaded. Hint: june download-models --all-defaults (or --mirror DIR).');
      else {
        const {default: Table} = await import('cli-table3');
        const table = new Table({head: ['id', 'role', 'size', 'sha256', 'verified', 'path'], style: {head: [], border: []}});
        for (const m of models)
          table.push([
            m.id,
            m.role ?? '',
            m.bytes === null ? '?' : `${(m.bytes / 1024 ** 2).toFixed(1)} MiB`,
            m.sha256 ? `${m.sha256.slice(0, 12)}…` : '',
            m.present ? (m.verified ? '✓' : '! unverified') : '✗ not downloaded',
            m.path ?? '',
          ]);
        this.log(table.toString());
      }
    }
    return {models};
  }
}
