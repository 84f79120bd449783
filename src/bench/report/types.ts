/**
 * What a benchmark report shows, independent of where it came from (a run directory, or two of them
 * for `--compare`). Built by the run loader (src/bench/run-benchmarks/run-view.ts); rendered as a
 * terminal table, Markdown and a self-contained HTML page.
 */

export interface ReportTask {
  taskId: string;
  /** Samples scored. */
  n: number;
  /** Samples passing the base tests. */
  basePassed: number;
  /** Samples passing base and plus tests (null for datasets without plus tests). */
  plusPassed: number | null;
  /** Samples generated but not (yet) scored. */
  unscored: number;
  /** Per generated sample: generation wall time and tokens generated. */
  generationMs: number[];
  tokens: number[];
  /** Per scored sample: time the sandbox spent on it. */
  sandboxMs: number[];
  /** The first failure reason seen, for the table (null when all passed). */
  firstFailure: string | null;
}

export interface PassAtK {
  /** pass@k keyed by k ("1", "10", …): only k ≤ the smallest n. */
  base: Record<string, number>;
  plus: Record<string, number> | null;
}

export interface Efficiency {
  samples: number;
  generatedTokens: number;
  /** Generated tokens / generation wall time summed over samples. */
  tokensPerSecond: number | null;
  generationSeconds: number;
  sandboxSeconds: number;
  /** Wall time of the run (all sessions, resumed ones included). */
  wallSeconds: number;
  /** Tasks with at least one passing sample (under the report's metric). */
  solvedTasks?: number;
  /** Generated tokens / solved tasks: what a solution costs (null when nothing was solved). */
  tokensPerSolvedTask?: number | null;
}

/** `run-benchmarks --agent` runs: what the agent's sessions took. */
export interface AgentSummary {
  maxSteps: number;
  maxRevisions: number;
  sessions: number;
  meanSteps: number;
  meanToolCalls: number;
  meanRevisions: number;
  /** How the sessions ended (done.reason → count). */
  reasons: Record<string, number>;
}

export interface ReportData {
  runId: string;
  runDir: string;
  createdAt: string;
  dataset: {id: string; sha256: string};
  model: {id: string; backend: string; source: string; sha256: string | null};
  settings: {
    n: number;
    temperature: number;
    topP: number;
    seed: number;
    maxTokens: number;
    promptStyle: string;
  };
  /** The verdict pass@1 and the gate use: plus for the + datasets, base otherwise. */
  metric: 'base' | 'plus';
  passAtK: PassAtK;
  tasks: ReportTask[];
  efficiency: Efficiency;
  /** Present for agent runs. */
  agent?: AgentSummary | null;
  /** Lines for the reproducibility section ("june 0.1.0", "node-llama-cpp 3.22.1", "sandbox image sha256:…"). */
  environment: Array<[string, string]>;
}

/** A task's pass fraction under the report's metric. */
export function taskPassFraction(t: ReportTask, metric: 'base' | 'plus'): number | null {
  if (t.n === 0) return null;
  const passed = metric === 'plus' ? (t.plusPassed ?? 0) : t.basePassed;
  return passed / t.n;
}
