/**
 * The agent loop against a scripted model (an OpenAI-compatible server on 127.0.0.1 that answers
 * from the conversation it is sent): exact sequences the tiny GGUF cannot show. File tools run on a
 * real temporary workspace; the run_* tools and checks are covered with Docker in
 * coding-agent-sandbox.test.ts.
 */
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {DEFAULT_BUDGETS, openAgentSession, type AgentOptions} from '../../src/agents/agent.js';
import {parseApprove} from '../../src/agents/approvals.js';
import {AgentEventSchema, type AgentEvent} from '../../src/agents/events.js';
import type {AgentSession, ApprovalRequest} from '../../src/agents/session-api.js';
import {readTranscript, transcriptPath} from '../../src/agents/transcript.js';
import {openEndpoint} from '../../src/runtime/endpoint/endpoint-host.js';
import type {ModelHost} from '../../src/runtime/model-host.js';
import {type ScriptedModel, meta, startScriptedModel} from '../helpers/scripted-model.js';

let server: ScriptedModel;
let dirs: string[] = [];

beforeAll(async () => {
  server = await startScriptedModel(() => ({text: 'unset'}));
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
  dirs = [];
});

function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

interface Harness {
  session: AgentSession;
  events: AgentEvent[];
  workspace: string;
  sessionsDir: string;
  host: ModelHost;
}

async function open(overrides: Partial<AgentOptions> = {}, approve?: AgentOptions['hooks']['approve']): Promise<Harness> {
  const workspace = overrides.workspace ?? tmp('june-ws-');
  const sessionsDir = overrides.sessionsDir ?? tmp('june-sessions-');
  const host = overrides.host ?? (await openEndpoint({url: server.url}));
  const events: AgentEvent[] = [];
  const session = await openAgentSession({
    host,
    workspace,
    sessionsDir,
    approvals: parseApprove('auto', false),
    budgets: {...DEFAULT_BUDGETS, maxSteps: 12},
    executor: null,
    executorUnavailable: 'no Docker in this test',
    ...overrides,
    hooks: {
      emit: (e) => {
        AgentEventSchema.parse(e);
        events.push(e);
      },
      ...(approve ? {approve} : {}),
    },
  });
  return {session, events, workspace, sessionsDir, host};
}

const types = (events: AgentEvent[]): string[] => events.map((e) => e.type);

describe('coding agent loop (scripted model)', () => {
  it('plan → write → read back → final answer; every event schema-valid, calls answered by tool messages', async () => {
    server.setScript((_req, v) => {
      meta(v);
      const r = v.recentResults();
      if (r.length === 0) return {call: {name: 'write_file', arguments: {path: 'hello.py', content: 'print("hi")\n'}}};
      if (r.length === 1) return {call: {name: 'read_file', arguments: {path: 'hello.py'}}};
      return {text: 'Wrote hello.py; it prints hi.'};
    });
    const h = await open();
    const done = await h.session.runTurn('create hello.py that prints hi');
    expect(done.reason).toBe('finished');
    expect(done.toolCalls).toBe(2);
    expect(readFileSync(join(h.workspace, 'hello.py'), 'utf8')).toBe('print("hi")\n');
    const t = types(h.events);
    expect(t[0]).toBe('session_start');
    expect(t).toContain('plan');
    expect(t.filter((x) => x === 'tool_call')).toHaveLength(2);
    expect(t.filter((x) => x === 'tool_result')).toHaveLength(2);
    expect(t.indexOf('tool_result')).toBeGreaterThan(t.indexOf('tool_call'));
    expect(t).toContain('reflection');
    expect(t[t.length - 1]).toBe('done');
    const deltas = h.events.filter((e): e is Extract<AgentEvent, {type: 'message_delta'}> => e.type === 'message_delta').map((e) => e.text).join('');
    expect(deltas).toBe('Wrote hello.py; it prints hi.');
    // the endpoint gets the whole conversation, OpenAI-shaped: assistant tool_calls answered by tool messages
    const last = server.requests.filter((r) => r.tools?.length).at(-1)!;
    const roles = last.messages.map((m) => m.role);
    expect(roles[0]).toBe('system');
    const withCalls = last.messages.filter((m) => m.tool_calls?.length);
    expect(withCalls).toHaveLength(2);
    for (const m of withCalls) expect(last.messages.some((x) => x.role === 'tool' && x.tool_call_id === m.tool_calls![0]!.id)).toBe(true);
    // the system prompt and tools are byte-identical at the head of every tool request (KV reuse)
    const toolReqs = server.requests.filter((r) => r.tools?.length).slice(-3);
    expect(new Set(toolReqs.map((r) => JSON.stringify([r.messages[0], r.tools]))).size).toBe(1);
    await h.session.close();
  });

  it('the same call three times in a row ends the turn with reason loop', async () => {
    server.setScript((_req, v) => {
      meta(v);
      return {call: {name: 'list_dir', arguments: {path: '.'}}};
    });
    const h = await open();
    const done = await h.session.runTurn('look around');
    expect(done.reason).toBe('loop');
    expect(done.toolCalls).toBe(3);
    expect(types(h.events)).not.toContain('reflection');
    await h.session.close();
  });

  it('a short cycle of calls repeated three times is a loop too', async () => {
    server.setScript((_req, v) => {
      meta(v);
      const n = v.recentResults().length;
      return n % 2 === 0 ? {call: {name: 'list_dir', arguments: {path: '.'}}} : {call: {name: 'search', arguments: {pattern: 'x'}}};
    });
    const h = await open();
    const done = await h.session.runTurn('look around');
    expect(done.reason).toBe('loop');
    expect(done.toolCalls).toBe(6);
    await h.session.close();
  });

  it('malformed calls are answered with the validation error and the agent recovers; three in a row stop it', async () => {
    server.setScript((_req, v) => {
      meta(v);
      const r = v.recentResults();
      if (r.length === 0) return {call: {name: 'write_file', rawArguments: '{"path": "a.txt", "content": '}};
      if (r.length === 1) return {call: {name: 'no_such_tool', arguments: {}}};
      if (r.length === 2) return {call: {name: 'write_file', arguments: {path: 'a.txt', content: 'ok'}}};
      return {text: 'done'};
    });
    const h = await open();
    const done = await h.session.runTurn('write a.txt');
    expect(done.reason).toBe('finished');
    const results = h.events.filter((e): e is Extract<AgentEvent, {type: 'tool_result'}> => e.type === 'tool_result');
    expect(results[0]!.ok).toBe(false);
    expect(results[0]!.output).toMatch(/Invalid tool call: .*not JSON/);
    expect(results[1]!.output).toMatch(/undeclared tool "no_such_tool"/);
    expect(results[2]!.ok).toBe(true);
    expect(readFileSync(join(h.workspace, 'a.txt'), 'utf8')).toBe('ok');
    // the invalid calls stay in the conversation, each answered by a tool message
    const last = server.requests.filter((r) => r.tools?.length).at(-1)!;
    const bad = last.messages.find((m) => m.tool_calls?.[0]?.function.name === 'no_such_tool');
    expect(bad).toBeDefined();
    expect(last.messages.some((m) => m.role === 'tool' && m.tool_call_id === bad!.tool_calls![0]!.id)).toBe(true);

    server.setScript((_req, v) => {
      meta(v);
      return {call: {name: 'read_file', rawArguments: '{nope'}};
    });
    const done2 = await h.session.runTurn('again');
    expect(done2.reason).toBe('invalid_tool_calls');
    expect(done2.toolCalls).toBe(3);
    await h.session.close();
  });

  it('headless default approvals refuse writes with a result the model reads; the file is not written', async () => {
    server.setScript((_req, v) => {
      meta(v);
      const r = v.recentResults();
      if (r.length === 0) return {call: {name: 'write_file', arguments: {path: 'x.py', content: 'x = 1\n'}}};
      return {text: `could not write: ${r[0]!.content.slice(0, 40)}`};
    });
    const h = await open({approvals: parseApprove(undefined, false)});
    const done = await h.session.runTurn('write x.py');
    expect(done.reason).toBe('finished');
    expect(existsSync(join(h.workspace, 'x.py'))).toBe(false);
    const approval = h.events.find((e) => e.type === 'approval');
    expect(approval).toMatchObject({class: 'write', decision: 'refused', by: 'policy'});
    const result = h.events.find((e) => e.type === 'tool_result');
    expect(result).toMatchObject({ok: false});
    expect((result as {output: string}).output).toMatch(/--approve write/);
    await h.session.close();
  });

  it('interactive approvals: refused → not written; always → the rest of the class runs without asking', async () => {
    server.setScript((_req, v) => {
      meta(v);
      const n = v.recentResults().length;
      if (n < 3) return {call: {name: 'write_file', arguments: {path: `f${n}.txt`, content: String(n)}}};
      return {text: 'ok'};
    });
    const asked: ApprovalRequest[] = [];
    const answers = ['refused', 'always'] as const;
    const h = await open({approvals: parseApprove(undefined, true)}, async (req) => {
      asked.push(req);
      return answers[asked.length - 1] ?? 'refused';
    });
    await h.session.runTurn('write three files');
    expect(asked).toHaveLength(2);
    expect(asked[0]!.preview).toMatch(/\+0/);
    expect(existsSync(join(h.workspace, 'f0.txt'))).toBe(false);
    expect(readFileSync(join(h.workspace, 'f1.txt'), 'utf8')).toBe('1');
    expect(readFileSync(join(h.workspace, 'f2.txt'), 'utf8')).toBe('2');
    expect(h.events.filter((e) => e.type === 'approval_request')).toHaveLength(2);
    await h.session.close();
  });

  it('a multi-megabyte read is cut head + tail for the model; the transcript keeps it whole; no request exceeds 1 MB', async () => {
    const ws = tmp('june-ws-');
    const big = Array.from({length: 60_000}, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n');
    writeFileSync(join(ws, 'big.txt'), big);
    server.setScript((_req, v) => {
      meta(v);
      const r = v.recentResults();
      if (r.length === 0) return {call: {name: 'run_js', arguments: {code: `console.log(${JSON.stringify('y'.repeat(100))}.repeat(3000))`}}};
      if (r.length === 1) return {call: {name: 'read_file', arguments: {path: 'big.txt', limit: 100000}}};
      return {text: 'read it'};
    });
    const h = await open({workspace: ws});
    const done = await h.session.runTurn('read big.txt');
    expect(done.reason).toBe('finished');
    const results = h.events.filter((e): e is Extract<AgentEvent, {type: 'tool_result'}> => e.type === 'tool_result');
    for (const r of results) {
      expect(Buffer.byteLength(r.output)).toBeLessThan(17 * 1024);
    }
    // run_js printed 4 MB: cut head + tail with a note; read_file answers a range that fits, saying how to read on
    expect(results[0]!.truncated).toBe(true);
    expect(results[0]!.output).toMatch(/left out/);
    expect(results[1]!.output).toMatch(/^big\.txt: lines 1-\d+ of 60000/);
    expect(Math.max(...server.requestBytes)).toBeLessThan(1024 * 1024);
    const state = await readTranscript(transcriptPath(h.sessionsDir, h.session.id));
    expect(state.events.some((e) => e.type === 'tool_result')).toBe(true);
    const raw = readFileSync(transcriptPath(h.sessionsDir, h.session.id), 'utf8');
    // the whole output the tool returned (run_js keeps 256 KiB of what a snippet logs) is in the transcript, not just the 16 KiB the model saw
    expect(raw.length).toBeGreaterThan(262_144);
    await h.session.close();
  });

  it('a small context compacts (old tool outputs elided, then a state snapshot) and never sends a request that cannot fit', async () => {
    const ws = tmp('june-ws-');
    for (let i = 0; i < 8; i++) writeFileSync(join(ws, `f${i}.txt`), `${'word '.repeat(400)}\n`);
    server.setScript((_req, v) => {
      meta(v);
      const n = v.toolResults().length;
      if (n < 8) return {call: {name: 'read_file', arguments: {path: `f${n}.txt`}}};
      return {text: 'read all'};
    });
    const ctx = 6000;
    const firstRequest = server.requestBytes.length;
    const h = await open({workspace: ws, contextSize: ctx, budgets: {...DEFAULT_BUDGETS, maxSteps: 20, replyMaxTokens: 256}});
    const done = await h.session.runTurn('read every file');
    expect(h.events.find((e) => e.type === 'error')).toBeUndefined();
    expect(done.reason).toBe('finished');
    const compactions = h.events.filter((e): e is Extract<AgentEvent, {type: 'compaction'}> => e.type === 'compaction');
    expect(compactions.length).toBeGreaterThan(0);
    for (const c of compactions) expect(c.after).toBeLessThan(c.before);
    // the estimate (bytes / 3) of every request stayed within the context
    for (const b of server.requestBytes.slice(firstRequest)) expect(b / 3).toBeLessThan(ctx);
    const last = server.requests.filter((r) => r.tools?.length).at(-1)!;
    expect(JSON.stringify(last.messages)).toMatch(/output elided to save context|State snapshot/);
    await h.session.close();
  });

  it('resume continues the conversation from the transcript; undo restores what the agent wrote', async () => {
    const ws = tmp('june-ws-');
    writeFileSync(join(ws, 'keep.txt'), 'original\n');
    server.setScript((_req, v) => {
      meta(v);
      if (v.hasUser(/second task/)) {
        if (v.recentResults().length === 0) return {call: {name: 'write_file', arguments: {path: 'new.txt', content: 'new'}}};
        return {text: 'second done'};
      }
      if (v.recentResults().length === 0) return {call: {name: 'write_file', arguments: {path: 'keep.txt', content: 'changed\n'}}};
      return {text: 'first done'};
    });
    const h = await open({workspace: ws});
    await h.session.runTurn('first task');
    await h.session.close();
    expect(readFileSync(join(ws, 'keep.txt'), 'utf8')).toBe('changed\n');

    const state = await readTranscript(transcriptPath(h.sessionsDir, h.session.id));
    const h2 = await open({workspace: ws, sessionsDir: h.sessionsDir, host: h.host, resume: {id: h.session.id, state}});
    expect(h2.session.id).toBe(h.session.id);
    expect(h2.session.history.some((e) => e.type === 'user' && e.text === 'first task')).toBe(true);
    await h2.session.runTurn('second task');
    const sent = server.requests.filter((r) => r.tools?.length).at(-1)!;
    expect(sent.messages.some((m) => m.role === 'user' && /first task/.test(m.content ?? ''))).toBe(true);
    expect(sent.messages.some((m) => m.role === 'assistant' && m.content === 'first done')).toBe(true);
    expect(readFileSync(join(ws, 'new.txt'), 'utf8')).toBe('new');

    const u1 = await h2.session.undo(1);
    expect(u1.restored).toEqual(['new.txt']);
    expect(existsSync(join(ws, 'new.txt'))).toBe(false);
    const u2 = await h2.session.undoTo(0);
    expect(u2.restored).toEqual(['keep.txt']);
    expect(readFileSync(join(ws, 'keep.txt'), 'utf8')).toBe('original\n');
    expect((await h2.session.undo(5)).writes).toBe(0);
    await h2.session.close();
  });

  it('a JSON tool call written as text is taken as a call', async () => {
    server.setScript((_req, v) => {
      meta(v);
      if (v.recentResults().length === 0) return {text: '```json\n{"name": "list_dir", "arguments": {"path": "."}}\n```'};
      return {text: 'listed'};
    });
    const h = await open();
    const done = await h.session.runTurn('list the files');
    expect(done.reason).toBe('finished');
    expect(h.events.find((e) => e.type === 'tool_call')).toMatchObject({name: 'list_dir', args: {path: '.'}});
    await h.session.close();
  });

  it('budgets end the turn cleanly: max steps, max tokens, timeout', async () => {
    server.setScript((_req, v) => {
      meta(v);
      const n = v.recentResults().length;
      return {call: {name: 'write_file', arguments: {path: `n${n}.txt`, content: 'x'.repeat(n + 1)}}};
    });
    const h = await open({budgets: {...DEFAULT_BUDGETS, maxSteps: 4}});
    expect((await h.session.runTurn('go')).reason).toBe('max_steps');
    await h.session.close();
    const h2 = await open({budgets: {...DEFAULT_BUDGETS, maxTokens: 40}});
    expect((await h2.session.runTurn('go')).reason).toBe('max_tokens');
    await h2.session.close();
    server.setScript((_req, v) => {
      meta(v);
      return {text: 'slow '.repeat(200), chunkDelayMs: 20};
    });
    const h3 = await open({budgets: {...DEFAULT_BUDGETS, timeoutMs: 800}});
    const t0 = Date.now();
    expect((await h3.session.runTurn('go')).reason).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(5000);
    await h3.session.close();
  });

  it('Ctrl-C (abort) mid-reply ends the turn interrupted; the next turn tells the model', async () => {
    server.setScript((_req, v) => {
      meta(v);
      return {text: 'a long answer '.repeat(100), chunkDelayMs: 15};
    });
    const h = await open();
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 400);
    const done = await h.session.runTurn('talk', {signal: ctrl.signal});
    expect(done.reason).toBe('interrupted');
    server.setScript((_req, v) => {
      meta(v);
      return {text: 'ok'};
    });
    await h.session.runTurn('again');
    const sent = server.requests.filter((r) => r.tools?.length).at(-1)!;
    expect(sent.messages.some((m) => /interrupted this turn/.test(m.content ?? ''))).toBe(true);
    await h.session.close();
  });

  it('an endpoint that fails mid-session gives an error event and reason error; the transcript is kept', async () => {
    server.setScript((_req, v) => {
      meta(v);
      if (v.recentResults().length === 0) return {call: {name: 'list_dir', arguments: {path: '.'}}};
      return {status: 400, message: 'model crashed'};
    });
    const h = await open();
    const done = await h.session.runTurn('go');
    expect(done.reason).toBe('error');
    const err = h.events.find((e) => e.type === 'error');
    expect(err).toMatchObject({code: 'ENDPOINT_ERROR'});
    const state = await readTranscript(transcriptPath(h.sessionsDir, h.session.id));
    expect(state.events.some((e) => e.type === 'tool_result')).toBe(true);
    await h.session.close();
  });

  it('confinement: a path outside the workspace is refused as a valid call (no guard), nothing outside is touched', async () => {
    const outside = tmp('june-outside-');
    mkdirSync(join(outside, 'd'));
    server.setScript((_req, v) => {
      meta(v);
      const n = v.recentResults().length;
      if (n === 0) return {call: {name: 'write_file', arguments: {path: join(outside, 'd', 'evil.txt'), content: 'x'}}};
      if (n === 1) return {call: {name: 'read_file', arguments: {path: '../../../../etc/passwd'}}};
      return {text: 'gave up'};
    });
    const h = await open();
    const done = await h.session.runTurn('escape');
    expect(done.reason).toBe('finished');
    const results = h.events.filter((e): e is Extract<AgentEvent, {type: 'tool_result'}> => e.type === 'tool_result');
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(existsSync(join(outside, 'd', 'evil.txt'))).toBe(false);
    expect(results[1]!.output).not.toMatch(/root:/);
    await h.session.close();
  });
});
