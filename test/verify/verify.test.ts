/** The pure parts of june verify: requirements, the Node check (an old Node cannot run here), the verdict, tokens/s. */
import {describe, expect, it} from 'vitest';
import {nodeCheck, parseRequirements, tokensPerSecond, verdict} from '../../src/verify/verify.js';

describe('verify core', () => {
  it('parses --require lists, comma-separated or repeated', () => {
    expect(parseRequirements(['docker,sandbox', 'speech', 'docker'])).toEqual(['docker', 'sandbox', 'speech']);
    expect(parseRequirements(undefined)).toEqual([]);
    expect(() => parseRequirements(['docker,gpu'])).toThrow(/--require gpu/);
  });

  it('requires Node 22 or newer', () => {
    expect(nodeCheck('v24.1.0')).toMatchObject({ok: true, required: true, hint: null});
    expect(nodeCheck('v22.0.0').ok).toBe(true);
    const old = nodeCheck('v20.11.1');
    expect(old).toMatchObject({ok: false, required: true});
    expect(old.hint).toMatch(/Node\.js 24/);
  });

  it('passes only when every required check passes; failed optional checks only warn', () => {
    const c = (ok: boolean, required: boolean) => ({name: 'x', ok, required, detail: 'd', hint: ok ? null : 'h'});
    expect(verdict([c(true, true), c(false, false)])).toBe(true);
    expect(verdict([c(true, true), c(false, true)])).toBe(false);
    expect(verdict([])).toBe(true);
  });

  it('tokens/s counts the tokens after the first over the time after the first', () => {
    expect(tokensPerSecond(11, 100, 1100)).toBe(10);
    expect(tokensPerSecond(1, 50, 50)).toBe(20);
    expect(tokensPerSecond(0, 0, 0)).toBe(0);
  });
});

describe('verify speech check', () => {
  it('is its own check, required only when --require speech names it', async () => {
    const {speechCheck} = await import('../../src/verify/speech.js');
    expect(await speechCheck(false)).toMatchObject({name: 'speech', required: false});
    expect(await speechCheck(true)).toMatchObject({name: 'speech', required: true});
  });
});
