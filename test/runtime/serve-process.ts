/** Runs the real `june serve` CLI (bin/run.js) on a free port and waits for its {url, model} line. */
import {join} from 'node:path';
import {type ResultPromise, execa} from 'execa';
import {z} from 'zod';
import {repoRoot} from '../helpers/env.js';

export interface Served {
  proc: ResultPromise;
  url: string;
  model: string;
}

/** Starts `june serve --json --port 0` and waits for its {url, model} line. One thread: on a shared, oversubscribed 2-core machine llama.cpp's thread barriers make 2 threads ~100x slower for the tiny model. */
export async function startJuneServe(args: string[], home: string): Promise<Served> {
  const proc = execa(process.execPath, [join(repoRoot, 'bin', 'run.js'), 'serve', '--json', '--port', '0', '--gpu', 'false', '--threads', '1', ...args], {
    env: {JUNE_HOME: home, NO_COLOR: '1'},
    reject: false,
    buffer: false,
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    void proc.then((r) => reject(new Error(`june serve exited ${r.exitCode} before listening: ${err}`)));
  });
  const parsed = z.object({url: z.string(), model: z.string()}).strict().parse(JSON.parse(line));
  return {proc, ...parsed};
}

