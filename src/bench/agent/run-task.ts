/**
 * One benchmark task solved by the coding agent (`run-benchmarks --agent`): a fresh temporary
 * workspace holding solution.py, a session container of its own, every tool class approved, the
 * agent's budgets; the sample is the final solution.py, scored exactly like a single-shot sample.
 */
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {DEFAULT_BUDGETS, openAgentSession} from '../../agents/agent.js';
import type {AgentEvent, DoneReason} from '../../agents/events.js';
import type {Executor} from '../../agents/tools/types.js';
import {EXIT_CODES, JuneError, type JuneErrorCode} from '../../errors.js';
import type {ModelHost} from '../../runtime/model-host.js';
import type {Problem} from '../problem.js';
import {SOLUTION_FILE, agentTask, examplesCheck} from './task.js';

export interface AgentBudgets {
  maxSteps: number;
  maxRevisions: number;
  /** Tokens one reply may generate (run-benchmarks --max-tokens keeps its per-reply meaning). */
  replyMaxTokens: number;
}

export interface AgentTaskResult {
  solution: string;
  /** human-eval's completion: the file after the prompt when it still starts with it, else the whole file. */
  completion: string;
  /** The agent's final answer (the raw output of a single-shot sample). */
  final: string;
  session: string;
  reason: DoneReason;
  steps: number;
  toolCalls: number;
  revisions: number;
  tokens: number;
  promptTokens: number;
  ms: number;
  ttftMs: number | null;
}

export interface AgentTaskOptions {
  host: ModelHost;
  problem: Problem;
  budgets: AgentBudgets;
  sessionsDir: string;
  openExecutor: (workspace: string) => Promise<Executor>;
  temperature: number;
  seed: number;
  signal?: AbortSignal;
}

export async function runAgentTask(o: AgentTaskOptions): Promise<AgentTaskResult> {
  const task = agentTask(o.problem);
  const ws = await mkdtemp(join(tmpdir(), 'june-agent-task-'));
  let executor: Executor | null = null;
  try {
    await writeFile(join(ws, SOLUTION_FILE), task.file, 'utf8');
    executor = await o.openExecutor(ws);
    let promptTokens = 0;
    let lastError: Extract<AgentEvent, {type: 'error'}> | null = null;
    let firstUsageAt: number | null = null;
    const t0 = performance.now();
    const session = await openAgentSession({
      host: o.host,
      workspace: ws,
      sessionsDir: o.sessionsDir,
      approvals: {read: 'allow', write: 'allow', execute: 'allow'},
      budgets: {...DEFAULT_BUDGETS, maxSteps: o.budgets.maxSteps, maxRevisions: o.budgets.maxRevisions, replyMaxTokens: o.budgets.replyMaxTokens},
      hooks: {
        emit: (e: AgentEvent) => {
          if (e.type === 'error') lastError = e;
          if (e.type === 'usage') {
            promptTokens += e.contextUsed - (e.completionTokens ?? 0);
            firstUsageAt ??= performance.now() - t0;
          }
        },
      },
      executor,
      checks: [examplesCheck(task.examples)],
      temperature: o.temperature,
      seed: o.seed,
    });
    let done;
    try {
      done = await session.runTurn(task.message, o.signal ? {signal: o.signal} : {});
    } finally {
      await session.close();
    }
    // a turn cut short by Ctrl-C or a failing model is no sample: the run keeps nothing of it and resume redoes it
    if (done.reason === 'interrupted') throw new JuneError('INTERRUPTED', `interrupted while the agent worked on ${o.problem.taskId}`);
    if (done.reason === 'error') {
      const err = lastError as Extract<AgentEvent, {type: 'error'}> | null;
      throw new JuneError(err && err.code in EXIT_CODES ? (err.code as JuneErrorCode) : 'INFERENCE_FAILED', `the agent failed on ${o.problem.taskId}: ${err?.message ?? 'unknown error'}`, {
        ...(err?.hint ? {hint: err.hint} : {}),
      });
    }
    const solution = await readFile(join(ws, SOLUTION_FILE), 'utf8').catch(() => '');
    const prompt = o.problem.dataset.startsWith('humaneval') ? o.problem.prompt : '';
    return {
      solution,
      completion: prompt && solution.startsWith(prompt) ? solution.slice(prompt.length) : solution,
      final: done.final ?? '',
      session: session.id,
      reason: done.reason,
      steps: done.steps,
      toolCalls: done.toolCalls,
      revisions: done.revisions ?? 0,
      tokens: done.tokens,
      promptTokens,
      ms: done.ms,
      ttftMs: firstUsageAt,
    };
  } finally {
    await executor?.close().catch(() => undefined);
    await rm(ws, {recursive: true, force: true});
  }
}
