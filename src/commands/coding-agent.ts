import {Flags} from '@oclif/core';
import {resolve} from 'node:path';
import {parseApprove} from '../agents/approvals.js';
import {shellCheck} from '../agents/checks.js';
import {DEFAULT_BUDGETS} from '../agents/budgets.js';
import type {AgentEvent, Budgets, DoneReason} from '../agents/events.js';
import type {AgentHooks} from '../agents/session-api.js';
import {type StartOptions, startAgentSession} from '../agents/start.js';
import {TranscriptWriter, locateSession, readTranscript} from '../agents/transcript.js';
import {changesAfter, restoreChanges} from '../agents/undo.js';
import {JuneCommand} from '../cli/june-command.js';
import {apiKeyFlag, ctxSizeFlag, endpointFlag, gpuFlag, mirrorFlag, modelFlag, modelFlagOptions, profileFlag, threadsFlag} from '../cli/flags.js';
import {EXIT, JuneError} from '../errors.js';
import {resolveMirror} from '../paths.js';
import {defaultFor, loadCatalog} from '../runtime/catalog.js';
import {openModel} from '../runtime/open-model.js';
import {ndjsonLine, textLine} from '../ui/agent-lines.js';
import {agentTools, openToolExecutor} from '../agents/tools/index.js';
import type {AgentTool} from '../agents/tools/types.js';

const positive = (what: string) =>
  Flags.custom<number>({
    parse: async (input) => {
      const v = Number(input);
      if (input.trim() === '' || !Number.isFinite(v) || v <= 0) throw new JuneError('USAGE', `${what}: expected a positive number, got "${input}"`);
      return v;
    },
  });

/** `--tools a,b`: the named tools, in the registry's order (the prompt's tool list stays stable). */
export function pickTools(list: string): AgentTool[] {
  const all = agentTools();
  const names = list
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const unknown = names.filter((n) => !all.some((t) => t.name === n));
  if (names.length === 0 || unknown.length)
    throw new JuneError('USAGE', `--tools: ${unknown.length ? `unknown tool ${unknown.map((u) => `"${u}"`).join(', ')}` : 'no tool named'}`, {
      hint: `the tools are ${all.map((t) => t.name).join(', ')}`,
    });
  return all.filter((t) => names.includes(t.name));
}

/** The exit code of a turn's end (README: 0 finished, 5 a budget/guard/failing checks, 1 error, 130 interrupted). */
export function exitCodeFor(reason: DoneReason): number {
  switch (reason) {
    case 'finished':
      return EXIT.ok;
    case 'interrupted':
      return EXIT.interrupted;
    case 'error':
      return EXIT.error;
    default:
      return EXIT.agentStopped;
  }
}

export default class CodingAgent extends JuneCommand<void> {
  static override summary = 'A coding agent on a local model: plan, call tools in the workspace and a sandbox, check its work.';
  static override description = `Runs a task with think → plan → execute → reflect: the model states a plan, then calls tools (list_dir, read_file, search, write_file, edit_file, run_python, run_shell, run_js) one at a time until it answers; june then runs the checks (--check CMD) in the sandbox and asks the model to judge its result, sending it back (at most --max-revisions times) when a check fails.

Files stay inside the workspace (default: the current directory); run_python and run_shell execute in a session container (june's sandbox image, no network, no capabilities, the workspace mounted at /workspace, your uid). Approvals: read runs; write and execute ask in --interactive and are refused headless unless --approve allows them (auto = everything). Every event goes to the session transcript (sessions/<id>.jsonl under june's home): --resume continues a session, --undo restores the files it changed.

--json prints one event per line (NDJSON). Exit codes: 0 finished, 5 stopped by a budget, a guard or failing checks, 1 error, 130 interrupted.`;

  static override examples = [
    '<%= config.bin %> coding-agent --task "create hello.py that prints hi and run it" --approve auto',
    '<%= config.bin %> coding-agent --task "fix the failing test" --check "python3 -m unittest" --approve auto --json',
    '<%= config.bin %> coding-agent --interactive --model qwen2.5-coder-1.5b',
    '<%= config.bin %> coding-agent --task "add a docstring to util.py" --endpoint http://127.0.0.1:8080 --approve read,write',
    '<%= config.bin %> coding-agent --resume last --task "now add tests"',
    '<%= config.bin %> coding-agent --undo s-20261201-181500-ab12 --to 3',
  ];

  static override handlesInterrupt = true;

  static override flags = {
    task: Flags.string({char: 't', description: 'The task (headless mode).'}),
    interactive: Flags.boolean({char: 'i', description: 'Open the terminal UI (needs a TTY).', default: false}),
    workspace: Flags.string({char: 'w', description: 'The directory the agent works in (default: the current directory).', helpValue: 'DIR'}),
    model: modelFlag,
    endpoint: endpointFlag,
    'api-key': apiKeyFlag,
    profile: profileFlag,
    approve: Flags.string({
      description: 'Tool classes that run without asking: auto, or a comma list of read, write, execute (default: read).',
      helpValue: 'CLASSES',
    }),
    'dry-run': Flags.boolean({description: 'Report writes as diffs; do not apply them.', default: false}),
    tools: Flags.string({
      description: 'The tools offered to the model, a comma list (default: all eight: list_dir, read_file, search, write_file, edit_file, run_python, run_shell, run_js).',
      helpValue: 'NAMES',
    }),
    check: Flags.string({description: 'A command june runs in the sandbox to check the result (e.g. "python3 -m unittest"); repeatable.', multiple: true}),
    'max-steps': Flags.integer({description: `Tool calls per turn (default ${DEFAULT_BUDGETS.maxSteps}).`, min: 1}),
    'max-tokens': Flags.integer({description: 'Tokens the model may generate in the turn (prompt tokens do not count).', min: 1}),
    'reply-tokens': Flags.integer({description: `Tokens one reply may generate (default ${DEFAULT_BUDGETS.replyMaxTokens}).`, min: 16}),
    timeout: positive('--timeout')({description: 'Seconds the whole turn may take.', helpValue: 'SECONDS'}),
    'phase-timeout': positive('--phase-timeout')({description: 'Seconds one model reply or check may take (default 600).', helpValue: 'SECONDS'}),
    'max-revisions': Flags.integer({description: `Times reflection may send the agent back (default ${DEFAULT_BUDGETS.maxRevisions}).`, min: 0}),
    'command-timeout': positive('--command-timeout')({description: 'Seconds one run_python/run_shell command may take (default 60).', helpValue: 'SECONDS'}),
    temperature: Flags.string({description: 'Sampling temperature (default: the backend\'s).'}),
    seed: Flags.integer({description: 'Sampling seed.'}),
    resume: Flags.string({description: 'Continue a session: its id, or "last".', helpValue: 'ID|last'}),
    undo: Flags.string({description: 'Restore the files a session changed (all of them, or those after --to STEP), then exit.', helpValue: 'ID|last'}),
    to: Flags.integer({description: 'With --undo: keep the changes up to this tool step.', min: 0, dependsOn: ['undo']}),
    build: Flags.boolean({description: 'Build the sandbox image on first use (--no-build: run without a sandbox if it is missing).', default: true, allowNo: true}),
    threads: threadsFlag,
    'ctx-size': ctxSizeFlag,
    gpu: gpuFlag,
    mirror: mirrorFlag,
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(CodingAgent);
    const json = this.jsonEnabled();
    const paths = this.paths;

    if (flags.undo !== undefined) {
      await this.undoSession(flags.undo, flags.to ?? 0, json);
      return;
    }
    if (flags.interactive && (!process.stdin.isTTY || !process.stdout.isTTY))
      throw new JuneError('USAGE', '--interactive needs a terminal on stdin and stdout', {hint: 'run it in a terminal, or pass the task with --task "…" (add --json for NDJSON)'});
    if (!flags.interactive && flags.task === undefined)
      throw new JuneError('USAGE', 'no task given', {hint: 'pass --task "…", or --interactive for the terminal UI'});
    if (flags.task !== undefined && flags.task.trim() === '') throw new JuneError('USAGE', '--task is empty', {hint: 'say what the agent should do'});
    const temperature = flags.temperature === undefined ? undefined : Number(flags.temperature);
    if (temperature !== undefined && (!Number.isFinite(temperature) || temperature < 0 || temperature > 2))
      throw new JuneError('USAGE', `--temperature: expected a number from 0 to 2, got "${flags.temperature}"`);
    const approvals = parseApprove(flags.approve, flags.interactive);
    const tools = flags.tools === undefined ? undefined : pickTools(flags.tools);
    const budgets: Budgets = {
      maxSteps: flags['max-steps'] ?? DEFAULT_BUDGETS.maxSteps,
      maxTokens: flags['max-tokens'] ?? null,
      timeoutMs: flags.timeout !== undefined ? Math.round(flags.timeout * 1000) : null,
      phaseTimeoutMs: flags['phase-timeout'] !== undefined ? Math.round(flags['phase-timeout'] * 1000) : DEFAULT_BUDGETS.phaseTimeoutMs,
      maxRevisions: flags['max-revisions'] ?? DEFAULT_BUDGETS.maxRevisions,
      replyMaxTokens: flags['reply-tokens'] ?? DEFAULT_BUDGETS.replyMaxTokens,
    };
    const config = await this.juneConfig();
    const resume = flags.resume !== undefined ? await locateSession(paths.sessionsDir, flags.resume) : undefined;
    const model = flags.model ?? (flags.endpoint === undefined && flags.profile === undefined ? defaultFor(loadCatalog(), 'coder', config.defaults).id : undefined);
    const mirror = resolveMirror(flags.mirror ?? config.mirror);
    const signal = this.signal;
    const build = flags.build;

    const start = (hooks: AgentHooks, opening: AbortSignal = signal): StartOptions => ({
      workspace: resolve(flags.workspace ?? process.cwd()),
      sessionsDir: paths.sessionsDir,
      approvals,
      budgets,
      hooks,
      checks: (flags.check ?? []).map(shellCheck),
      dryRun: flags['dry-run'],
      ...(tools ? {tools} : {}),
      ...(flags['ctx-size'] !== undefined ? {contextSize: flags['ctx-size']} : {}),
      ...(temperature !== undefined ? {temperature} : {}),
      ...(flags.seed !== undefined ? {seed: flags.seed} : {}),
      ...(flags['command-timeout'] !== undefined ? {commandTimeoutMs: Math.round(flags['command-timeout'] * 1000)} : {}),
      juneVersion: this.config.version,
      ...(resume ? {resume} : {}),
      openHost: () =>
        openModel({
          ...(model !== undefined ? {model} : {}),
          ...modelFlagOptions(flags),
          ...(mirror !== undefined ? {mirror} : {}),
          config,
          signal: opening,
        }),
      openExecutor: (workspace) => openToolExecutor({workspace, build, signal: opening}),
      onNote: (line) => process.stderr.write(`Warning: ${line}\n`),
    });

    if (flags.interactive) {
      // the TUI draws the session's sandbox state itself (session_start): no note on stderr under it
      const {runInteractive} = await import('../ui/agent/index.js');
      const {exitCode} = await runInteractive({
        // a quit while the model loads (the terminal is raw: Ctrl-C is a key, not SIGINT) stops the load
        open: (hooks, {signal: quit}) => startAgentSession({...start(hooks, AbortSignal.any([signal, quit])), onNote: () => undefined}),
        signal,
        ...(flags.task !== undefined ? {initialTask: flags.task} : {}),
      });
      this.exit(exitCode);
      return;
    }

    const write = (event: AgentEvent): void => {
      if (json) process.stdout.write(ndjsonLine(event));
      else {
        const line = textLine(event);
        if (line !== null) process.stdout.write(line + '\n');
      }
    };
    const started = await startAgentSession(start({emit: write}));
    let reason: DoneReason;
    try {
      const done = await started.session.runTurn(flags.task as string, {signal});
      reason = done.reason;
      if (reason === 'interrupted' || reason === 'error')
        process.stderr.write(`The transcript is kept: continue with \`june coding-agent --resume ${started.session.id} --task "…"\`.\n`);
    } finally {
      await started.close();
    }
    this.exit(exitCodeFor(reason));
  }

  /** `--undo ID [--to STEP]`: restores the files without opening a model. */
  private async undoSession(ref: string, step: number, json: boolean): Promise<void> {
    const {id, path} = await locateSession(this.paths.sessionsDir, ref);
    const state = await readTranscript(path);
    const changes = changesAfter(state.files, state.undone, step);
    const restored = await restoreChanges(state.header.workspace, changes);
    if (changes.length) {
      const w = await TranscriptWriter.open(path);
      await w.write({kind: 'undo', changes: changes.map((c) => c.index), at: new Date().toISOString()});
      await w.close();
    }
    const result = {session: id, workspace: state.header.workspace, restored, writes: changes.length};
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    else process.stdout.write(changes.length ? `restored ${restored.length} file(s) in ${state.header.workspace} (${changes.length} write(s) undone): ${restored.join(', ')}\n` : 'nothing to undo\n');
  }
}
