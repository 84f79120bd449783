import {Args} from '@oclif/core';
import {z} from 'zod';
import {AgentEventSchema} from '../../agents/events.js';
import {locateSession, readTranscript} from '../../agents/transcript.js';
import {JuneCommand} from '../../cli/june-command.js';
import {textLine} from '../../ui/agent-lines.js';

export const SessionsShowResult = z.object({
  id: z.string(),
  path: z.string(),
  workspace: z.string(),
  model: z.string(),
  createdAt: z.string(),
  events: z.array(AgentEventSchema),
  files: z.array(z.object({step: z.number().int(), path: z.string(), created: z.boolean(), undone: z.boolean()})),
});
export type SessionsShowResult = z.infer<typeof SessionsShowResult>;

export default class SessionsShow extends JuneCommand<SessionsShowResult> {
  static override summary = 'Show one coding-agent session: its events and the files it changed.';
  static override examples = ['<%= config.bin %> sessions show last', '<%= config.bin %> sessions show s-20261201-181500-ab12 --json'];
  static override args = {id: Args.string({description: 'Session id, or "last".', required: true})};

  async run(): Promise<SessionsShowResult> {
    const {args} = await this.parse(SessionsShow);
    const {id, path} = await locateSession(this.paths.sessionsDir, args.id);
    const s = await readTranscript(path);
    const files = s.files.map((f, i) => ({step: f.step, path: f.path, created: f.before === null, undone: s.undone.has(i)}));
    if (!this.jsonEnabled()) {
      this.log(`session ${id} · ${s.header.model.id} · ${s.header.workspace} · ${s.header.createdAt}`);
      for (const e of s.events) {
        if (e.type === 'user') this.log(`\n> ${e.text}`);
        else {
          const line = textLine(e);
          if (line !== null && e.type !== 'session_start') this.log(line);
        }
      }
      if (files.length) this.log(`\nfiles: ${files.map((f) => `${f.path}${f.undone ? ' (undone)' : ''}`).join(', ')}`);
    }
    return {id, path, workspace: s.header.workspace, model: s.header.model.id, createdAt: s.header.createdAt, events: s.events, files};
  }
}
