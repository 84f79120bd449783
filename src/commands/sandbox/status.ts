import {z} from 'zod';
import {JuneCommand} from '../../cli/june-command.js';

export const SandboxStatusResult = z.object({
  image: z.object({
    present: z.boolean(),
    tag: z.string(),
    hash: z.string(),
    sizeBytes: z.number().int().nullable(),
    createdAt: z.string().nullable(),
    staleImages: z.array(z.string()),
  }),
  containers: z.array(z.object({id: z.string(), state: z.string(), ownerPid: z.number().int().nullable(), orphan: z.boolean()})),
  dockerHost: z.string(),
});
export type SandboxStatusResult = z.infer<typeof SandboxStatusResult>;

export default class SandboxStatus extends JuneCommand<SandboxStatusResult> {
  static override summary = 'Show whether the sandbox image is built and which sandbox containers exist.';
  static override examples = ['<%= config.bin %> sandbox status', '<%= config.bin %> sandbox status --json'];

  async run(): Promise<SandboxStatusResult> {
    await this.parse(SandboxStatus);
    const {sandboxImageStatus, sandboxContainers} = await import('../../sandbox/image.js');
    const image = await sandboxImageStatus();
    const containers = await sandboxContainers();
    const dockerHost = process.env.DOCKER_HOST?.trim() || 'unix:///var/run/docker.sock';
    const size = image.sizeBytes === null ? '' : `, ${(image.sizeBytes / 1e6).toFixed(0)} MB`;
    this.log(image.present ? `image ${image.tag}: built${size}` : `image ${image.tag}: not built (run \`june sandbox build\`)`);
    if (image.staleImages.length) this.log(`older images: ${image.staleImages.join(', ')} (\`june sandbox prune\` removes them)`);
    this.log(`containers: ${containers.length} (${containers.filter((c) => c.orphan).length} orphaned) on ${dockerHost}`);
    return {image, containers, dockerHost};
  }
}
