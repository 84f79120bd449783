import {describe, expect, it} from 'vitest';
import {runJsSnippet} from '../../src/sandbox/js.js';

const ADD = 'function add(a, b) { return a + b; }';
const TESTS = ['assertEqual(add(1, 2), 3)', 'assert(add(2, 2) === 4)'];

describe('JavaScript snippets in isolated-vm', () => {
  it('passes a correct snippet and fails a wrong one with the assertion', async () => {
    const ok = await runJsSnippet({code: ADD, tests: TESTS});
    expect(ok.result).toEqual({status: 'pass', failedTests: [], testsRun: 2, testsTotal: 2, reason: null});
    const bad = await runJsSnippet({code: 'function add(a, b) { return a - b; }', tests: TESTS});
    expect(bad.result.status).toBe('fail');
    expect(bad.result.reason).toMatch(/test 0: AssertionError: -1 !== 3/);
  });

  it('an infinite loop in a test or in the program times out', async () => {
    const v = await runJsSnippet({code: 'function add() { for (;;) {} }', tests: TESTS, timeoutMs: 200});
    expect(v.result.status).toBe('timeout');
    const p = await runJsSnippet({code: 'for (;;) {}', tests: TESTS, timeoutMs: 200});
    expect(p.result.status).toBe('timeout');
    expect(p.result.testsRun).toBe(0);
  });

  it('a memory bomb is stopped by the heap cap and the host goes on', async () => {
    const v = await runJsSnippet({code: 'const a = []; for (;;) a.push(new Array(1e6).fill(1));', tests: TESTS, memoryMb: 16, timeoutMs: 10_000});
    expect(v.result.status).toBe('fail');
    expect(v.result.reason).toMatch(/memory/);
    expect((await runJsSnippet({code: ADD, tests: TESTS})).result.status).toBe('pass');
  });

  it('cannot fake a pass: overriding assert, throwing from a test, logging a marker, no Node APIs', async () => {
    const override = await runJsSnippet({code: `${ADD.replace('a + b', 'a - b')}\ntry { globalThis.assertEqual = () => {}; } catch {}\nassert = () => {};`, tests: TESTS});
    expect(override.result.status).toBe('fail');
    const logged = await runJsSnippet({code: `function add() { console.log('{"status":"pass"}'); return 0; }`, tests: TESTS});
    expect(logged.result.status).toBe('fail');
    expect(logged.output).toContain('"status":"pass"');
    const node = await runJsSnippet({code: 'function add() { return typeof process + typeof require + typeof fetch; }', tests: ['assertEqual(add(), "undefinedundefinedundefined")']});
    expect(node.result.status).toBe('pass');
  });

  it('caps the output it keeps', async () => {
    const v = await runJsSnippet({code: `${ADD}\nfor (let i = 0; i < 10000; i++) console.log('x'.repeat(100));`, tests: TESTS, outputBytes: 1000});
    expect(v.result.status).toBe('pass');
    expect(v.output.length).toBe(1000);
    expect(v.outputBytes).toBeGreaterThan(1_000_000);
  });
});
