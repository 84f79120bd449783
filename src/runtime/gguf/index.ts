/** The GGUF policy: read, check, count, estimate, decide. Nothing here loads a model. */
export {readGguf, ggufChatTemplate, type GgufModelFile, type GgufSummary} from './read.js';
export {countParameters, kvCacheBytes, integrityProblem, type TensorShape, type AttentionShape} from './shape.js';
export {
  planModelLoad,
  defaultThreads,
  estimateMemory,
  decideFit,
  formatParams,
  tooLargeMessage,
  DEFAULT_CONTEXT_SIZE,
  DEFAULT_BATCH_SIZE,
  DEFAULT_CPU_MAX_PARAMS_B,
  type LoadPlan,
  type LoadPlanRequest,
  type MemoryEstimate,
  type FitDecision,
} from './policy.js';
