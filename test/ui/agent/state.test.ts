import {describe, expect, it} from 'vitest';
import {AgentEventSchema, type AgentEvent, type AgentEventBody} from '../../../src/agents/events.js';
import {assistantText, initialViewState, reduce, reduceAll, type Item, type ViewState} from '../../../src/ui/agent/state.js';
import {tokens} from './fake-session.js';

let step = 0;
function ev(body: AgentEventBody, at = step): AgentEvent {
  // every event the tests feed the reducer is schema-valid, as the loop's are
  return AgentEventSchema.parse({...body, session: 's1', step: at, at: '2026-12-01T18:00:00.000Z'});
}

const start = ev({
  type: 'session_start',
  model: {id: 'tiny', backend: 'embedded', contextSize: 4096},
  workspace: '/w',
  approvals: {read: 'allow', write: 'ask', execute: 'ask'},
  budgets: {maxSteps: 30, maxTokens: null, timeoutMs: null, phaseTimeoutMs: 60000, maxRevisions: 2, replyMaxTokens: 512},
});

function kinds(s: ViewState): string[] {
  return s.items.map((i) => i.kind);
}

function only<K extends Item['kind']>(s: ViewState, kind: K): Extract<Item, {kind: K}>[] {
  return s.items.filter((i): i is Extract<Item, {kind: K}> => i.kind === kind);
}

describe('the view reducer', () => {
  it('draws a whole turn: user, plan ticking, streamed reply, a tool call and its result, the final answer', () => {
    let s = reduceAll(initialViewState(), [start, ev({type: 'user', text: 'make hello.py'})]);
    expect(s.status).toMatchObject({session: 's1', model: 'tiny', backend: 'embedded', contextSize: 4096, maxSteps: 30, step: 0});
    expect(s.running).toBe(true);
    s = reduce(s, ev({type: 'plan', steps: ['write it', 'run it']}));
    expect(s.plan).toEqual([
      {text: 'write it', status: 'pending'},
      {text: 'run it', status: 'pending'},
    ]);
    s = reduce(s, ev({type: 'plan_update', steps: [{text: 'write it', status: 'done'}, {text: 'run it', status: 'in_progress'}]}));
    expect(s.plan?.map((p) => p.status)).toEqual(['done', 'in_progress']);
    for (const t of tokens('I will write it.')) s = reduce(s, ev({type: 'message_delta', text: t}));
    // streamed text is live until the reply ends
    expect(s.streaming).toBe('I will write it.');
    expect(kinds(s)).toEqual(['session', 'user']);
    s = reduce(s, ev({type: 'message', text: 'I will write it.'}));
    expect(s.streaming).toBe('');
    s = reduce(s, ev({type: 'tool_call', id: 'c1', name: 'write_file', args: {path: 'hello.py', content: 'print(1)\n'}}));
    expect(s.tools.map((t) => t.id)).toEqual(['c1']);
    s = reduce(s, ev({type: 'approval_request', id: 'c1', class: 'write', tool: 'write_file', args: {}, diff: '+print(1)'}));
    s = reduce(s, ev({type: 'approval', id: 'c1', class: 'write', decision: 'approved', by: 'user'}));
    expect(s.tools[0]).toMatchObject({decision: 'approved', by: 'user', diff: '+print(1)', class: 'write'});
    step = 1;
    s = reduce(s, ev({type: 'tool_result', id: 'c1', ok: true, output: 'wrote hello.py', ms: 3, truncated: false}));
    expect(s.tools).toEqual([]);
    expect(s.status.step).toBe(1);
    s = reduce(s, ev({type: 'usage', tokensPerSecond: 812.4, contextUsed: 900, contextSize: 4096}));
    expect(s.status).toMatchObject({tokensPerSecond: 812.4, contextUsed: 900});
    for (const t of tokens('Done.')) s = reduce(s, ev({type: 'message_delta', text: t}));
    s = reduce(s, ev({type: 'message', text: 'Done.'}));
    s = reduce(s, ev({type: 'done', reason: 'finished', steps: 1, toolCalls: 1, tokens: 20, ms: 900, final: 'Done.'}));
    expect(kinds(s)).toEqual(['session', 'user', 'assistant', 'tool', 'assistant', 'plan', 'done']);
    // the final answer equal to the last reply is drawn once
    expect(only(s, 'final')).toEqual([]);
    expect(only(s, 'tool')[0]?.tool).toMatchObject({name: 'write_file', result: {ok: true, output: 'wrote hello.py'}});
    expect(only(s, 'plan')[0]?.steps.map((p) => p.status)).toEqual(['done', 'in_progress']);
    expect(s.running).toBe(false);
    expect(s.plan).toBeNull();
    expect(s.lastDone).toBe('finished');
  });

  it('never changes an item once it is in the history (what <Static> requires)', () => {
    const events = [
      start,
      ev({type: 'user', text: 'x'}),
      ev({type: 'message_delta', text: 'a\nb\n'}),
      ev({type: 'tool_call', id: 'c', name: 'run_shell', args: {command: 'ls'}}),
      ev({type: 'tool_result', id: 'c', ok: false, output: 'boom', ms: 1, truncated: false}),
      ev({type: 'error', code: 'ENDPOINT_ERROR', message: 'bad gateway', hint: 'retry'}),
      ev({type: 'done', reason: 'error', steps: 1, toolCalls: 1, tokens: 2, ms: 5, final: null}),
    ];
    let s = initialViewState();
    const seen: Item[] = [];
    for (const e of events) {
      s = reduce(s, e);
      // every earlier item is the very same object, in the same place
      seen.forEach((it, i) => expect(s.items[i]).toBe(it));
      for (let i = seen.length; i < s.items.length; i++) seen.push(s.items[i] as Item);
    }
    const ids = s.items.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(only(s, 'error')[0]).toMatchObject({code: 'ENDPOINT_ERROR', message: 'bad gateway', hint: 'retry'});
    // the streamed text cut by a tool call is kept
    expect(only(s, 'assistant').map((a) => a.text)).toEqual(['a\nb\n']);
  });

  it('moves complete lines of a long streamed reply to the history and loses no token', () => {
    const text = Array.from({length: 50}, (_, i) => `line ${i} of the reply`).join('\n');
    let s = reduceAll(initialViewState({commitLines: 4}), [start, ev({type: 'user', text: 't'})]);
    let maxLive = 0;
    for (const t of tokens(text)) {
      s = reduce(s, ev({type: 'message_delta', text: t}));
      maxLive = Math.max(maxLive, s.streaming.split('\n').length);
    }
    expect(maxLive).toBeLessThanOrEqual(5);
    expect(only(s, 'assistant').length).toBeGreaterThan(5);
    s = reduce(s, ev({type: 'message', text}));
    s = reduce(s, ev({type: 'done', reason: 'finished', steps: 0, toolCalls: 0, tokens: 300, ms: 10, final: text}));
    expect(assistantText(s)).toBe(text);
    expect(only(s, 'final')).toEqual([]);
    const chunks = only(s, 'assistant');
    expect(chunks[0]?.continued).toBe(false);
    expect(chunks.slice(1).every((c) => c.continued)).toBe(true);
  });

  it('draws a final answer that is not the last reply on its own, and an interrupted turn without one', () => {
    let s = reduceAll(initialViewState(), [
      start,
      ev({type: 'user', text: 't'}),
      ev({type: 'message', text: 'thinking aloud'}),
      ev({type: 'done', reason: 'finished', steps: 0, toolCalls: 0, tokens: 1, ms: 1, final: 'The answer is 42.'}),
    ]);
    expect(only(s, 'final').map((f) => f.text)).toEqual(['The answer is 42.']);
    s = reduceAll(s, [
      ev({type: 'user', text: 'again'}),
      ev({type: 'message_delta', text: 'par'}),
      ev({type: 'done', reason: 'interrupted', steps: 0, toolCalls: 0, tokens: 1, ms: 1, final: null}),
    ]);
    expect(only(s, 'assistant').map((a) => a.text)).toEqual(['thinking aloud', 'par']);
    expect(only(s, 'done').map((d) => d.reason)).toEqual(['finished', 'interrupted']);
    expect(s.running).toBe(false);
  });

  it('counts the status line step from the start of the turn', () => {
    let s = reduceAll(initialViewState(), [start, ev({type: 'user', text: 'a'}, 0), ev({type: 'tool_result', id: 'x', ok: true, output: '', ms: 1, truncated: false}, 4)]);
    expect(s.status.step).toBe(4);
    s = reduceAll(s, [ev({type: 'done', reason: 'finished', steps: 4, toolCalls: 4, tokens: 1, ms: 1, final: null}, 4), ev({type: 'user', text: 'b'}, 4)]);
    expect(s.status.step).toBe(0);
    s = reduce(s, ev({type: 'tool_result', id: 'y', ok: true, output: '', ms: 1, truncated: false}, 6));
    expect(s.status.step).toBe(2);
    // a task the UI echoed counts from the session's last step too
    s = reduceAll(s, [ev({type: 'done', reason: 'finished', steps: 2, toolCalls: 2, tokens: 1, ms: 1, final: null}, 6), {type: 'ui_user', text: 'c'}]);
    expect(s.status.step).toBe(0);
  });

  it('draws a task the UI echoed once, when the loop also emits its user event', () => {
    const s = reduceAll(initialViewState(), [start, {type: 'ui_user', text: 'hi there'}, ev({type: 'user', text: 'hi there'})]);
    expect(only(s, 'user').map((u) => u.text)).toEqual(['hi there']);
    expect(s.running).toBe(true);
  });

  it('turns reflections, compactions, thoughts and UI notes into items; tool results without a call still show', () => {
    const s = reduceAll(initialViewState(), [
      start,
      ev({type: 'thought', text: 'hmm'}),
      ev({type: 'reflection', ok: false, checks: [{name: 'unittest', ok: false, output: 'FAIL', ms: 9}], verdict: {done: false, reason: 'a test fails'}, revision: 1}),
      ev({type: 'compaction', before: 3000, after: 900, how: 'summary'}),
      ev({type: 'tool_result', id: 'lost', ok: true, output: 'x', ms: 1, truncated: true}),
      {type: 'ui_info', text: 'note'},
      {type: 'ui_error', code: 'BAD_INPUT', message: 'no', hint: null},
      {type: 'ui_command', text: '/help'},
    ]);
    expect(kinds(s)).toEqual(['session', 'thought', 'reflection', 'compaction', 'tool', 'info', 'error', 'command']);
    expect(only(s, 'reflection')[0]).toMatchObject({ok: false, revision: 1, verdict: {done: false}});
    expect(only(s, 'tool')[0]?.tool).toMatchObject({name: '(unknown call)', result: {truncated: true}});
  });
});
