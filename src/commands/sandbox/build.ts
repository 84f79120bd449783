import {Flags} from '@oclif/core';
import {z} from 'zod';
import {JuneCommand} from '../../cli/june-command.js';

export const SandboxBuildResult = z.object({
  tag: z.string(),
  hash: z.string(),
  built: z.boolean(),
  method: z.enum(['debootstrap', 'dockerfile', 'cached']),
  sizeBytes: z.number().int().nullable(),
  seconds: z.number(),
});
export type SandboxBuildResult = z.infer<typeof SandboxBuildResult>;

export default class SandboxBuild extends JuneCommand<SandboxBuildResult> {
  static override summary = 'Build the Python sandbox image offline (debootstrap + docker import), unless it is already built.';
  static override description =
    'Needs root and debootstrap; takes about 3 minutes and a Debian mirror (JUNE_DEBIAN_MIRROR, default deb.debian.org). ' +
    'The tag is june-sandbox:<content hash of the recipe and runner>, so an unchanged image is never rebuilt. ' +
    'With --dockerfile it is built FROM debian:bookworm-slim instead (machines with a registry). DOCKER_HOST is honoured.';
  static override examples = ['sudo <%= config.bin %> sandbox build', '<%= config.bin %> sandbox build --dockerfile', '<%= config.bin %> sandbox build --force --json'];
  static override flags = {
    force: Flags.boolean({description: 'Rebuild even if the image exists.', default: false}),
    dockerfile: Flags.boolean({description: 'Use `docker build` FROM debian:bookworm-slim instead of debootstrap.', default: false}),
    'debian-mirror': Flags.string({description: 'Debian mirror for debootstrap (env JUNE_DEBIAN_MIRROR).', helpValue: 'URL'}),
  };
  protected static override handlesInterrupt = false;

  async run(): Promise<SandboxBuildResult> {
    const {flags} = await this.parse(SandboxBuild);
    const {buildSandboxImage} = await import('../../sandbox/image.js');
    const quiet = this.jsonEnabled();
    const r = await buildSandboxImage({
      force: flags.force,
      dockerfile: flags.dockerfile,
      mirror: flags['debian-mirror'],
      onProgress: quiet ? undefined : (l) => process.stderr.write(`sandbox build: ${l}\n`),
      signal: this.signal,
    });
    const size = r.sizeBytes === null ? '' : ` (${(r.sizeBytes / 1e6).toFixed(0)} MB)`;
    this.log(r.built ? `built ${r.tag}${size} in ${r.seconds.toFixed(0)} s` : `${r.tag} is already built${size}`);
    return r;
  }
}
