/** The agent's default budgets (light: commands read them for their flag help without loading the loop). */
import type {Budgets} from './events.js';

export const DEFAULT_BUDGETS: Budgets = {
  maxSteps: 30,
  maxTokens: null,
  timeoutMs: null,
  phaseTimeoutMs: 10 * 60_000,
  maxRevisions: 2,
  replyMaxTokens: 2048,
};
