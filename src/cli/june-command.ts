/**
 * The base class of every june command: --json (oclif's enableJsonFlag) and --verbose, one error
 * line (or a JSON error object) with the exit code from src/errors.ts, Ctrl-C → 130, and helpers
 * for the things every command needs (paths, config, whether progress may be drawn).
 */
import {Command, Flags} from '@oclif/core';
import {type JuneConfig, loadConfig} from '../config.js';
import {EXIT, type JuneErrorJson, JuneError, formatErrorLine, toJuneError} from '../errors.js';
import {type JunePaths, resolvePaths} from '../paths.js';

export abstract class JuneCommand<T> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    verbose: Flags.boolean({
      description: 'Print stack traces and extra detail on errors.',
      helpGroup: 'GLOBAL',
      default: false,
    }),
  };

  /**
   * Commands whose core takes an AbortSignal and stops cleanly (keeping finished work) set this.
   * For the others, Ctrl-C exits 130 at once.
   */
  protected static handlesInterrupt = false;

  private readonly abortController = new AbortController();
  private readonly onSignal = (sig: NodeJS.Signals): void => this.interrupt(sig);
  private interrupted = false;
  /** The signal that interrupted the command (SIGINT = Ctrl-C, SIGTERM), or null. */
  protected interruptedBy: NodeJS.Signals | null = null;

  /** Aborted on Ctrl-C (SIGINT) or SIGTERM; pass it to the core. */
  protected get signal(): AbortSignal {
    return this.abortController.signal;
  }

  protected get paths(): JunePaths {
    return resolvePaths(process.env);
  }

  private configCache: JuneConfig | undefined;

  /** The validated config file (loaded once, in init(), so a bad file fails every command alike). */
  protected async juneConfig(): Promise<JuneConfig> {
    this.configCache ??= await loadConfig(process.env);
    return this.configCache;
  }

  /** Progress bars and spinners only on an interactive stderr, never under --json or CI. */
  protected get showProgress(): boolean {
    return !this.jsonEnabled() && Boolean(process.stderr.isTTY) && !process.env.CI && process.env.TERM !== 'dumb';
  }

  abstract override run(): Promise<T>;

  override async init(): Promise<void> {
    await super.init();
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    await this.juneConfig();
  }

  private interrupt(sig: NodeJS.Signals): void {
    const ctor = this.constructor as typeof JuneCommand;
    if (this.interrupted || !ctor.handlesInterrupt) {
      process.stderr.write(`\nInterrupted (${sig}).\n`);
      process.exit(EXIT.interrupted);
    }
    this.interrupted = true;
    this.interruptedBy = sig;
    process.stderr.write(`\nInterrupted (${sig}): finishing up, keeping finished work (press Ctrl-C again to quit now).\n`);
    this.abortController.abort(new JuneError('INTERRUPTED', `interrupted by ${sig}`, {hint: 'finished work was kept; rerun to continue'}));
  }

  override async finally(err: Error | undefined): Promise<void> {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    await super.finally(err);
  }

  protected override toErrorJson(err: unknown): JuneErrorJson {
    return {error: toJuneError(err).toJSON()};
  }

  override async catch(err: Error & {exitCode?: number}): Promise<never> {
    // oclif's own exit (this.exit) passes through untouched
    if ((err as {code?: string}).code === 'EEXIT') throw err;
    let je = this.interrupted && !(err instanceof JuneError) ? toJuneError(this.signal.reason ?? err) : toJuneError(err);
    // a usage error names the command whose --help to read
    if (je.code === 'USAGE' && je.hint?.includes('<command>') && this.id)
      je = new JuneError('USAGE', je.message, {hint: je.hint.replace('<command>', this.id.replace(/:/g, ' ')), cause: je.cause});
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(je));
    } else {
      process.stderr.write(formatErrorLine(je) + '\n');
    }
    if (this.argv.includes('--verbose')) {
      const stack = (je.cause instanceof Error ? je.cause.stack : undefined) ?? je.stack;
      if (stack) process.stderr.write(stack + '\n');
    }
    this.exit(je.exitCode);
  }
}
