#!/usr/bin/env node
// Does the TUI slow generation? The same reply, generated headless (`coding-agent --task … --json`)
// and under the TUI (`coding-agent --interactive --task …` in a tmux pane), rounds interleaved so
// machine load hits both alike. Prints the median tokens/s of the reply each way (as the agent
// measured it: its `usage` event, from the transcript) and the ratio TUI / headless — goal ≥ 0.9 —,
// and checks that no token was dropped: the reply drawn on the screen (tmux scrollback) equals the
// transcript's `message` text.
//
//   npm run build && node bench/agent-tui.mjs [--rounds 3] [--tokens 2000] [--rate 1000]
//   node bench/agent-tui.mjs --model ../shared/models/llama-2-tiny-random.gguf [--reply-tokens 256]
//
// Default backend: a scripted OpenAI-compatible server started here on 127.0.0.1 that streams a
// reply of --tokens tokens at --rate tokens/s (0 = as fast as the client reads; 1000 ≈ the tiny
// GGUF on this machine). --model runs the real model instead (the embedded backend: its execute
// turns are grammar-constrained calls, so less of the reply streams token by token).
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {createServer} from 'node:http';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const {values: opt} = parseArgs({
  options: {
    rounds: {type: 'string', default: '3'},
    tokens: {type: 'string', default: '2000'},
    rate: {type: 'string', default: '1000'},
    model: {type: 'string'},
    'reply-tokens': {type: 'string', default: '256'},
    cols: {type: 'string', default: '100'},
    rows: {type: 'string', default: '40'},
  },
});
const rounds = Number(opt.rounds);
const nTokens = Number(opt.tokens);
const rate = Number(opt.rate);

if (!existsSync(join(root, 'dist', 'ui', 'agent', 'index.js'))) {
  console.error('run `npm run build` first');
  process.exit(1);
}
if (spawnSync('tmux', ['-V']).status !== 0) {
  console.error('tmux is needed (apt-get install tmux)');
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---- the scripted model: plan, one long streamed answer, a judge that says done

const WORDS = ['the', 'sea', 'is', 'wide', 'and', 'deep', 'waves', 'roll', 'over', 'stones', 'gulls', 'cry'];
function replyTokens(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push((i === 0 ? '' : i % 14 === 0 ? '\n' : ' ') + `${WORDS[i % WORDS.length]}${i}`);
  return out;
}
const REPLY = replyTokens(nTokens);

function startServer() {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      if (req.method === 'GET' && req.url.endsWith('/models')) {
        res.writeHead(200, {'content-type': 'application/json'});
        res.end(JSON.stringify({object: 'list', data: [{id: 'bench-model', object: 'model', max_model_len: 65536}]}));
        return;
      }
      if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) return res.writeHead(404).end();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const lastUser = [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      let tokens;
      if (body.tools?.length) tokens = REPLY;
      else if (/\{"steps"/.test(lastUser)) tokens = [JSON.stringify({steps: ['write the poem']})];
      else if (/\{"done"/.test(lastUser)) tokens = [JSON.stringify({done: true, reason: 'written'})];
      else tokens = ['ok'];
      res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache'});
      const send = (delta, finish = null) =>
        res.write(`data: ${JSON.stringify({id: 'c', object: 'chat.completion.chunk', model: 'bench-model', choices: [{index: 0, delta, finish_reason: finish}]})}\n\n`);
      send({role: 'assistant', content: ''});
      const t0 = performance.now();
      for (let i = 0; i < tokens.length; i++) {
        if (res.destroyed) return;
        send({content: tokens[i]});
        // paced: token i leaves at i/rate seconds (in bursts of whatever the timer allows)
        if (rate > 0) {
          const due = t0 + ((i + 1) * 1000) / rate;
          const wait = due - performance.now();
          if (wait > 4) await sleep(wait);
        } else if (i % 64 === 63) await new Promise((r) => setImmediate(r));
      }
      send({}, 'stop');
      const prompt = Math.ceil(Buffer.concat(chunks).length / 4);
      res.write(`data: ${JSON.stringify({id: 'c', object: 'chat.completion.chunk', model: 'bench-model', choices: [], usage: {prompt_tokens: prompt, completion_tokens: tokens.length, total_tokens: prompt + tokens.length}})}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- one run each way

const TASK = 'write a long poem about the sea';

function backendArgs(url) {
  return opt.model
    ? ['--model', opt.model, '--reply-tokens', opt['reply-tokens'], '--temperature', '0', '--seed', '1', '--max-steps', '2']
    : ['--endpoint', url, '--reply-tokens', String(nTokens + 64)];
}

function transcriptOf(home) {
  const dir = join(home, 'sessions');
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  if (files.length !== 1) throw new Error(`expected one transcript in ${dir}, found ${files.length}`);
  const events = readFileSync(join(dir, files[0]), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'event')
    .map((r) => r.event);
  return events;
}

/** The agent's own measure of the reply: the usage event of the longest generation of the turn. */
function replyMeasure(events) {
  const usage = events.filter((e) => e.type === 'usage' && e.tokensPerSecond !== null);
  if (usage.length === 0) throw new Error('no usage event with tokens/s in the transcript');
  const u = usage.reduce((a, b) => ((b.completionTokens ?? 0) > (a.completionTokens ?? 0) ? b : a));
  const messages = events.filter((e) => e.type === 'message').map((e) => e.text);
  const done = events.find((e) => e.type === 'done');
  return {tokensPerSecond: u.tokensPerSecond, completionTokens: u.completionTokens ?? null, messages, reason: done?.reason ?? null};
}

/** Runs a child without blocking this process's event loop (the scripted server lives here). */
function run(argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {env, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGTERM'), 600_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({status, stdout, stderr});
    });
  });
}

async function runHeadless(url) {
  const home = mkdtempSync(join(tmpdir(), 'june-bench-tui-h-'));
  const ws = mkdtempSync(join(tmpdir(), 'june-bench-tui-ws-'));
  try {
    const r = await run(
      [process.execPath, join(root, 'bin', 'run.js'), 'coding-agent', '--task', TASK, '--json', '--workspace', ws, '--no-build', '--max-revisions', '0', ...backendArgs(url)],
      {...process.env, JUNE_HOME: home},
    );
    if (!existsSync(join(home, 'sessions'))) throw new Error(`headless run failed (exit ${r.status}): ${r.stderr.trim()} ${r.stdout.trim().slice(-500)}`);
    return replyMeasure(transcriptOf(home));
  } finally {
    rmSync(home, {recursive: true, force: true});
    rmSync(ws, {recursive: true, force: true});
  }
}

async function runTui(url) {
  const home = mkdtempSync(join(tmpdir(), 'june-bench-tui-t-'));
  const ws = mkdtempSync(join(tmpdir(), 'june-bench-tui-ws-'));
  const socket = `june-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...a) => {
    const r = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...a], {encoding: 'utf8', maxBuffer: 256 * 1024 * 1024});
    if (r.status !== 0) throw new Error(`tmux ${a[0]}: ${r.stderr}`);
    return r.stdout;
  };
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const argv = [process.execPath, join(root, 'bin', 'run.js'), 'coding-agent', '--interactive', '--task', TASK, '--workspace', ws, '--no-build', '--max-revisions', '0', ...backendArgs(url)];
  const exitFile = join(home, 'exit-code');
  const script = `env JUNE_HOME=${q(home)} TERM=xterm-256color PATH=${q(process.env.PATH ?? '')} NODE_OPTIONS=${q(process.env.BENCH_TUI_NODE_OPTIONS ?? '')} ${argv.map(q).join(' ')}; echo $? > ${q(exitFile)}; sleep 3600`;
  try {
    tmux('new-session', '-d', '-s', 'b', '-x', opt.cols, '-y', opt.rows, 'sh', '-c', script);
    tmux('set-option', '-g', 'history-limit', '200000');
    const capture = () => tmux('capture-pane', '-p', '-J', '-t', 'b', '-S', '-');
    const deadline = Date.now() + 600_000;
    // the turn is over when its done line is drawn
    while (!/[✓■] [a-z ]+ · \d+ tool calls? · \d+ tokens/.test(capture())) {
      if (Date.now() > deadline) throw new Error(`the TUI turn did not end:\n${capture().split('\n').slice(-30).join('\n')}`);
      if (existsSync(exitFile)) throw new Error(`the TUI exited early (${readFileSync(exitFile, 'utf8').trim()}):\n${capture()}`);
      await sleep(200);
    }
    const screen = capture();
    tmux('send-keys', '-t', 'b', '-l', '/exit');
    await sleep(100);
    tmux('send-keys', '-t', 'b', 'Enter');
    for (let i = 0; i < 200 && !existsSync(exitFile); i++) await sleep(100);
    const m = replyMeasure(transcriptOf(home));
    const flat = (s) => s.replace(/\s+/g, '');
    const drawn = flat(screen);
    const missing = m.messages.filter((t) => !drawn.includes(flat(t)));
    return {...m, exitCode: existsSync(exitFile) ? Number(readFileSync(exitFile, 'utf8').trim()) : null, textMatches: missing.length === 0};
  } finally {
    try {
      tmux('kill-server');
    } catch {
      // gone
    }
    rmSync(home, {recursive: true, force: true});
    rmSync(ws, {recursive: true, force: true});
  }
}

// ---- interleaved rounds

const server = opt.model ? null : await startServer();
const url = server ? `http://127.0.0.1:${server.address().port}` : null;
console.log(
  opt.model
    ? `backend: ${opt.model} (embedded), ${rounds} rounds, reply ≤ ${opt['reply-tokens']} tokens`
    : `backend: scripted endpoint, reply of ${nTokens} tokens at ${rate > 0 ? `${rate} tok/s` : 'full speed'}, ${rounds} rounds`,
);
const headless = [];
const tui = [];
let allMatch = true;
try {
  for (let i = 0; i < rounds; i++) {
    const first = i % 2 === 0 ? 'headless' : 'tui';
    for (const mode of first === 'headless' ? ['headless', 'tui'] : ['tui', 'headless']) {
      if (mode === 'headless') {
        const h = await runHeadless(url);
        headless.push(h.tokensPerSecond);
        console.log(`round ${i + 1} headless: ${h.tokensPerSecond.toFixed(1)} tok/s (${h.completionTokens} tokens, ${h.reason})`);
      } else {
        const t = await runTui(url);
        tui.push(t.tokensPerSecond);
        allMatch &&= t.textMatches;
        console.log(
          `round ${i + 1} tui:      ${t.tokensPerSecond.toFixed(1)} tok/s (${t.completionTokens} tokens, ${t.reason}; exit ${t.exitCode}; drawn text ${t.textMatches ? 'equals' : 'DIFFERS FROM'} the transcript)`,
        );
      }
    }
  }
} finally {
  server?.close();
}
const h = median(headless);
const t = median(tui);
const ratio = t / h;
console.log(`median tokens/s: headless ${h.toFixed(1)}, tui ${t.toFixed(1)}; ratio tui/headless ${ratio.toFixed(3)} (goal ≥ 0.9)`);
console.log(`rendered text equals the transcript's: ${allMatch ? 'yes' : 'NO'}`);
process.exitCode = ratio >= 0.9 && allMatch ? 0 : 1;
