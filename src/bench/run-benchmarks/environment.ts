/**
 * The machine and software a run used, for its reproducibility record: june, Node, the inference
 * engine's versions (read from its installed package files, never by loading it), CPU, memory, GPU.
 */
import {existsSync, readFileSync} from 'node:fs';
import {cpus, platform, release, totalmem, arch, availableParallelism} from 'node:os';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const ENGINE_PACKAGE = ['node', 'llama', 'cpp'].join('-');

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** june's own version, from its package.json. */
export function juneVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = readJson(join(dir, 'package.json'));
    if (pkg && pkg.name === 'june' && typeof pkg.version === 'string') return pkg.version;
    dir = dirname(dir);
  }
  return 'unknown';
}

/** The inference engine package's root directory, found from its resolved entry point. */
function enginePackageDir(): string | null {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve(ENGINE_PACKAGE));
    for (let i = 0; i < 6; i++) {
      const pkg = readJson(join(dir, 'package.json'));
      if (pkg && pkg.name === ENGINE_PACKAGE) return dir;
      dir = dirname(dir);
    }
  } catch {
    // not installed
  }
  return null;
}

export function engineVersions(): {nodeLlamaCpp: string | null; llamaCpp: string | null} {
  const dir = enginePackageDir();
  if (!dir) return {nodeLlamaCpp: null, llamaCpp: null};
  const pkg = readJson(join(dir, 'package.json'));
  const info = existsSync(join(dir, 'llama', 'llama.cpp.info.json')) ? readJson(join(dir, 'llama', 'llama.cpp.info.json')) : null;
  return {
    nodeLlamaCpp: typeof pkg?.version === 'string' ? pkg.version : null,
    llamaCpp: typeof info?.tag === 'string' ? `${String(info.llamaCppGithubRepo ?? 'llama.cpp')}@${info.tag}` : null,
  };
}

export function machine(): {platform: string; cpu: string; cpuCount: number; memoryBytes: number} {
  const c = cpus();
  return {
    platform: `${platform()} ${release()} ${arch()}`,
    cpu: c[0]?.model.trim() ?? 'unknown',
    cpuCount: availableParallelism(),
    memoryBytes: totalmem(),
  };
}
