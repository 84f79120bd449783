#!/usr/bin/env node
// The coding agent's session container: round trip of one command by `docker exec` into the warm
// session container, against the anchor run alongside — a cold hardened container per command
// (create + start + wait + remove with the same hardening and the workspace mounted, as a
// container-per-call design would pay). Node on dist/.
//
//   node bench/session-exec.mjs [--runs 20]
//
// Goal (issue 9): exec of `python3 -c "print(1)"` ≤ 0.25 s. Prints a table and a JSON line.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {parseArgs} from 'node:util';
import {performance} from 'node:perf_hooks';

const root = resolve(import.meta.dirname, '..');
const {values} = parseArgs({options: {runs: {type: 'string', default: '20'}}});
const runs = Number(values.runs);
const sb = await import(join(root, 'dist', 'sandbox', 'index.js'));
const {dockerClient} = await import(join(root, 'dist', 'sandbox', 'docker.js'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ws = mkdtempSync(join(tmpdir(), 'june-bench-session-'));
const argv = ['python3', '-c', 'print(1)'];

const tOpen = performance.now();
const sc = await sb.openSessionContainer({workspace: ws});
const openMs = performance.now() - tOpen;
const exec = [];
const execStdin = [];
try {
  await sc.run(argv, {timeoutMs: 30_000}); // warm-up
  for (let i = 0; i < runs; i++) {
    const r = await sc.run(argv, {timeoutMs: 30_000});
    if (r.output !== '1\n') throw new Error(`exec gave ${JSON.stringify(r.output)}`);
    exec.push(r.ms);
  }
  for (let i = 0; i < runs; i++) {
    const r = await sc.run(['python3', '-'], {stdin: 'print(1)\n', timeoutMs: 30_000});
    if (r.output !== '1\n') throw new Error(`exec (stdin) gave ${JSON.stringify(r.output)}`);
    execStdin.push(r.ms);
  }
} finally {
  await sc.close();
}

// anchor: a cold container per command, same hardening, same mount
const docker = await dockerClient();
const image = sb.imageTag();
const cold = [];
for (let i = 0; i < Math.max(3, Math.ceil(runs / 3)); i++) {
  const t0 = performance.now();
  const c = await docker.createContainer({
    Image: image,
    Cmd: argv,
    User: '65534:65534',
    WorkingDir: '/workspace',
    Env: ['PATH=/usr/bin:/bin', 'LANG=C.UTF-8', 'HOME=/tmp'],
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], ReadonlyRootfs: true,
      Tmpfs: {'/tmp': 'rw,nosuid,nodev,noexec,size=64m,mode=1777'}, PidsLimit: 256, Memory: 2 ** 31, MemorySwap: 2 ** 31,
      NanoCpus: 2e9, Init: true, Mounts: [{Type: 'bind', Source: ws, Target: '/workspace', ReadOnly: false}],
    },
  });
  const stream = await c.attach({stream: true, stdout: true, stderr: true});
  let out = '';
  stream.on('data', (b) => (out += b.toString('latin1')));
  await c.start();
  await c.wait();
  await c.remove({force: true});
  if (!out.includes('1\n')) throw new Error(`cold run gave ${JSON.stringify(out)}`);
  cold.push(performance.now() - t0);
}
rmSync(ws, {recursive: true, force: true});

const e = median(exec);
const es = median(execStdin);
const c = median(cold);
console.log(`session container open:              ${(openMs / 1000).toFixed(3)} s (once per session)`);
console.log(`exec python3 -c "print(1)" (median):  ${(e / 1000).toFixed(3)} s   [goal ≤ 0.25 s]`);
console.log(`exec python3 - < code (median):       ${(es / 1000).toFixed(3)} s`);
console.log(`cold hardened run (median, anchor):   ${(c / 1000).toFixed(3)} s`);
console.log(`exec / cold:                          ${(e / c).toFixed(2)}`);
console.log(JSON.stringify({openSeconds: openMs / 1000, execSeconds: e / 1000, execStdinSeconds: es / 1000, coldSeconds: c / 1000, ratio: e / c, runs, goalMet: e <= 250}));
