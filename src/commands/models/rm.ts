import {Args} from '@oclif/core';
import {z} from 'zod';
import {JuneCommand} from '../../cli/june-command.js';
import {JuneError} from '../../errors.js';
import {removeModels} from '../../runtime/download/installed.js';

export const ModelsRmResult = z.object({
  removed: z.array(z.object({id: z.string(), path: z.string(), bytes: z.number().int()})),
});
export type ModelsRmResult = z.infer<typeof ModelsRmResult>;

export default class ModelsRm extends JuneCommand<ModelsRmResult> {
  static override summary = 'Delete downloaded models (by id or file name) and their lock records.';
  static override examples = ['<%= config.bin %> models rm llama-2-tiny-random', '<%= config.bin %> models rm qwen2.5-coder-1.5b-instruct-q4_k_m.gguf --json'];
  static override strict = false;
  static override args = {
    model: Args.string({description: 'Catalog id or file name in the models directory.', required: false}),
  };

  async run(): Promise<ModelsRmResult> {
    const {argv} = await this.parse(ModelsRm);
    const refs = (argv as string[]).filter((a) => a.trim() !== '');
    if (refs.length === 0)
      throw new JuneError('USAGE', 'no model to remove', {hint: 'name an id or file from `june models list`'});
    const removed = await removeModels(refs, process.env);
    for (const r of removed) this.log(`removed ${r.id} (${r.path}, ${r.bytes} bytes)`);
    return {removed};
  }
}
