import Table from 'cli-table3';
import {z} from 'zod';
import {JuneCommand} from '../../cli/june-command.js';
import {DATASET_IDS} from '../../bench/problem.js';
import {listDatasets} from '../../bench/datasets/index.js';

export const DatasetsListJson = z.object({
  datasets: z.array(
    z.object({
      id: z.enum(DATASET_IDS),
      name: z.string(),
      file: z.string(),
      version: z.string(),
      tasks: z.number().int(),
      bytes: z.number().int(),
      sha256: z.string(),
      url: z.string(),
      license: z.string(),
      present: z.boolean(),
      path: z.string(),
    }),
  ),
});
export type DatasetsListJson = z.infer<typeof DatasetsListJson>;

export default class DatasetsList extends JuneCommand<DatasetsListJson> {
  static override summary = 'List the benchmark datasets june knows and whether each is in june\'s home.';
  static override examples = ['<%= config.bin %> datasets list', '<%= config.bin %> datasets list --json'];

  async run(): Promise<DatasetsListJson> {
    await this.parse(DatasetsList);
    const datasets = await listDatasets(this.paths.datasetsDir);
    const table = new Table({head: ['id', 'name', 'version', 'tasks', 'present', 'file'], style: {head: [], border: []}});
    for (const d of datasets) table.push([d.id, d.name, d.version, String(d.tasks), d.present ? 'yes' : 'no', d.file]);
    this.log(table.toString());
    return DatasetsListJson.parse({datasets});
  }
}
