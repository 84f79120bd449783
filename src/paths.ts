/**
 * Where june keeps its files. `JUNE_HOME`, when set, is the root of everything; otherwise the XDG
 * base directories are used (config under $XDG_CONFIG_HOME/june, data under $XDG_DATA_HOME/june).
 */
import {homedir} from 'node:os';
import {join, resolve} from 'node:path';

export interface JunePaths {
  /** JUNE_HOME when set, else null. */
  home: string | null;
  configFile: string;
  dataDir: string;
  modelsDir: string;
  datasetsDir: string;
  runsDir: string;
  /** Agent session transcripts (sessions/<id>.jsonl). */
  sessionsDir: string;
  benchDir: string;
  cacheDir: string;
  /** The lock record of downloaded files. */
  modelsLock: string;
  /** `june voice-turn`: one fsynced JSONL line per turn. */
  voiceTurnsFile: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

export function resolvePaths(env: Env = process.env): JunePaths {
  const juneHome = nonEmpty(env.JUNE_HOME);
  if (juneHome) {
    const home = resolve(juneHome);
    return layout(home, join(home, 'config.json'), home, join(home, 'cache'));
  }
  const userHome = nonEmpty(env.HOME) ?? homedir();
  const configHome = nonEmpty(env.XDG_CONFIG_HOME) ?? join(userHome, '.config');
  const dataHome = nonEmpty(env.XDG_DATA_HOME) ?? join(userHome, '.local', 'share');
  const cacheHome = nonEmpty(env.XDG_CACHE_HOME) ?? join(userHome, '.cache');
  return layout(null, join(configHome, 'june', 'config.json'), join(dataHome, 'june'), join(cacheHome, 'june'));
}

function layout(home: string | null, configFile: string, dataDir: string, cacheDir: string): JunePaths {
  const modelsDir = join(dataDir, 'models');
  return {
    home,
    configFile,
    dataDir,
    modelsDir,
    datasetsDir: join(dataDir, 'datasets'),
    runsDir: join(dataDir, 'runs'),
    sessionsDir: join(dataDir, 'sessions'),
    benchDir: join(dataDir, 'bench'),
    cacheDir,
    modelsLock: join(modelsDir, 'june-lock.json'),
    voiceTurnsFile: join(dataDir, 'voice', 'turns.jsonl'),
  };
}

/** The mirror root from a flag or JUNE_MIRROR: a directory or an http(s) URL holding models/ and datasets/. */
export function resolveMirror(flag: string | undefined, env: Env = process.env): string | undefined {
  const m = nonEmpty(flag) ?? nonEmpty(env.JUNE_MIRROR);
  if (!m) return undefined;
  return /^https?:\/\//i.test(m) ? m.replace(/\/+$/, '') : resolve(m);
}
