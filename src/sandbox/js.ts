/**
 * JavaScript snippets (the agent's quick checks) in isolated-vm: a fresh V8 isolate per snippet
 * with a heap cap and a wall-clock limit per script, no Node APIs, no require, no I/O. Same verdict
 * rules as the Python sandbox: a test passes only when the host observed its script return without
 * throwing; nothing the snippet logs, returns or sets can make it so. `assert`, `assertEqual` and
 * `console.log` are installed by the harness as non-writable, non-configurable globals before the
 * program runs. Output is capped. isolated-vm is imported lazily (only this path needs it).
 */
import type {SuiteResult} from './types.js';

export interface JsSnippet {
  /** The program (defines functions, runs setup). */
  code: string;
  /** Each test is a script run after the program in the same context; it passes if it completes. */
  tests: string[];
  /** Heap cap of the isolate, MiB (default 64, minimum 8). */
  memoryMb?: number;
  /** Wall-clock limit of the program and of each test, ms (default 2000). */
  timeoutMs?: number;
  /** Console output kept, bytes (default 16 KiB). */
  outputBytes?: number;
  /** Keep running tests after a failure (default: stop at the first). */
  allTests?: boolean;
}

export interface JsVerdict {
  result: SuiteResult;
  output: string;
  outputBytes: number;
  wallMs: number;
}

const PRELUDE = `
(() => {
  const log = __june_log;
  const fmt = (v) => { try { return typeof v === 'string' ? v : JSON.stringify(v); } catch { return String(v); } };
  const same = (a, b) => { try { return JSON.stringify(a) === JSON.stringify(b) && typeof a === typeof b; } catch { return false; } };
  const fixed = (name, value) => Object.defineProperty(globalThis, name, {value, writable: false, configurable: false, enumerable: false});
  fixed('assert', function assert(cond, msg) { if (!cond) throw new Error('AssertionError' + (msg ? ': ' + msg : '')); });
  fixed('assertEqual', function assertEqual(a, b, msg) { if (!same(a, b)) throw new Error('AssertionError: ' + fmt(a) + ' !== ' + fmt(b) + (msg ? ' (' + msg + ')' : '')); });
  fixed('console', Object.freeze({log: (...a) => log(a.map(fmt).join(' ')), error: (...a) => log(a.map(fmt).join(' '))}));
  delete globalThis.__june_log;
})();
`;

function why(err: unknown): {reason: string; timeout: boolean} {
  const msg = err instanceof Error ? err.message : String(err);
  if (/timed out/i.test(msg)) return {reason: 'timeout', timeout: true};
  if (/memory limit|disposed/i.test(msg)) return {reason: 'killed: memory limit', timeout: false};
  return {reason: msg.split('\n')[0]!.slice(0, 200), timeout: false};
}

/** Runs a snippet and its tests in a fresh isolate; never throws for anything the snippet does. */
export async function runJsSnippet(s: JsSnippet): Promise<JsVerdict> {
  const ivm = (await import('isolated-vm')).default;
  const t0 = performance.now();
  const timeout = s.timeoutMs ?? 2000;
  const cap = s.outputBytes ?? 16 * 1024;
  let kept = '';
  let total = 0;
  const isolate = new ivm.Isolate({memoryLimit: Math.max(8, s.memoryMb ?? 64)});
  const n = s.tests.length;
  const failed: number[] = [];
  let run = 0;
  let reason: string | null = null;
  let timedOut = false;
  try {
    const context = await isolate.createContext();
    await context.global.set(
      '__june_log',
      new ivm.Callback((line: unknown) => {
        const text = `${String(line)}\n`;
        total += Buffer.byteLength(text);
        if (kept.length < cap) kept += text.slice(0, cap - kept.length);
      }),
    );
    await context.eval(PRELUDE, {timeout});
    try {
      await context.eval(s.code, {timeout, filename: 'program.js'});
    } catch (err) {
      const w = why(err);
      return {result: {status: w.timeout ? 'timeout' : 'fail', failedTests: [], testsRun: 0, testsTotal: n, reason: `program failed: ${w.reason}`}, output: kept, outputBytes: total, wallMs: performance.now() - t0};
    }
    for (let i = 0; i < n; i++) {
      if (isolate.isDisposed) break;
      try {
        await context.eval(s.tests[i]!, {timeout, filename: `test-${i}.js`});
        run++;
      } catch (err) {
        const w = why(err);
        run++;
        failed.push(i);
        reason ??= `test ${i}: ${w.reason}`;
        timedOut ||= w.timeout && failed.length === 1;
        if (!s.allTests) break;
      }
    }
  } finally {
    if (!isolate.isDisposed) isolate.dispose();
  }
  const pass = run === n && failed.length === 0;
  return {
    result: {status: pass ? 'pass' : timedOut ? 'timeout' : 'fail', failedTests: failed, testsRun: run, testsTotal: n, reason: pass ? null : (reason ?? `only ${run} of ${n} tests ran`)},
    output: kept,
    outputBytes: total,
    wallMs: performance.now() - t0,
  };
}
