/**
 * The Python sandbox image: built by june itself, offline from a Debian mirror (debootstrap
 * --variant=minbase with full python3, trimmed, the runner inside, `docker import`), or with
 * `docker build` from the Dockerfile below on machines that can pull debian:bookworm-slim.
 * Tagged `june-sandbox:<content hash>`: the hash covers the recipe and every runner file's path and
 * bytes (src/sandbox/python, runner-files.ts), so a changed runner is a new image and an unchanged
 * one is never rebuilt. Labelled june.sandbox=1.
 */
import {createHash} from 'node:crypto';
import {constants as fsConstants} from 'node:fs';
import {access, appendFile, chmod, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {hostname, tmpdir} from 'node:os';
import {delimiter, join} from 'node:path';
import {JuneError} from '../errors.js';
import {type Docker, LABEL, LABEL_HASH, LABEL_OWNER_HOST, LABEL_OWNER_PID, dockerClient, dockerError, pingDocker, processAlive} from './docker.js';
import {RUNNER_ENTRY, runnerFiles} from './runner-files.js';

export const IMAGE_REPO = 'june-sandbox';
/** Where the runner's files go in the image (runner.py and june_sandbox/). */
export const RUNNER_HOME = '/opt/june';
export const RUNNER_PATH = `${RUNNER_HOME}/${RUNNER_ENTRY}`;
/** The command every sandbox container runs (python -I: no env, no user site; -B: no .pyc writes). */
export const RUNNER_CMD = ['/usr/bin/python3', '-I', '-B', RUNNER_PATH];

/** What the image is made of; any change here or in the runner gives a new tag. */
export const IMAGE_RECIPE = {
  recipe: 2,
  suite: 'bookworm',
  variant: 'minbase',
  include: ['python3'],
  trim: ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'usr/share/lintian', 'usr/share/bash-completion', 'var/cache/apt', 'var/cache/debconf', 'var/lib/apt/lists', 'var/log'],
  user: {name: 'sandbox', uid: 10001},
} as const;

export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

let hashMemo: string | null = null;

/** sha256 of the recipe, then each runner file's path and bytes in path order. */
export function imageHash(): string {
  if (hashMemo) return hashMemo;
  const h = createHash('sha256').update(JSON.stringify(IMAGE_RECIPE)).update('\0');
  for (const f of runnerFiles()) h.update(f.path).update('\0').update(f.bytes).update('\0');
  hashMemo = h.digest('hex');
  return hashMemo;
}

export function imageTag(hash = imageHash()): string {
  return `${IMAGE_REPO}:${hash.slice(0, 16)}`;
}

/** For machines with a registry: `june sandbox build --dockerfile` builds this with the runner beside it. */
export const DOCKERFILE = `FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 \\
 && rm -rf ${IMAGE_RECIPE.trim.map((p) => '/' + p + (p.startsWith('var/') ? '/*' : '')).join(' ')} \\
 && useradd --uid ${IMAGE_RECIPE.user.uid} --home-dir /tmp --no-create-home --shell /usr/sbin/nologin ${IMAGE_RECIPE.user.name}
COPY june/ ${RUNNER_HOME}/
RUN chmod -R u=rwX,go=rX ${RUNNER_HOME}
ENV LANG=C.UTF-8
CMD ${JSON.stringify(RUNNER_CMD)}
`;

export interface ImageStatus {
  present: boolean;
  tag: string;
  hash: string;
  sizeBytes: number | null;
  createdAt: string | null;
  /** Older june sandbox images still in the engine (`june sandbox prune` removes them). */
  staleImages: string[];
}

/** Is the current sandbox image in the engine? For `june verify` and `june sandbox status`. */
export async function sandboxImageStatus(docker?: Docker): Promise<ImageStatus> {
  const d = docker ?? (await dockerClient());
  await pingDocker(d);
  const hash = imageHash();
  const tag = imageTag(hash);
  let images;
  try {
    images = await d.listImages({filters: {label: [`${LABEL}=1`]}});
  } catch (err) {
    throw dockerError(err, 'cannot list images');
  }
  const mine = images.find((i) => (i.RepoTags ?? []).includes(tag));
  const stale = images.filter((i) => i !== mine).flatMap((i) => (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'));
  return {
    present: Boolean(mine),
    tag,
    hash,
    sizeBytes: mine ? mine.Size : null,
    createdAt: mine ? new Date(mine.Created * 1000).toISOString() : null,
    staleImages: stale,
  };
}

export interface BuildOptions {
  /** Rebuild even when the tag exists. */
  force?: boolean;
  /** `docker build` from DOCKERFILE instead of debootstrap (needs the debian image or a registry). */
  dockerfile?: boolean;
  /** Debian mirror for debootstrap (env JUNE_DEBIAN_MIRROR, default deb.debian.org). */
  mirror?: string;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BuildResult {
  tag: string;
  hash: string;
  built: boolean;
  method: 'debootstrap' | 'dockerfile' | 'cached';
  sizeBytes: number | null;
  seconds: number;
}

async function onPath(cmd: string): Promise<string | null> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, cmd);
    try {
      await access(p, fsConstants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

/** Builds the sandbox image unless the current tag is already there. */
export async function buildSandboxImage(opts: BuildOptions = {}): Promise<BuildResult> {
  const t0 = performance.now();
  const log = opts.onProgress ?? (() => {});
  const docker = await dockerClient();
  await pingDocker(docker);
  const hash = imageHash();
  const tag = imageTag(hash);
  if (!opts.force) {
    const st = await sandboxImageStatus(docker);
    if (st.present) return {tag, hash, built: false, method: 'cached', sizeBytes: st.sizeBytes, seconds: (performance.now() - t0) / 1000};
  }
  if (opts.dockerfile) {
    await buildWithDockerfile(docker, tag, hash, log, opts.signal);
  } else {
    await buildWithDebootstrap(docker, tag, hash, opts.mirror ?? process.env.JUNE_DEBIAN_MIRROR ?? DEFAULT_DEBIAN_MIRROR, log, opts.signal);
  }
  const st = await sandboxImageStatus(docker);
  if (!st.present) throw new JuneError('SANDBOX_BUILD_FAILED', `the engine does not list ${tag} after the build`, {hint: 'rerun with --verbose'});
  return {tag, hash, built: true, method: opts.dockerfile ? 'dockerfile' : 'debootstrap', sizeBytes: st.sizeBytes, seconds: (performance.now() - t0) / 1000};
}

async function buildWithDebootstrap(docker: Docker, tag: string, hash: string, mirror: string, log: (l: string) => void, signal?: AbortSignal): Promise<void> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    throw new JuneError('SANDBOX_BUILD_FAILED', 'building the sandbox image needs root (debootstrap creates device nodes and root-owned files)', {
      hint: 'run `sudo june sandbox build` once, or `june sandbox build --dockerfile` on a machine that can pull debian:bookworm-slim',
    });
  const debootstrap = await onPath('debootstrap');
  if (!debootstrap)
    throw new JuneError('SANDBOX_BUILD_FAILED', 'debootstrap is not installed', {
      hint: 'install it (`sudo apt-get install debootstrap`), or use `june sandbox build --dockerfile` where a registry is reachable',
    });
  const {execa} = await import('execa');
  const root = await mkdtemp(join(tmpdir(), 'june-rootfs-'));
  try {
    log(`debootstrap ${IMAGE_RECIPE.variant} ${IMAGE_RECIPE.suite} + ${IMAGE_RECIPE.include.join(',')} from ${mirror} (about 2-3 minutes)`);
    const proc = execa(debootstrap, [`--variant=${IMAGE_RECIPE.variant}`, `--include=${IMAGE_RECIPE.include.join(',')}`, IMAGE_RECIPE.suite, root, mirror], {
      reject: false,
      all: true,
      cancelSignal: signal,
      env: {DEBIAN_FRONTEND: 'noninteractive'},
    });
    let tail: string[] = [];
    for await (const line of proc.iterable({from: 'all'})) {
      const l = String(line);
      tail = [...tail.slice(-9), l];
      if (/^I: (Retriev|Validat|Extract|Install|Configur|Unpack|Base system)/.test(l)) log(l.replace(/^I: /, ''));
    }
    const r = await proc;
    if (signal?.aborted) throw signal.reason;
    if (r.exitCode !== 0)
      throw new JuneError('SANDBOX_BUILD_FAILED', `debootstrap failed (exit ${String(r.exitCode)}): ${tail.slice(-3).join(' | ')}`, {
        hint: `check that ${mirror} is reachable (set JUNE_DEBIAN_MIRROR to a closer mirror) and that ${tmpdir()} has 400 MB free`,
      });
    await finishRootfs(root, log);
    await importRootfs(docker, root, tag, hash, log, signal);
  } finally {
    await rm(root, {recursive: true, force: true});
  }
}

/** Trims a debootstrapped root and adds the sandbox user and the runner. */
export async function finishRootfs(root: string, log: (l: string) => void = () => {}): Promise<void> {
  log('trimming docs, locales and caches; adding the sandbox user and the runner');
  for (const p of IMAGE_RECIPE.trim) {
    await rm(join(root, p), {recursive: true, force: true});
    if (p.startsWith('var/')) await mkdir(join(root, p), {recursive: true});
  }
  const u = IMAGE_RECIPE.user;
  await appendFile(join(root, 'etc/passwd'), `${u.name}:x:${u.uid}:${u.uid}:june sandbox:/tmp:/usr/sbin/nologin\n`);
  await appendFile(join(root, 'etc/group'), `${u.name}:x:${u.uid}:\n`);
  await writeRunnerFiles(join(root, RUNNER_HOME.slice(1)));
}

/** The runner's files under dir (directories 0755, files 0644, whatever the umask); their relative paths. */
async function writeRunnerFiles(dir: string): Promise<string[]> {
  const files = runnerFiles();
  const dirs = new Set(['', ...files.map((f) => f.path.split('/').slice(0, -1).join('/'))]);
  for (const d of [...dirs].sort()) {
    await mkdir(join(dir, d), {recursive: true});
    await chmod(join(dir, d), 0o755);
  }
  for (const f of files) {
    await writeFile(join(dir, f.path), f.bytes);
    await chmod(join(dir, f.path), 0o644);
  }
  return files.map((f) => f.path);
}

/** `docker import` of a root directory (tar streamed from disk), labelled and tagged. */
export async function importRootfs(docker: Docker, root: string, tag: string, hash: string, log: (l: string) => void = () => {}, signal?: AbortSignal): Promise<void> {
  const {execa} = await import('execa');
  log(`importing into the engine as ${tag}`);
  const tar = execa('tar', ['--numeric-owner', '-C', root, '-c', '.'], {buffer: false, cancelSignal: signal, stdout: 'pipe'});
  if (!tar.stdout) throw new JuneError('SANDBOX_BUILD_FAILED', 'tar gave no output stream');
  const [repo, tg] = tag.split(':') as [string, string];
  const changes = [`LABEL ${LABEL}=1`, `LABEL ${LABEL_HASH}=${hash}`, 'ENV LANG=C.UTF-8', `CMD ${JSON.stringify(RUNNER_CMD)}`];
  try {
    const out = await docker.importImage(tar.stdout, {repo, tag: tg, changes});
    await followProgress(docker, out);
  } catch (err) {
    tar.kill();
    throw err instanceof JuneError ? err : new JuneError('SANDBOX_BUILD_FAILED', `docker import failed: ${(err as Error).message}`, {cause: err});
  }
  const tr = await tar.catch((e: unknown) => e as {exitCode?: number});
  if ((tr as {exitCode?: number}).exitCode) throw new JuneError('SANDBOX_BUILD_FAILED', `tar of the root filesystem failed (exit ${String((tr as {exitCode?: number}).exitCode)})`);
}

async function buildWithDockerfile(docker: Docker, tag: string, hash: string, log: (l: string) => void, signal?: AbortSignal): Promise<void> {
  const ctx = await mkdtemp(join(tmpdir(), 'june-sandbox-ctx-'));
  try {
    await writeFile(join(ctx, 'Dockerfile'), DOCKERFILE);
    const files = await writeRunnerFiles(join(ctx, 'june'));
    log(`docker build ${tag} (FROM debian:bookworm-slim)`);
    let out: NodeJS.ReadableStream;
    try {
      out = await docker.buildImage({context: ctx, src: ['Dockerfile', ...files.map((f) => `june/${f}`)]}, {t: tag, labels: {[LABEL]: '1', [LABEL_HASH]: hash}, abortSignal: signal} as object);
    } catch (err) {
      throw dockerError(err, 'docker build');
    }
    await followProgress(docker, out, (e) => {
      const s = (e as {stream?: string}).stream?.trim();
      if (s) log(s);
    });
  } finally {
    await rm(ctx, {recursive: true, force: true});
  }
}

function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onEvent?: (e: object) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: Array<{error?: string; errorDetail?: {message?: string}}>) => {
        const bad = err ?? events.find((e) => e.error);
        if (bad) reject(new JuneError('SANDBOX_BUILD_FAILED', `the engine refused the image: ${bad instanceof Error ? bad.message : (bad.error ?? 'unknown error')}`));
        else resolve();
      },
      onEvent,
    );
  });
}

export interface PruneResult {
  containersRemoved: string[];
  imagesRemoved: string[];
}

/**
 * Removes june sandbox containers whose owner process is gone (all of them with `all`), and june
 * sandbox images other than the current one.
 */
export async function pruneSandbox(opts: {all?: boolean; images?: boolean; docker?: Docker} = {}): Promise<PruneResult> {
  const docker = opts.docker ?? (await dockerClient());
  await pingDocker(docker);
  const containersRemoved = await reapContainers(docker, opts.all ?? false);
  const imagesRemoved: string[] = [];
  if (opts.images !== false) {
    const st = await sandboxImageStatus(docker);
    for (const t of st.staleImages) {
      try {
        await docker.getImage(t).remove({force: false});
        imagesRemoved.push(t);
      } catch {
        // in use by a container of another june process: kept
      }
    }
  }
  return {containersRemoved, imagesRemoved};
}

/** Removes orphaned sandbox containers (owner dead on this host), or every one with `all`. */
export async function reapContainers(docker: Docker, all: boolean): Promise<string[]> {
  let list;
  try {
    list = await docker.listContainers({all: true, filters: {label: [`${LABEL}=1`]}});
  } catch (err) {
    throw dockerError(err, 'cannot list containers');
  }
  const removed: string[] = [];
  const me = hostname();
  for (const c of list) {
    const pid = Number(c.Labels?.[LABEL_OWNER_PID]);
    const host = c.Labels?.[LABEL_OWNER_HOST];
    const orphan = host === me && (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid));
    if (!all && !orphan) continue;
    try {
      await docker.getContainer(c.Id).remove({force: true});
      removed.push(c.Id.slice(0, 12));
    } catch {
      // already gone
    }
  }
  return removed;
}

/** Every june sandbox container in the engine, with whether its owner process is gone. */
export async function sandboxContainers(docker?: Docker): Promise<Array<{id: string; state: string; ownerPid: number | null; orphan: boolean}>> {
  const d = docker ?? (await dockerClient());
  await pingDocker(d);
  let list;
  try {
    list = await d.listContainers({all: true, filters: {label: [`${LABEL}=1`]}});
  } catch (err) {
    throw dockerError(err, 'cannot list containers');
  }
  const me = hostname();
  return list.map((c) => {
    const pid = Number(c.Labels?.[LABEL_OWNER_PID]);
    const ownerPid = Number.isInteger(pid) && pid > 0 ? pid : null;
    return {id: c.Id.slice(0, 12), state: c.State, ownerPid, orphan: c.Labels?.[LABEL_OWNER_HOST] === me && (ownerPid === null || !processAlive(ownerPid))};
  });
}
