import {describe, expect, it} from 'vitest';
import {EXIT, EXIT_CODES, JuneError, formatErrorLine, fromFsError, toJuneError} from '../src/errors.js';

describe('JuneError', () => {
  it('maps codes to the exit-code table of the guide', () => {
    expect(new JuneError('USAGE', 'x').exitCode).toBe(2);
    expect(new JuneError('GATE_REGRESSION', 'x').exitCode).toBe(3);
    expect(new JuneError('SANDBOX_FAILURE', 'x').exitCode).toBe(4);
    expect(new JuneError('HARNESS_FAILURE', 'x').exitCode).toBe(4);
    expect(new JuneError('INTERRUPTED', 'x').exitCode).toBe(130);
    expect(new JuneError('MODEL_UNKNOWN', 'x').exitCode).toBe(1);
    for (const code of Object.values(EXIT_CODES)) expect(Object.values(EXIT)).toContain(code);
  });

  it('formats one line with the hint', () => {
    const line = formatErrorLine(new JuneError('FILE_NOT_FOUND', 'no such file\n x.jsonl', {hint: 'check the path'}));
    expect(line).toBe('Error (FILE_NOT_FOUND): no such file x.jsonl. Hint: check the path');
    expect(line).not.toContain('\n');
  });

  it('serialises to the --json error shape', () => {
    expect(new JuneError('BAD_INPUT', 'bad', {hint: 'h'}).toJSON()).toEqual({code: 'BAD_INPUT', message: 'bad', hint: 'h'});
    expect(new JuneError('BAD_INPUT', 'bad').toJSON()).toEqual({code: 'BAD_INPUT', message: 'bad', hint: null});
  });

  it('turns fs errors into typed errors naming the path', () => {
    const enoent = Object.assign(new Error('x'), {code: 'ENOENT'});
    expect(fromFsError(enoent, '/a/b', 'reading samples').code).toBe('FILE_NOT_FOUND');
    expect(fromFsError(Object.assign(new Error('x'), {code: 'ENOSPC'}), '/a', 'writing').code).toBe('DISK_FULL');
    expect(fromFsError(Object.assign(new Error('x'), {code: 'EACCES'}), '/a', 'writing').message).toContain('/a');
  });

  it('classifies aborts and oclif parse errors', () => {
    const abort = Object.assign(new Error('aborted'), {name: 'AbortError'});
    expect(toJuneError(abort).code).toBe('INTERRUPTED');
    const parse = Object.assign(new Error('Nonexistent flag: --x\nSee more help'), {oclif: {exit: 2}});
    const je = toJuneError(parse);
    expect(je.code).toBe('USAGE');
    expect(je.message).toBe('Nonexistent flag: --x');
    expect(toJuneError(new TypeError('boom')).code).toBe('INTERNAL');
    const missing = Object.assign(new Error('Missing 1 required arg:\nsamples  Samples JSONL file.\nSee more help with --help'), {oclif: {exit: 2}});
    expect(toJuneError(missing).message).toBe('Missing 1 required arg: samples (Samples JSONL file)');
    // oclif's flag parser puts the reason on the line after "Parsing --flag": keep it
    const badValue = Object.assign(new Error('Parsing --threads \n\tExpected an integer but received: abc\nSee more help with --help'), {oclif: {exit: 2}});
    expect(toJuneError(badValue).message).toBe('--threads: expected an integer but received: abc');
    const custom = new Error('Parsing --min-time-limit \n\tExpected a positive number but received: x\nSee more help with --help');
    expect(toJuneError(custom)).toMatchObject({code: 'USAGE', message: '--min-time-limit: expected a positive number but received: x'});
  });
});
