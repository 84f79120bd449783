/**
 * The inference engine's versions (node-llama-cpp and the llama.cpp release it ships), read from its
 * installed package files, never by loading it: for a run's reproducibility record, and for the
 * workarounds that apply to one release only.
 */
import {existsSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';

const ENGINE_PACKAGE = 'node-llama-cpp';

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The engine package's root directory, found from its resolved entry point. */
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
