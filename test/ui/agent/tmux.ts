/**
 * A real terminal for the TUI's tests: a program run in a tmux pane of a given size, driven with
 * send-keys and read with capture-pane (the scrollback too). Each terminal has its own tmux server
 * (-L), so tests never see each other's sessions or the user's.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export function requireTmux(): void {
  try {
    execFileSync('tmux', ['-V'], {stdio: 'pipe'});
  } catch {
    throw new Error('tmux is not installed: the TUI tests drive a real terminal (apt-get install tmux)');
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface Terminal {
  /** tmux key names or literal text (send-keys -l for text). */
  keys(...keys: string[]): void;
  /** Types text literally, then waits a moment so it arrives as its own keystrokes. */
  type(text: string): Promise<void>;
  /** Types a line and presses Enter. */
  line(text: string): Promise<void>;
  /** The visible screen. */
  screen(): string;
  /** Scrollback and screen. */
  all(): string;
  waitFor(test: RegExp | ((all: string) => boolean), timeoutMs?: number, what?: string): Promise<string>;
  /** The program's exit status once it has exited (null while it runs). */
  exitCode(): number | null;
  waitExit(timeoutMs?: number): Promise<number>;
  close(): void;
}

export function openTerminal(command: string[], opts: {cols?: number; rows?: number; env?: Record<string, string>; cwd?: string} = {}): Terminal {
  const dir = mkdtempSync(join(tmpdir(), 'june-tmux-'));
  const socket = `june-tui-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const exitFile = join(dir, 'exit');
  const env = Object.entries({TERM: 'xterm-256color', ...opts.env})
    .map(([k, v]) => `${k}=${shellQuote(v)}`)
    .join(' ');
  const cmd = command.map(shellQuote).join(' ');
  // the pane stays after the program exits, so its last screen can still be read
  const script = `cd ${shellQuote(opts.cwd ?? process.cwd())} && env ${env} ${cmd}; echo $? > ${shellQuote(exitFile)}; sleep 3600`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
  tmux('new-session', '-d', '-s', 't', '-x', String(opts.cols ?? 100), '-y', String(opts.rows ?? 40), 'sh', '-c', script);
  tmux('set-option', '-g', 'history-limit', '50000');
  const capture = (scrollback: boolean) => tmux('capture-pane', '-p', '-J', '-t', 't', ...(scrollback ? ['-S', '-'] : []));
  const t: Terminal = {
    keys: (...keys) => {
      tmux('send-keys', '-t', 't', ...keys);
    },
    type: async (text) => {
      tmux('send-keys', '-t', 't', '-l', text);
      await sleep(150);
    },
    line: async (text) => {
      await t.type(text);
      tmux('send-keys', '-t', 't', 'Enter');
      await sleep(50);
    },
    screen: () => capture(false),
    all: () => capture(true),
    waitFor: async (test, timeoutMs = 20_000, what) => {
      const deadline = Date.now() + timeoutMs;
      const ok = typeof test === 'function' ? test : (s: string) => test.test(s);
      for (;;) {
        const s = capture(true);
        if (ok(s)) return s;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what ?? String(test)}; the terminal shows:\n${s.split('\n').slice(-60).join('\n')}`);
        await sleep(100);
      }
    },
    exitCode: () => {
      if (!existsSync(exitFile)) return null;
      const s = readFileSync(exitFile, 'utf8').trim();
      return s === '' ? null : Number(s);
    },
    waitExit: async (timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const c = t.exitCode();
        if (c !== null) return c;
        if (Date.now() > deadline) throw new Error(`the program did not exit; the terminal shows:\n${capture(false)}`);
        await sleep(100);
      }
    },
    close: () => {
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
      rmSync(dir, {recursive: true, force: true});
    },
  };
  return t;
}
