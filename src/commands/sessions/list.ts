import {z} from 'zod';
import {listSessions} from '../../agents/transcript.js';
import {JuneCommand} from '../../cli/june-command.js';

export const SessionsListResult = z.object({
  sessions: z.array(
    z.object({
      id: z.string(),
      path: z.string(),
      createdAt: z.string(),
      updatedAt: z.string(),
      workspace: z.string(),
      model: z.string(),
      turns: z.number().int(),
      toolCalls: z.number().int(),
      lastReason: z.string().nullable(),
      lastTask: z.string().nullable(),
    }),
  ),
});
export type SessionsListResult = z.infer<typeof SessionsListResult>;

export default class SessionsList extends JuneCommand<SessionsListResult> {
  static override summary = 'List coding-agent sessions, newest first.';
  static override description = 'Reads the transcripts in sessions/ under june\'s home. Continue one with `june coding-agent --resume ID`, restore its files with `june coding-agent --undo ID`.';
  static override examples = ['<%= config.bin %> sessions list', '<%= config.bin %> sessions list --json'];

  async run(): Promise<SessionsListResult> {
    await this.parse(SessionsList);
    const sessions = await listSessions(this.paths.sessionsDir);
    if (!this.jsonEnabled()) {
      if (sessions.length === 0) this.log('No sessions yet. Hint: june coding-agent --task "…"');
      else {
        const {default: Table} = await import('cli-table3');
        const table = new Table({head: ['id', 'updated', 'turns', 'calls', 'last', 'model', 'workspace', 'task'], style: {head: [], border: []}});
        for (const s of sessions)
          table.push([s.id, s.updatedAt.slice(0, 19).replace('T', ' '), s.turns, s.toolCalls, s.lastReason ?? '', s.model, s.workspace, (s.lastTask ?? '').slice(0, 40)]);
        this.log(table.toString());
      }
    }
    return {sessions};
  }
}
