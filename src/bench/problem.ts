/**
 * A benchmark problem as june scores it, whatever dataset it came from. This file is the contract
 * between the dataset loaders (src/bench/datasets) and the benchmark runner; the sandbox judges it
 * as the SandboxProblem it extends. Extend it by adding optional fields; never change the meaning of an existing one.
 */
import type {SandboxProblem, SandboxSample} from '../sandbox/types.js';

export const DATASET_IDS = ['humaneval', 'humaneval+', 'mbpp', 'mbpp+'] as const;
export type DatasetId = (typeof DATASET_IDS)[number];

/**
 * A benchmark problem is a sandbox problem (src/sandbox/types.ts: prompt, entry point, reference
 * program, script tests or EvalPlus io tests) of one of june's datasets. HumanEval(+) and MBPP+ give
 * `io` (the + datasets) or `scriptTests` (humaneval, original mbpp); see SandboxProblem for each field.
 */
export interface Problem extends SandboxProblem {
  dataset: DatasetId;
}

/** How a sample's text becomes a program: human-eval completions are appended to the prompt. */
export type Sample = SandboxSample;
