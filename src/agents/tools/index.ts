/**
 * The agent's tools and the steps the loop takes with a call:
 *
 *   const tools = agentTools();                       // the 8 tools, in a stable order
 *   const specs = toolSpecs(tools);                   // → ModelHost's ToolSpec[] ({name, description, parameters})
 *   const p = await prepareCall(tools, name, rawArgs, ctx);   // or runTool(tool, rawArgs, ctx)
 *     p.status 'invalid'  → unknown tool or schema violation (counts towards the invalid-call guard)
 *     p.status 'refused'  → a valid call build() refused (confinement, missing file, no sandbox)
 *     p.status 'ready'    → p.invocation: describe(), preview() for the approval prompt, then
 *   const {result, outcome} = await executeInvocation(p.invocation, budget?);
 *     result: ToolResult (output cut to the budget) for the model and the tool_result event;
 *     outcome: the whole output and the file changes, for the transcript.
 *
 *   const {executor, available, detail} = await openToolExecutor({workspace, build: true, signal});
 *     the session container for run_python / run_shell, or null with the reason (pass `detail` as
 *     ToolContext.executorUnavailable: run_* calls are then refused with it); close it at the end.
 *
 * Nothing here throws for anything a call does: every failure is a result the model reads.
 */
import type {ToolSpec} from '../../runtime/model-host.js';
import {applyOutputBudget, DEFAULT_OUTPUT_BUDGET} from './budget.js';
import {editFile} from './edit-file.js';
import {listDir} from './list-dir.js';
import {readFileTool} from './read-file.js';
import {runJs} from './run-js.js';
import {runPython} from './run-python.js';
import {runShell} from './run-shell.js';
import {search} from './search.js';
import {ToolRefusal, type AgentTool, type Invocation, type ToolContext, type ToolOutcome, type ToolResult} from './types.js';
import {writeFile} from './write-file.js';

export {applyOutputBudget, DEFAULT_OUTPUT_BUDGET} from './budget.js';
export {resolveInWorkspace, type ResolvedPath} from './workspace.js';
export {planEdit} from './edit-file.js';
export {openToolExecutor, type ToolExecutor} from './executor.js';
export * from './types.js';

/** Every tool the agent has, in a stable order (the prompt's tool definitions stay byte-identical). */
export function agentTools(): AgentTool[] {
  return [listDir, readFileTool, search, writeFile, editFile, runPython, runShell, runJs] as AgentTool[];
}

export function toolSpecs(tools: readonly AgentTool[]): ToolSpec[] {
  return tools.map((t) => ({name: t.name, description: t.description, parameters: t.parameters}));
}

export type PreparedCall =
  | {status: 'ready'; tool: AgentTool; args: unknown; invocation: Invocation}
  | {status: 'invalid'; message: string}
  | {status: 'refused'; tool: AgentTool; message: string};

/** Validates raw arguments with the tool's zod schema, then runs build(). */
export async function runTool(tool: AgentTool, rawArgs: unknown, ctx: ToolContext): Promise<PreparedCall> {
  const parsed = tool.parameters.safeParse(rawArgs ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') + ': ' : ''}${i.message}`);
    return {status: 'invalid', message: `invalid arguments for ${tool.name}: ${issues.join('; ')}`};
  }
  try {
    return {status: 'ready', tool, args: parsed.data, invocation: await tool.build(parsed.data, ctx)};
  } catch (err) {
    if (err instanceof ToolRefusal) return {status: 'refused', tool, message: err.message};
    return {status: 'refused', tool, message: `${tool.name} failed: ${(err as Error).message}`};
  }
}

/** runTool by name: an unknown name is an invalid call that lists the tools there are. */
export async function prepareCall(tools: readonly AgentTool[], name: string, rawArgs: unknown, ctx: ToolContext): Promise<PreparedCall> {
  const tool = tools.find((t) => t.name === name);
  if (!tool) return {status: 'invalid', message: `there is no tool named "${name}"; the tools are ${tools.map((t) => t.name).join(', ')}`};
  return runTool(tool, rawArgs, ctx);
}

/** Executes an approved invocation; never throws. */
export async function executeInvocation(invocation: Invocation, budget = DEFAULT_OUTPUT_BUDGET): Promise<{result: ToolResult; outcome: ToolOutcome}> {
  const t0 = performance.now();
  let outcome: ToolOutcome;
  try {
    outcome = await invocation.execute();
  } catch (err) {
    outcome = {ok: false, output: err instanceof ToolRefusal ? err.message : `the tool failed: ${(err as Error).message}`};
  }
  const ms = performance.now() - t0;
  const cut = applyOutputBudget(outcome.output, budget);
  return {result: {ok: outcome.ok, output: cut.output, ms, truncated: cut.truncated}, outcome};
}

/** The result of a call that never ran (invalid, refused by build or by the approval policy). */
export function refusalResult(message: string, ms = 0): ToolResult {
  const cut = applyOutputBudget(message);
  return {ok: false, output: cut.output, ms, truncated: cut.truncated};
}
