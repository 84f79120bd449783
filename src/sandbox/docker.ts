/**
 * The Docker engine, reached through dockerode (which honours DOCKER_HOST, DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH, so a remote engine works unchanged). dockerode is imported only here, lazily,
 * so `june --help` never loads it. Engine errors become one clear JuneError: an engine that is not
 * running, or a socket this user may not open, is DOCKER_UNAVAILABLE, never "image missing".
 */
import type Dockerode from 'dockerode';
import {JuneError} from '../errors.js';

export type Docker = Dockerode;

/** Labels every june sandbox object carries. */
export const LABEL = 'june.sandbox';
export const LABEL_HASH = 'june.sandbox.hash';
export const LABEL_OWNER_PID = 'june.sandbox.owner-pid';
export const LABEL_OWNER_HOST = 'june.sandbox.owner-host';
/** Set on the coding agent's session containers (the only ones that mount a host path: the workspace). */
export const LABEL_SESSION = 'june.sandbox.session';

/**
 * The boundary every june container shares (scoring runners and the agent's session containers):
 * no network, every capability dropped, no-new-privileges, a read-only root with a small noexec
 * /tmp, pids/memory (no swap)/CPU limits, no core dumps, no logs, removed when it stops. Callers add
 * only what their role needs (the runner's three capabilities; the session's workspace mount).
 */
export function hardenedHostConfig(l: {tmpfsMb: number; pids: number; memoryBytes: number; cpus: number}): Dockerode.HostConfig {
  return {
    NetworkMode: 'none',
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    ReadonlyRootfs: true,
    Tmpfs: {'/tmp': `rw,nosuid,nodev,noexec,size=${l.tmpfsMb}m,mode=1777`},
    ShmSize: 16 * 1024 * 1024,
    PidsLimit: l.pids,
    Memory: l.memoryBytes,
    MemorySwap: l.memoryBytes,
    NanoCpus: Math.round(l.cpus * 1e9),
    Init: true,
    LogConfig: {Type: 'none', Config: {}},
    IpcMode: 'private',
    Ulimits: [{Name: 'core', Soft: 0, Hard: 0}],
    AutoRemove: true,
    Privileged: false,
  };
}

let cached: Docker | undefined;

export async function dockerClient(): Promise<Docker> {
  if (cached) return cached;
  const mod = await import('dockerode');
  const Ctor = mod.default;
  cached = new Ctor();
  return cached;
}

function where(): string {
  return process.env.DOCKER_HOST?.trim() || 'unix:///var/run/docker.sock';
}

/** Turns an engine error into the JuneError a user can act on. */
export function dockerError(err: unknown, doing: string): JuneError {
  if (err instanceof JuneError) return err;
  const e = err as {code?: string; statusCode?: number; message?: string; json?: {message?: string}};
  const msg = e.json?.message ?? e.message ?? String(err);
  if (e.code === 'EACCES' || e.code === 'EPERM')
    return new JuneError('DOCKER_UNAVAILABLE', `${doing}: permission denied opening the Docker socket (${where()})`, {
      hint: 'add your user to the docker group (then log in again), run as root, or point DOCKER_HOST at an engine you may use',
      cause: err,
    });
  if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EHOSTUNREACH' || e.code === 'ETIMEDOUT')
    return new JuneError('DOCKER_UNAVAILABLE', `${doing}: no Docker engine answers at ${where()} (${e.code})`, {
      hint: 'start it (`sudo systemctl start docker`, or `sudo dockerd &`) or set DOCKER_HOST to a running engine',
      cause: err,
    });
  return new JuneError('SANDBOX_FAILURE', `${doing}: Docker engine error: ${msg.trim()}`, {
    hint: 'see the engine log (journalctl -u docker) and rerun with --verbose',
    cause: err,
  });
}

/** Resolves when the engine answers; DOCKER_UNAVAILABLE otherwise. */
export async function pingDocker(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw dockerError(err, 'cannot reach the Docker engine');
  }
}

/** True when this pid is alive on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as {code?: string}).code === 'EPERM';
  }
}
