/**
 * Typed errors and the one table that maps them to exit codes.
 *
 * Every failure june reports to a user is a JuneError: a stable code, a one-line message and a hint
 * that says what to do next. The CLI prints exactly one line for it (or a JSON object under --json)
 * and exits with the code from EXIT_CODES below.
 */

/** Exit codes of the june CLI (README "Exit codes"). */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  gateRegression: 3,
  harness: 4,
  agentStopped: 5,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every error code june raises, and the exit code it maps to. */
export const EXIT_CODES = {
  // usage
  USAGE: EXIT.usage,
  // generic failures
  INTERNAL: EXIT.error,
  CONFIG_INVALID: EXIT.error,
  FILE_NOT_FOUND: EXIT.error,
  BAD_INPUT: EXIT.error,
  NOT_WRITABLE: EXIT.error,
  DISK_FULL: EXIT.error,
  NODE_TOO_OLD: EXIT.error,
  // models
  MODEL_UNKNOWN: EXIT.error,
  MODEL_NOT_FOUND: EXIT.error,
  MODEL_LOAD_FAILED: EXIT.error,
  GGUF_CORRUPT: EXIT.error,
  MODEL_TOO_LARGE: EXIT.error,
  GPU_UNAVAILABLE: EXIT.error,
  INFERENCE_FAILED: EXIT.error,
  // downloads
  DOWNLOAD_FAILED: EXIT.error,
  HTTP_ERROR: EXIT.error,
  CHECKSUM_MISMATCH: EXIT.error,
  // endpoints
  ENDPOINT_UNREACHABLE: EXIT.error,
  ENDPOINT_ERROR: EXIT.error,
  ENDPOINT_BAD_RESPONSE: EXIT.error,
  TIMEOUT: EXIT.error,
  // checks
  CHECK_FAILED: EXIT.error,
  // datasets and runs
  DATASET_UNKNOWN: EXIT.error,
  DATASET_INVALID: EXIT.error,
  TASK_UNKNOWN: EXIT.error,
  RUN_NOT_FOUND: EXIT.error,
  // voice: bad audio, speech engines
  AUDIO_INVALID: EXIT.error,
  AUDIO_UNSUPPORTED: EXIT.error,
  AUDIO_SILENT: EXIT.error,
  AUDIO_TOO_LONG: EXIT.error,
  NO_SPEECH: EXIT.error,
  ENGINE_MISSING: EXIT.error,
  ENGINE_FAILED: EXIT.error,
  // sandbox and harness
  DOCKER_UNAVAILABLE: EXIT.harness,
  SANDBOX_IMAGE_MISSING: EXIT.harness,
  SANDBOX_BUILD_FAILED: EXIT.harness,
  SANDBOX_FAILURE: EXIT.harness,
  HARNESS_FAILURE: EXIT.harness,
  // gate: a regression is 3; a gate that cannot judge (bad or incomparable baseline) is a harness failure, 4
  GATE_REGRESSION: EXIT.gateRegression,
  BASELINE_INVALID: EXIT.harness,
  BASELINE_MISMATCH: EXIT.harness,
  // the coding agent
  SESSION_NOT_FOUND: EXIT.error,
  WORKSPACE_INVALID: EXIT.error,
  CONTEXT_OVERFLOW: EXIT.error,
  /** A budget (steps, tokens, time), a guard (loop, invalid calls) or checks still failing ended the turn. */
  AGENT_STOPPED: EXIT.agentStopped,
  // Ctrl-C
  INTERRUPTED: EXIT.interrupted,
} as const satisfies Record<string, ExitCode>;

export type JuneErrorCode = keyof typeof EXIT_CODES;

export interface JuneErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class JuneError extends Error {
  readonly code: JuneErrorCode;
  readonly hint: string | undefined;

  constructor(code: JuneErrorCode, message: string, options: JuneErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'JuneError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): ExitCode {
    return EXIT_CODES[this.code];
  }

  toJSON(): JuneErrorJson['error'] {
    return {code: this.code, message: this.message, hint: this.hint ?? null};
  }
}

export interface JuneErrorJson {
  error: {code: string; message: string; hint: string | null};
}

export function isJuneError(err: unknown): err is JuneError {
  return err instanceof JuneError;
}

/** True for the errors an AbortSignal produces (fetch, timers, node-llama-cpp, our own). */
export function isAbortError(err: unknown): boolean {
  if (err instanceof JuneError) return err.code === 'INTERRUPTED';
  if (!(err instanceof Error)) return false;
  return err.name === 'AbortError' || (err as {code?: unknown}).code === 'ABORT_ERR';
}

/** Node's fs error codes mapped to june's, with a message that names the path. */
export function fromFsError(err: unknown, path: string, doing: string): JuneError {
  const code = (err as {code?: unknown}).code;
  if (code === 'ENOENT')
    return new JuneError('FILE_NOT_FOUND', `${doing}: ${path} does not exist`, {
      hint: 'check the path',
      cause: err,
    });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new JuneError('NOT_WRITABLE', `${doing}: ${path} is not writable (${String(code)})`, {
      hint: 'choose a writable location (JUNE_HOME) or fix the permissions',
      cause: err,
    });
  if (code === 'ENOTDIR')
    return new JuneError('NOT_WRITABLE', `${doing}: a parent of ${path} is a file, not a directory`, {
      hint: 'choose a writable location (JUNE_HOME) or remove the file in the way',
      cause: err,
    });
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new JuneError('DISK_FULL', `${doing}: no space left on the device holding ${path}`, {
      hint: 'free some disk space or point JUNE_HOME at a larger disk',
      cause: err,
    });
  if (code === 'EISDIR')
    return new JuneError('BAD_INPUT', `${doing}: ${path} is a directory`, {hint: 'pass a file', cause: err});
  return new JuneError('INTERNAL', `${doing}: ${path}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}

/** Turns anything thrown into a JuneError, keeping JuneErrors as they are. */
export function toJuneError(err: unknown): JuneError {
  if (err instanceof JuneError) return err;
  if (isAbortError(err))
    return new JuneError('INTERRUPTED', 'interrupted', {hint: 'finished work was kept; rerun to continue', cause: err});
  if (err instanceof Error) {
    const oclif = (err as {oclif?: {exit?: number}}).oclif;
    // oclif's parser errors (unknown flag, missing argument, bad option value) are usage errors
    if (oclif?.exit === 2 || /Nonexistent flag|Unexpected argument|Missing required|Expected --|Parsing --/i.test(err.message)) {
      return new JuneError('USAGE', usageMessage(err.message), {hint: 'see `june <command> --help`', cause: err});
    }
    return new JuneError('INTERNAL', err.message, {
      hint: 'rerun with --verbose for the stack trace, and report it if it persists',
      cause: err,
    });
  }
  return new JuneError('INTERNAL', String(err));
}

/**
 * oclif's parser messages span lines ("Missing 1 required arg:\nsamples  Samples JSONL file…\nSee more
 * help with --help"): keep what names the problem, on one line.
 */
function usageMessage(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^See more help/i.test(l));
  const [first = message.trim(), ...rest] = lines;
  // a flag whose value did not parse: "Parsing --threads\n\tExpected an integer but received: abc" →
  // "--threads: expected an integer but received: abc" (oclif puts the reason on the next line)
  const parsing = /^Parsing (--\S+)$/.exec(first);
  if (parsing && rest.length > 0) {
    const reason = rest.join(' ');
    return `${parsing[1]}: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`;
  }
  if (!first.endsWith(':') || rest.length === 0) return first;
  // "Missing 1 required arg:" → "Missing 1 required arg: samples (Samples JSONL file …)"
  const named = rest.map((l) => {
    const m = /^(\S+)\s{2,}(.*)$/.exec(l);
    return m ? `${m[1]} (${m[2]!.replace(/\.$/, '')})` : l;
  });
  return `${first} ${named.join(', ')}`;
}

/** The one line printed for an error in human mode. */
export function formatErrorLine(err: JuneError): string {
  const hint = err.hint ? ` Hint: ${err.hint}` : '';
  const msg = err.message.replace(/\s*\n\s*/g, ' ');
  return `Error (${err.code}): ${msg}.${hint}`.replace(/\.\./g, '.');
}
