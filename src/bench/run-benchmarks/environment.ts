/**
 * The machine and software a run used, for its reproducibility record: june's version, CPU, memory
 * (the engine's versions are src/runtime/engine-version.ts).
 */
import {readFileSync} from 'node:fs';
import {cpus, platform, release, totalmem, arch, availableParallelism} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

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

export function machine(): {platform: string; cpu: string; cpuCount: number; memoryBytes: number} {
  const c = cpus();
  return {
    platform: `${platform()} ${release()} ${arch()}`,
    cpu: c[0]?.model.trim() ?? 'unknown',
    cpuCount: availableParallelism(),
    memoryBytes: totalmem(),
  };
}
