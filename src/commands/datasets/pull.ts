import {Args} from '@oclif/core';
import {z} from 'zod';
import {JuneCommand} from '../../cli/june-command.js';
import {mirrorFlag} from '../../cli/flags.js';
import {DATASET_IDS} from '../../bench/problem.js';
import {datasetEntry, datasetManifest, ensureDatasetFile} from '../../bench/datasets/index.js';
import {resolveMirror} from '../../paths.js';

export const DatasetsPullJson = z.object({
  datasets: z.array(
    z.object({
      id: z.enum(DATASET_IDS),
      file: z.string(),
      path: z.string(),
      bytes: z.number().int(),
      sha256: z.string(),
      /** "cache" when it was already there, else the URL or mirror path it came from */
      source: z.string(),
    }),
  ),
});
export type DatasetsPullJson = z.infer<typeof DatasetsPullJson>;

export default class DatasetsPull extends JuneCommand<DatasetsPullJson> {
  static override summary = 'Fetch benchmark datasets into june\'s home (all of them when no id is given).';
  static override description = `Each file comes from its pinned upstream URL, or from the mirror root's datasets/ with --mirror (or JUNE_MIRROR), and is checked against the sha256 in june's manifest (datasets/datasets.json) before it is kept. A file already present with the right sha256 is not fetched again. Datasets: ${DATASET_IDS.join(', ')}.`;
  static override examples = ['<%= config.bin %> datasets pull', '<%= config.bin %> datasets pull humaneval mbpp+ --mirror ../shared', '<%= config.bin %> datasets pull --json'];
  static override strict = false;
  static override handlesInterrupt = true;
  static override args = {ids: Args.string({description: `Dataset ids (${DATASET_IDS.join(', ')}).`, required: false})};
  static override flags = {mirror: mirrorFlag};

  async run(): Promise<DatasetsPullJson> {
    const {argv, flags} = await this.parse(DatasetsPull);
    const ids = (argv as string[]).length ? (argv as string[]) : datasetManifest().map((d) => d.id);
    const entries = ids.map((id) => datasetEntry(id));
    const mirror = resolveMirror(flags.mirror ?? (await this.juneConfig()).mirror);
    const out: DatasetsPullJson['datasets'] = [];
    for (const entry of entries) {
      const f = await ensureDatasetFile(entry, {datasetsDir: this.paths.datasetsDir, mirror, signal: this.signal});
      out.push({id: entry.id, file: entry.file, path: f.path, bytes: entry.bytes, sha256: f.sha256, source: f.source});
      this.log(`${entry.id.padEnd(11)} ${f.source === 'cache' ? 'present' : `fetched from ${f.source}`}  ${f.path}`);
    }
    return {datasets: out};
  }
}
