/** A temp workspace and a ToolContext over it, for the tool tests. */
import {mkdirSync, mkdtempSync, realpathSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {agentTools, executeInvocation, prepareCall, type Executor, type ToolContext, type ToolResult, type ToolOutcome} from '../../../src/agents/tools/index.js';

export function tempWorkspace(): {dir: string; outside: string; cleanup: () => void} {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'june-tools-')));
  const dir = join(base, 'ws');
  const outside = join(base, 'outside');
  mkdirSync(dir);
  mkdirSync(outside);
  return {dir, outside, cleanup: () => rmSync(base, {recursive: true, force: true})};
}

export function context(workspace: string, over: Partial<ToolContext> = {}): ToolContext {
  return {workspace, executor: null, executorUnavailable: 'no Docker engine (test)', dryRun: false, commandTimeoutMs: 10_000, signal: new AbortController().signal, ...over};
}

export type Called =
  | {status: 'invalid' | 'refused'; message: string}
  | {status: 'ran'; result: ToolResult; outcome: ToolOutcome; preview: string | undefined; describe: string};

/** Validate, build, preview, execute: what the loop does with an approved call. */
export async function call(ctx: ToolContext, name: string, args: unknown): Promise<Called> {
  const p = await prepareCall(agentTools(), name, args, ctx);
  if (p.status !== 'ready') return {status: p.status, message: p.message};
  const preview = await p.invocation.preview();
  const {result, outcome} = await executeInvocation(p.invocation);
  return {status: 'ran', result, outcome, preview, describe: p.invocation.describe()};
}

/** The output of a call that ran, failing the test otherwise. */
export async function ran(ctx: ToolContext, name: string, args: unknown): Promise<Extract<Called, {status: 'ran'}>> {
  const c = await call(ctx, name, args);
  if (c.status !== 'ran') throw new Error(`${name} did not run: ${c.status}: ${c.message}`);
  return c;
}

export async function refused(ctx: ToolContext, name: string, args: unknown): Promise<string> {
  const c = await call(ctx, name, args);
  if (c.status !== 'refused') throw new Error(`${name} was not refused: ${c.status} ${c.status === 'ran' ? c.result.output : c.message}`);
  return c.message;
}

export type {Executor};
