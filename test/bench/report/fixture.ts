/** A synthetic report: `tasks` tasks of HumanEval+, n samples each, with a mix of outcomes. */
import {mulberry32} from '../../../src/bench/gate/stats.js';
import type {ReportData, ReportTask} from '../../../src/bench/report/types.js';

export function syntheticReport(opts: {runId?: string; tasks?: number; n?: number; seed?: number; passRate?: number} = {}): ReportData {
  const rand = mulberry32(opts.seed ?? 1);
  const n = opts.n ?? 3;
  const rate = opts.passRate ?? 0.6;
  const tasks: ReportTask[] = [];
  for (let i = 0; i < (opts.tasks ?? 164); i++) {
    let base = 0;
    let plus = 0;
    for (let k = 0; k < n; k++) {
      const b = rand() < rate;
      if (b) base++;
      if (b && rand() < 0.9) plus++;
    }
    tasks.push({
      taskId: `HumanEval/${i}`,
      n,
      basePassed: base,
      plusPassed: plus,
      unscored: 0,
      generationMs: Array.from({length: n}, () => 200 + rand() * 3000),
      tokens: Array.from({length: n}, () => Math.round(20 + rand() * 400)),
      sandboxMs: Array.from({length: n}, () => 30 + rand() * 900),
      firstFailure: plus === n ? null : i % 7 === 0 ? 'timeout after 4000 ms on test 3 <&>' : 'AssertionError',
    });
  }
  const mean = (f: (t: ReportTask) => number): number => tasks.reduce((a, t) => a + f(t), 0) / tasks.length;
  return {
    runId: opts.runId ?? 'run-20250101-000000-abcd',
    runDir: '/nonexistent',
    createdAt: '2025-01-01T00:00:00.000Z',
    dataset: {id: 'humaneval+', sha256: 'f'.repeat(64)},
    model: {id: 'tiny</script><b>', backend: 'embedded', source: '/models/tiny.gguf', sha256: 'e'.repeat(64)},
    settings: {n, temperature: 0.8, topP: 0.95, seed: 7, maxTokens: 512, promptStyle: 'completion'},
    metric: 'plus',
    passAtK: {base: {'1': mean((t) => t.basePassed / n)}, plus: {'1': mean((t) => (t.plusPassed ?? 0) / n)}},
    tasks,
    efficiency: {samples: tasks.length * n, generatedTokens: 1234, tokensPerSecond: 42.5, generationSeconds: 100, sandboxSeconds: 20, wallSeconds: 110},
    environment: [
      ['june', '0.1.0'],
      ['node-llama-cpp', '3.22.1'],
    ],
  };
}
