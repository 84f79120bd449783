#!/usr/bin/env node
// The coding agent's own cost per tool step: everything except generation and the tool itself
// (context fitting and token counting, validation, approvals, events, fsynced transcript records,
// output budget), measured on real turns against a model that answers at once (an
// OpenAI-compatible server on 127.0.0.1, its time measured and subtracted), and the round trip of
// `run_python "print(1)"` through the real tool and the session container. Node on dist/.
//
//   node bench/agent-overhead.mjs [--steps 40] [--runs 20] [--json]
//
// Goals (issue 9): own cost per step, median ≤ 50 ms; run_python round trip ≤ 0.25 s.
import {mkdtempSync, rmSync, writeFileSync, mkdirSync} from 'node:fs';
import {createServer} from 'node:http';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {parseArgs} from 'node:util';
import {performance} from 'node:perf_hooks';
import {Buffer} from 'node:buffer';

const root = resolve(import.meta.dirname, '..');
const {values} = parseArgs({options: {steps: {type: 'string', default: '40'}, runs: {type: 'string', default: '20'}, json: {type: 'boolean', default: false}}});
const steps = Number(values.steps);
const runs = Number(values.runs);
const {openAgentSession, DEFAULT_BUDGETS} = await import(join(root, 'dist', 'agents', 'agent.js'));
const {openEndpoint} = await import(join(root, 'dist', 'runtime', 'endpoint', 'endpoint-host.js'));
const {agentTools} = await import(join(root, 'dist', 'agents', 'tools', 'index.js'));
const sb = await import(join(root, 'dist', 'sandbox', 'index.js'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

// ---- a model that answers at once: read file i for i < steps, then finish (one SSE reply per request)
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET') {
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({data: [{id: 'bench', object: 'model'}]}));
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const sse = (delta, finish) => `data: ${JSON.stringify({choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`;
    let out;
    if (!body.tools) out = sse({content: body.response_format?.json_schema && /"steps"/.test(JSON.stringify(body.messages.at(-1))) ? '{"steps": ["read the files"]}' : '{"done": true, "reason": "ok"}'}, 'stop');
    else {
      const done = body.messages.filter((m) => m.role === 'tool').length;
      out =
        done < steps
          ? sse({tool_calls: [{index: 0, id: `c${done}`, type: 'function', function: {name: 'read_file', arguments: JSON.stringify({path: `d/f${done}.py`})}}]}, 'tool_calls')
          : sse({content: 'read them all'}, 'stop');
    }
    res.writeHead(200, {'content-type': 'text/event-stream'});
    res.end(`${out}data: ${JSON.stringify({choices: [], usage: {prompt_tokens: 100, completion_tokens: 10}})}\n\ndata: [DONE]\n\n`);
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}`;

const ws = mkdtempSync(join(tmpdir(), 'june-bench-agent-'));
const sessions = mkdtempSync(join(tmpdir(), 'june-bench-sessions-'));
mkdirSync(join(ws, 'd'));
for (let i = 0; i < steps; i++) writeFileSync(join(ws, 'd', `f${i}.py`), `def f${i}(x):\n    return x + ${i}\n`.repeat(20));

// the model host, timed: what happens inside chat() is the model's, not june's
const inner = await openEndpoint({url});
let modelMs = 0;
const host = {
  info: inner.info,
  countTokens: (m, o) => inner.countTokens(m, o),
  complete: (p, o) => inner.complete(p, o),
  close: () => inner.close(),
  chat(messages, options) {
    const t0 = performance.now();
    const g = inner.chat(messages, options);
    const result = g.result.then((r) => {
      modelMs += performance.now() - t0;
      return r;
    });
    return {result, [Symbol.asyncIterator]: () => g[Symbol.asyncIterator]()};
  },
};

const perStep = [];
for (let round = 0; round < 3; round++) {
  const stepTimes = [];
  let last = null;
  const session = await openAgentSession({
    host,
    workspace: ws,
    sessionsDir: sessions,
    approvals: {read: 'allow', write: 'allow', execute: 'allow'},
    budgets: {...DEFAULT_BUDGETS, maxSteps: steps + 5},
    executor: null,
    executorUnavailable: 'not needed',
    hooks: {
      emit: (e) => {
        // one step: from a tool_result to the next (model request, call, validation, execution, records)
        if (e.type === 'tool_result') {
          const now = performance.now();
          if (last !== null) stepTimes.push({wall: now - last.at, model: modelMs - last.model, tool: e.ms});
          last = {at: now, model: modelMs};
        }
      },
    },
  });
  const done = await session.runTurn('read every file under d/');
  await session.close();
  if (done.reason !== 'finished' || done.toolCalls !== steps) throw new Error(`turn ended ${done.reason} after ${done.toolCalls} calls`);
  for (const s of stepTimes) perStep.push(s.wall - s.model - s.tool);
}
server.close();
await inner.close();

// ---- run_python "print(1)" through the real tool and the session container
const py = agentTools().find((t) => t.name === 'run_python');
const executor = await sb.openSessionContainer({workspace: ws});
const rt = [];
try {
  const ctx = {workspace: ws, executor, dryRun: false, commandTimeoutMs: 30_000, signal: new globalThis.AbortController().signal};
  for (let i = 0; i < runs + 1; i++) {
    const t0 = performance.now();
    const inv = await py.build({code: 'print(1)'}, ctx);
    const out = await inv.execute();
    if (!out.ok || !/^1$/m.test(out.output)) throw new Error(`run_python gave ${JSON.stringify(out)}`);
    if (i > 0) rt.push(performance.now() - t0);
  }
} finally {
  await executor.close();
  rmSync(ws, {recursive: true, force: true});
  rmSync(sessions, {recursive: true, force: true});
}

const result = {
  ownCostPerStepMs: {median: +median(perStep).toFixed(2), p95: +p95(perStep).toFixed(2), steps: perStep.length},
  runPythonRoundTripS: {median: +(median(rt) / 1000).toFixed(3), p95: +(p95(rt) / 1000).toFixed(3), runs: rt.length},
  goals: {ownCostPerStepMs: 50, runPythonRoundTripS: 0.25},
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`june's own cost per tool step: median ${result.ownCostPerStepMs.median} ms, p95 ${result.ownCostPerStepMs.p95} ms over ${perStep.length} steps (goal ≤ 50 ms)`);
  console.log(`run_python "print(1)" round trip: median ${result.runPythonRoundTripS.median} s, p95 ${result.runPythonRoundTripS.p95} s over ${rt.length} runs (goal ≤ 0.25 s)`);
  console.log(JSON.stringify(result));
}
