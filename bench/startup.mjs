#!/usr/bin/env node
// Start-time benchmark: `june --version` and `june --help` against the floor oclif itself sets (a
// one-command oclif CLI with a manifest, bench/oclif-floor) and bare `node -e 0`, interleaved in one
// run so that machine load hits all of them alike. Prints medians and june's ratio to the floor.
// Goal (issue 3): june ≤ 1.2× the floor. Run after `npm run build`: `node bench/startup.mjs [runs]`.
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 20);
const floorDir = join(root, 'bench', 'oclif-floor');

if (!existsSync(join(root, 'oclif.manifest.json'))) {
  console.error('run `npm run build` first (june\'s oclif.manifest.json is missing)');
  process.exit(1);
}
if (!existsSync(join(floorDir, 'oclif.manifest.json'))) {
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'oclif', 'bin', 'run.js'), 'manifest', '.'], {cwd: floorDir, stdio: 'ignore'});
  if (r.status !== 0) {
    console.error('could not write the floor CLI\'s manifest');
    process.exit(1);
  }
}

const cases = [
  {name: 'node -e 0', args: ['-e', '0']},
  {name: 'floor --version', args: [join(floorDir, 'run.js'), '--version']},
  {name: 'june --version', args: [join(root, 'bin', 'run.js'), '--version']},
  {name: 'floor --help', args: [join(floorDir, 'run.js'), '--help']},
  {name: 'june --help', args: [join(root, 'bin', 'run.js'), '--help']},
];

const times = new Map(cases.map((c) => [c.name, []]));
// one warm-up each (fills the compile cache and the page cache), then interleaved timed runs
for (const c of cases) spawnSync(process.execPath, c.args, {stdio: 'ignore'});
for (let i = 0; i < runs; i++) {
  for (const c of cases) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, c.args, {stdio: 'ignore', env: {...process.env, NO_COLOR: '1'}});
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) {
      console.error(`${c.name} exited ${r.status}`);
      process.exit(1);
    }
    times.get(c.name).push(ms);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const m = Object.fromEntries([...times].map(([k, v]) => [k, median(v)]));
console.log(`node ${process.version}, ${runs} interleaved runs each, median wall time:`);
for (const c of cases) console.log(`  ${c.name.padEnd(16)} ${m[c.name].toFixed(1).padStart(7)} ms`);
const rv = m['june --version'] / m['floor --version'];
const rh = m['june --help'] / m['floor --help'];
console.log(`june/floor: --version ${rv.toFixed(2)}×, --help ${rh.toFixed(2)}× (goal ≤ 1.20×)`);
