/**
 * Session transcripts: `sessions/<id>.jsonl` under june's home, append-only and fsynced line by
 * line (src/records.ts), so a kill loses nothing finished. They hold every event, every message
 * of the conversation as the model saw it, every tool output whole, and for every file the agent
 * wrote its previous content (undo). `--resume` rebuilds the conversation from them.
 */
import {readdir, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {z} from 'zod';
import {JuneError} from '../errors.js';
import {JsonlAppender, readJsonlRecords} from '../records.js';
import type {ChatMessage} from '../runtime/model-host.js';
import {AgentEventSchema, type AgentEvent} from './events.js';

export const TRANSCRIPT_FORMAT = 1;

export const ChatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  toolCalls: z.array(z.object({id: z.string(), name: z.string(), arguments: z.unknown()})).optional(),
  toolCallId: z.string().optional(),
});

export const TranscriptRecordSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('session'),
    format: z.literal(TRANSCRIPT_FORMAT),
    id: z.string(),
    createdAt: z.string(),
    workspace: z.string(),
    model: z.object({id: z.string(), backend: z.enum(['embedded', 'endpoint']), source: z.string()}),
    june: z.string(),
  }),
  z.object({kind: z.literal('event'), event: AgentEventSchema}),
  /** A message appended to the conversation. */
  z.object({kind: z.literal('message'), message: ChatMessageSchema}),
  /** The conversation replaced whole (compaction): what follows appends to this. */
  z.object({kind: z.literal('conversation'), messages: z.array(ChatMessageSchema), why: z.enum(['compaction', 'clear'])}),
  /** A tool's whole output (the model saw it cut to the output budget). */
  z.object({kind: z.literal('tool_output'), id: z.string(), output: z.string()}),
  z.object({
    kind: z.literal('file'),
    /** The session's tool step that made the change. */
    step: z.number().int().nonnegative(),
    callId: z.string(),
    path: z.string(),
    before: z.string().nullable(),
    after: z.string(),
    applied: z.boolean(),
  }),
  /** Changes undone (their indices among the `file` records). */
  z.object({kind: z.literal('undo'), changes: z.array(z.number().int().nonnegative()), at: z.string()}),
]);
export type TranscriptRecord = z.infer<typeof TranscriptRecordSchema>;
export type FileRecord = Extract<TranscriptRecord, {kind: 'file'}>;
export type SessionHeader = Extract<TranscriptRecord, {kind: 'session'}>;

/** A session id: `s-<UTC yyyymmdd-hhmmss>-<4 hex>`, sortable by start time. */
export function isSessionId(id: string): boolean {
  return /^s-\d{8}-\d{6}-[0-9a-f]{4}$/.test(id);
}

export function transcriptPath(sessionsDir: string, id: string): string {
  return join(sessionsDir, `${id}.jsonl`);
}

/** What a transcript says, folded: the state a resumed session starts from. */
export interface SessionState {
  header: SessionHeader;
  events: AgentEvent[];
  conversation: ChatMessage[];
  files: FileRecord[];
  /** Indices into `files` already undone. */
  undone: Set<number>;
  /** The highest tool step recorded. */
  lastStep: number;
}

export function foldTranscript(records: readonly TranscriptRecord[], path: string): SessionState {
  const first = records[0];
  if (!first || first.kind !== 'session')
    throw new JuneError('BAD_INPUT', `${path} is not a june session transcript (no session header)`, {hint: 'pass a session id from `june sessions list`'});
  const state: SessionState = {header: first, events: [], conversation: [], files: [], undone: new Set(), lastStep: 0};
  for (const r of records.slice(1)) {
    switch (r.kind) {
      case 'event':
        state.events.push(r.event);
        state.lastStep = Math.max(state.lastStep, r.event.step);
        break;
      case 'message':
        state.conversation.push(r.message as ChatMessage);
        break;
      case 'conversation':
        state.conversation = r.messages.map((m) => m as ChatMessage);
        break;
      case 'file':
        state.files.push(r);
        break;
      case 'undo':
        for (const i of r.changes) state.undone.add(i);
        break;
      case 'tool_output':
      case 'session':
        break;
    }
  }
  return state;
}

export async function readTranscript(path: string): Promise<SessionState> {
  const {records} = await readJsonlRecords(path, TranscriptRecordSchema);
  if (records.length === 0)
    throw new JuneError('FILE_NOT_FOUND', `no session transcript at ${path}`, {hint: 'list sessions with `june sessions list`'});
  return foldTranscript(records, path);
}

export class TranscriptWriter {
  private constructor(
    readonly path: string,
    private readonly out: JsonlAppender,
  ) {}

  static async open(path: string): Promise<TranscriptWriter> {
    return new TranscriptWriter(path, await JsonlAppender.open(path));
  }

  write(record: TranscriptRecord): Promise<void> {
    return this.out.append(record);
  }

  close(): Promise<void> {
    return this.out.close();
  }
}

export interface SessionSummary {
  id: string;
  path: string;
  createdAt: string;
  updatedAt: string;
  workspace: string;
  model: string;
  turns: number;
  toolCalls: number;
  lastReason: string | null;
  lastTask: string | null;
}

/** Every session under `sessionsDir`, newest first. */
export async function listSessions(sessionsDir: string): Promise<SessionSummary[]> {
  let names: string[];
  try {
    names = await readdir(sessionsDir);
  } catch {
    return [];
  }
  const out: SessionSummary[] = [];
  for (const name of names) {
    if (!name.endsWith('.jsonl')) continue;
    const id = name.slice(0, -'.jsonl'.length);
    if (!isSessionId(id)) continue;
    const path = join(sessionsDir, name);
    const s = await readTranscript(path);
    const dones = s.events.filter((e) => e.type === 'done');
    const users = s.events.filter((e): e is Extract<AgentEvent, {type: 'user'}> => e.type === 'user');
    const last = dones[dones.length - 1];
    out.push({
      id,
      path,
      createdAt: s.header.createdAt,
      updatedAt: (await stat(path)).mtime.toISOString(),
      workspace: s.header.workspace,
      model: s.header.model.id,
      turns: users.length,
      toolCalls: s.events.filter((e) => e.type === 'tool_call').length,
      lastReason: last && last.type === 'done' ? last.reason : null,
      lastTask: users[users.length - 1]?.text ?? null,
    });
  }
  return out.sort((a, b) => (a.id < b.id ? 1 : -1));
}

/** `ID` or `last` → the transcript path; SESSION_NOT_FOUND otherwise. */
export async function locateSession(sessionsDir: string, ref: string): Promise<{id: string; path: string}> {
  if (ref === 'last') {
    const all = await listSessions(sessionsDir);
    const newest = all[0];
    if (!newest) throw new JuneError('SESSION_NOT_FOUND', `no sessions in ${sessionsDir}`, {hint: 'start one with `june coding-agent --task "…"`'});
    return {id: newest.id, path: newest.path};
  }
  if (!isSessionId(ref))
    throw new JuneError('SESSION_NOT_FOUND', `"${ref}" is not a session id`, {hint: 'session ids look like s-20261201-181500-ab12; see `june sessions list`'});
  const path = transcriptPath(sessionsDir, ref);
  try {
    await stat(path);
  } catch {
    throw new JuneError('SESSION_NOT_FOUND', `no session ${ref} in ${sessionsDir}`, {hint: 'see `june sessions list`'});
  }
  return {id: ref, path};
}
