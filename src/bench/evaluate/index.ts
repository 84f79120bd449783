/** Scoring samples (`june evaluate`): reading samples, keyed verdict records, pass@k, compatible outputs. */
export {DEFAULT_LIMITS, STRICT_FLAGS} from './limits.js';
export {checkSamplesFile, readSamples, sampleProgram, normaliseTaskId, SampleRecordSchema, type EvalSample, type SampleRecord} from './samples.js';
export {resultKey, resultRecord, ResultRecordSchema, SampleVerdictSchema, SCORING_VERSION, type ResultRecord} from './record.js';
export {sampleOutcome, scoreOutcomes, summarizeSuite, humanEvalResult, type SampleOutcome, type Scores, type SuiteSummary} from './score.js';
export {outputPaths, writeOutputs} from './outputs.js';
export {evaluateSamples, evaluateRunId, type EvaluateResult, type EvaluateRunOptions, type SampleEvaluator} from './run.js';
