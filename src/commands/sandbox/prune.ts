import {Flags} from '@oclif/core';
import {z} from 'zod';
import {JuneCommand} from '../../cli/june-command.js';

export const SandboxPruneResult = z.object({
  containersRemoved: z.array(z.string()),
  imagesRemoved: z.array(z.string()),
});
export type SandboxPruneResult = z.infer<typeof SandboxPruneResult>;

export default class SandboxPrune extends JuneCommand<SandboxPruneResult> {
  static override summary = 'Remove orphaned sandbox containers (left by a killed june) and old sandbox images.';
  static override examples = ['<%= config.bin %> sandbox prune', '<%= config.bin %> sandbox prune --all --json'];
  static override flags = {
    all: Flags.boolean({description: 'Remove every june sandbox container, including those of running june processes.', default: false}),
    'keep-images': Flags.boolean({description: 'Leave old sandbox images alone.', default: false}),
  };

  async run(): Promise<SandboxPruneResult> {
    const {flags} = await this.parse(SandboxPrune);
    const {pruneSandbox} = await import('../../sandbox/image.js');
    const r = await pruneSandbox({all: flags.all, images: !flags['keep-images']});
    this.log(`removed ${r.containersRemoved.length} container(s) and ${r.imagesRemoved.length} image(s)`);
    return r;
  }
}
