import {JuneCommand} from '../../cli/june-command.js';

export default class ModelsList extends JuneCommand<{models: string[]}> {
  static override summary = 'List the models on disk.';
  async run(): Promise<{models: string[]}> {
    await this.parse(ModelsList);
    return {models: []};
  }
}
