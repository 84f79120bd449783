/**
 * The embedded backend: a ModelHost over node-llama-cpp.
 *
 * - One model and one context per host; the context holds `sequences` parallel sequences. Each
 *   request takes the free sequence whose KV cache shares the longest prefix with its prompt, so a
 *   follow-up turn of a conversation evaluates only the new tokens (usage.cachedPromptTokens), and
 *   requests beyond `sequences` wait their turn (FIFO).
 * - chat() applies the model's own chat template (node-llama-cpp's chat wrapper for the GGUF);
 *   complete() continues raw text.
 * - Cancellation: aborting `signal` ends the generation with finishReason 'abort' and the text so far
 *   (it never throws). A `timeoutMs` that runs out rejects with JuneError TIMEOUT.
 * - Tools: 'constrained' decodes under a JSON-schema grammar that admits exactly one declared call
 *   or {"final": text}; 'native' uses node-llama-cpp's function calling through the chat template;
 *   'auto' picks native only for chat wrappers with a trained function-calling format. Arguments are
 *   validated with the tool's zod schema either way (a call that fails → JuneError INFERENCE_FAILED).
 */
import type {
  ChatHistoryItem,
  ChatModelFunctions,
  ChatWrapper,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaModel,
  Token,
} from 'node-llama-cpp';
import {JuneError, toJuneError} from '../../errors.js';
import type {LoadPlan} from '../gguf/policy.js';
import {ggufChatTemplate} from '../gguf/read.js';
import type {
  ChatMessage,
  FinishReason,
  GenerateOptions,
  Generation,
  GenerationEvent,
  GenerationResult,
  InvalidToolCall,
  ModelHost,
  ChatTemplateReport,
  ModelInfo,
  ToolCall,
  ToolSpec,
} from '../model-host.js';
import {Channel} from './channel.js';
import {ConstrainedReplyStream} from './constrained-stream.js';
import {toConstrainedHistory, toNativeHistory} from './history.js';
import {
  constrainedToolsPrompt,
  constrainedTurnSchema,
  cutCallName,
  newCallId,
  parseConstrainedAnswer,
  toGrammarSchema,
  toolParametersSchema,
  validateOrCollect,
} from './tools.js';

type NodeLlamaCpp = typeof import('node-llama-cpp');

/** Chat wrappers whose models were trained on a function-calling format ('auto' → native for these). */
const NATIVE_TOOL_WRAPPERS = new Set([
  'Qwen', 'Llama 3.1', 'Llama 3.2 lightweight', 'Functionary', 'Harmony', 'Mistral', 'DeepSeek', 'Seed', 'Gemma 4',
]);

export interface LoadTimings {
  loadModelMs: number;
  createContextMs: number;
}

interface Slot {
  sequence: LlamaContextSequence;
  busy: boolean;
}

type StopReason = 'eogToken' | 'stopGenerationTrigger' | 'customStopTrigger' | 'functionCalls' | 'maxTokens' | 'abort';

export class EmbeddedModelHost implements ModelHost {
  readonly info: ModelInfo;
  private readonly slots: Slot[];
  private readonly waiters: Array<() => void> = [];
  private readonly grammarCache = new Map<string, Promise<LlamaGrammar>>();
  private closed = false;

  constructor(
    private readonly lib: NodeLlamaCpp,
    readonly plan: LoadPlan,
    readonly model: LlamaModel,
    readonly context: LlamaContext,
    readonly chatWrapper: ChatWrapper,
    readonly loadTimings: LoadTimings,
    id: string,
  ) {
    this.slots = [];
    for (let i = 0; i < context.totalSequences; i++) this.slots.push({sequence: context.getSequence(), busy: false});
    this.info = {
      id,
      backend: 'embedded',
      source: plan.gguf.summary.path,
      contextSize: context.contextSize,
      parameters: plan.gguf.summary.parameters,
      gpu: plan.gpu.backend,
      threads: plan.threads,
    };
  }

  /** The GGUF's own `tokenizer.chat_template`: present or not (a base model has none). */
  async chatTemplateReport(): Promise<ChatTemplateReport> {
    return ggufChatTemplate(this.plan.gguf);
  }

  /** The chat wrapper's name (e.g. "Qwen", "General"): tells which tool mode 'auto' picks. */
  get chatTemplate(): string {
    return this.chatWrapper.wrapperName;
  }

  get supportsNativeTools(): boolean {
    return NATIVE_TOOL_WRAPPERS.has(this.chatWrapper.wrapperName);
  }

  chat(messages: ChatMessage[], options: GenerateOptions = {}): Generation {
    return this.start({kind: 'chat', messages}, options);
  }

  complete(prompt: string, options: GenerateOptions = {}): Generation {
    return this.start({kind: 'complete', prompt}, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.context.dispose();
    await this.model.dispose();
  }

  /** Exact: the prompt tokens this chat request would evaluate (template, tool protocol and all). */
  async countTokens(messages: ChatMessage[], options: GenerateOptions = {}): Promise<{tokens: number; exact: boolean}> {
    return {tokens: this.chatPrompt(messages, options).promptTokens.length, exact: true};
  }

  private chatPrompt(messages: ChatMessage[], options: GenerateOptions): {history: ChatHistoryItem[]; promptTokens: Token[]; functions: ChatModelFunctions | undefined} {
    const toolMode = this.resolveToolMode(options);
    const tools: readonly ToolSpec[] = options.tools ?? [];
    let functions: ChatModelFunctions | undefined;
    if (toolMode === 'native') {
      const fns: Record<string, {description: string; params: Record<string, unknown>}> = {};
      for (const t of tools) fns[t.name] = {description: t.description, params: toolParametersSchema(t)};
      functions = fns as ChatModelFunctions;
    }
    const history =
      toolMode === 'native'
        ? toNativeHistory(messages)
        : toConstrainedHistory(messages, toolMode === 'constrained' ? constrainedToolsPrompt(tools) : null);
    const state = this.chatWrapper.generateContextState({
      chatHistory: history,
      ...(functions ? {availableFunctions: functions, documentFunctionParams: true} : {}),
    });
    return {history, promptTokens: state.contextText.tokenize(this.model.tokenizer), functions};
  }

  /** Tokens of a text as this model tokenizes it (for budgets and benchmarks). */
  tokenize(text: string): Token[] {
    return this.model.tokenize(text);
  }

  private start(input: {kind: 'chat'; messages: ChatMessage[]} | {kind: 'complete'; prompt: string}, options: GenerateOptions): Generation {
    const channel = new Channel<GenerationEvent>();
    const result = this.run(input, options, channel).then(
      (r) => {
        channel.push({type: 'done', result: r});
        channel.close();
        return r;
      },
      (err: unknown) => {
        const je = toJuneError(err);
        channel.fail(je);
        throw je;
      },
    );
    // a caller that only iterates must not see an unhandled rejection
    result.catch(() => undefined);
    return {result, [Symbol.asyncIterator]: () => channel[Symbol.asyncIterator]()};
  }

  private async acquire(promptTokens: Token[], signal: AbortSignal): Promise<Slot | null> {
    for (;;) {
      if (signal.aborted) return null;
      if (this.closed) throw new JuneError('INFERENCE_FAILED', 'the model was closed', {hint: 'open it again'});
      let best: Slot | null = null;
      let bestPrefix = -1;
      for (const s of this.slots) {
        if (s.busy) continue;
        const prefix = s.sequence.compareContextTokens(promptTokens).firstDifferentIndex;
        if (prefix > bestPrefix) {
          best = s;
          bestPrefix = prefix;
        }
      }
      if (best) {
        best.busy = true;
        return best;
      }
      await new Promise<void>((resolve) => {
        const onAbort = (): void => {
          const i = this.waiters.indexOf(wake);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve();
        };
        const wake = (): void => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiters.push(wake);
        signal.addEventListener('abort', onAbort, {once: true});
      });
    }
  }

  private release(slot: Slot): void {
    slot.busy = false;
    this.waiters.shift()?.();
  }

  private grammarFor(key: string, make: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
    let g = this.grammarCache.get(key);
    if (!g) {
      g = make();
      this.grammarCache.set(key, g);
      g.catch(() => this.grammarCache.delete(key));
    }
    return g;
  }

  private async jsonSchemaGrammar(schema: Record<string, unknown>): Promise<LlamaGrammar> {
    const key = `json:${JSON.stringify(schema)}`;
    return this.grammarFor(key, async () => {
      try {
        // the schema was reduced to the subset node-llama-cpp compiles (toGrammarSchema)
        return await this.plan.llama.createGrammarForJsonSchema(schema as never);
      } catch (err) {
        throw new JuneError('BAD_INPUT', `the JSON schema cannot be turned into a grammar: ${(err as Error).message}`, {
          hint: 'use objects, strings, numbers, booleans, enums, arrays and oneOf',
          cause: err,
        });
      }
    });
  }

  private resolveToolMode(options: GenerateOptions): 'constrained' | 'native' | null {
    if (!options.tools || options.tools.length === 0) return null;
    const mode = options.toolMode ?? 'auto';
    if (mode === 'auto') return this.supportsNativeTools ? 'native' : 'constrained';
    return mode;
  }

  private async run(
    input: {kind: 'chat'; messages: ChatMessage[]} | {kind: 'complete'; prompt: string},
    options: GenerateOptions,
    channel: Channel<GenerationEvent>,
  ): Promise<GenerationResult> {
    const t0 = performance.now();
    if (this.closed) throw new JuneError('INFERENCE_FAILED', 'the model was closed', {hint: 'open it again'});
    const toolMode = input.kind === 'chat' ? this.resolveToolMode(options) : null;
    if (input.kind === 'complete' && options.tools?.length)
      throw new JuneError('BAD_INPUT', 'tools need chat(), not complete()', {hint: 'call chat() with messages'});
    const constraints = [options.jsonSchema !== undefined, options.grammar !== undefined, toolMode !== null].filter(Boolean).length;
    if (constraints > 1)
      throw new JuneError('BAD_INPUT', 'jsonSchema, grammar and tools cannot be combined in one request', {hint: 'pass only one of them'});
    const tools: readonly ToolSpec[] = options.tools ?? [];

    // signals: the caller's abort → finishReason 'abort'; our timer → TIMEOUT
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = (): void => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) controller.abort(options.signal.reason);
    else options.signal?.addEventListener('abort', onAbort, {once: true});
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            controller.abort(new JuneError('TIMEOUT', `generation took longer than ${options.timeoutMs} ms`));
          }, options.timeoutMs)
        : null;
    const signal = controller.signal;

    try {
      let grammar: LlamaGrammar | undefined;
      if (options.jsonSchema !== undefined) grammar = await this.jsonSchemaGrammar(toGrammarSchema(options.jsonSchema, 'jsonSchema'));
      else if (options.grammar !== undefined) {
        const gbnf = options.grammar;
        grammar = await this.grammarFor(`gbnf:${gbnf}`, async () => {
          try {
            return await this.plan.llama.createGrammar({grammar: gbnf});
          } catch (err) {
            throw new JuneError('BAD_INPUT', `the grammar does not parse: ${(err as Error).message}`, {hint: 'check the GBNF syntax', cause: err});
          }
        });
      } else if (toolMode === 'constrained') grammar = await this.jsonSchemaGrammar(constrainedTurnSchema(tools, options.toolChoice === 'required'));

      // the prompt as tokens: to pick the sequence with the longest shared prefix and to count usage
      let history: ChatHistoryItem[] | null = null;
      let functions: ChatModelFunctions | undefined;
      let promptTokens: Token[];
      // what complete() hands node-llama-cpp: the text's tokens without BOS (LlamaCompletion prepends it)
      let completionTokens: Token[] = [];
      if (input.kind === 'chat') {
        ({history, promptTokens, functions} = this.chatPrompt(input.messages, options));
      } else {
        completionTokens = this.model.tokenize(input.prompt, false, 'trimLeadingSpace');
        // LlamaCompletion prepends BOS itself where the model wants one; june only mirrors it here, to
        // count the prompt and find the sequence with the longest shared prefix (passing BOS on too
        // gave the model two)
        const bos = this.model.tokens.bos;
        promptTokens = bos !== null && this.model.tokens.shouldPrependBosToken ? [bos, ...completionTokens] : completionTokens;
      }
      if (promptTokens.length >= this.context.contextSize)
        throw new JuneError('BAD_INPUT', `the prompt is ${promptTokens.length} tokens, the context holds ${this.context.contextSize}`, {
          hint: 'shorten the prompt or raise --ctx-size',
        });

      const slot = await this.acquire(promptTokens, signal);
      if (!slot) {
        if (timedOut) throw signal.reason;
        return emptyResult('abort', promptTokens.length, performance.now() - t0);
      }
      try {
        const seq = slot.sequence;
        const cached = Math.min(seq.compareContextTokens(promptTokens).firstDifferentIndex, Math.max(0, promptTokens.length - 1));
        const meter = seq.tokenMeter.getState();
        let firstTokenAt: number | null = null;
        // under the tool grammar only a final answer's text streams (decoded from its JSON string)
        const constrained = toolMode === 'constrained' ? new ConstrainedReplyStream() : null;
        const onTextChunk = (text: string): void => {
          if (text.length === 0) return;
          const piece = constrained ? constrained.push(text) : text;
          if (piece.length > 0) channel.push({type: 'token', text: piece});
        };
        const onToken = (): void => {
          firstTokenAt ??= performance.now();
        };
        const sampling = {
          ...(options.maxTokens !== undefined ? {maxTokens: options.maxTokens} : {}),
          ...(options.temperature !== undefined ? {temperature: options.temperature} : {}),
          ...(options.topP !== undefined ? {topP: options.topP} : {}),
          ...(options.topK !== undefined ? {topK: options.topK} : {}),
          ...(options.seed !== undefined ? {seed: options.seed} : {}),
          ...(options.stop?.length ? {customStopTriggers: options.stop} : {}),
          signal,
          stopOnAbortSignal: true,
          onTextChunk,
          onToken,
        };

        let text: string;
        let stopReason: StopReason;
        // prompt processing is timed from handing the tokens to the engine (as llama-server's prompt_ms
        // and llama-bench do): tokenizing and waiting for a free sequence count in ttftMs only
        const evalStart = performance.now();
        let nativeCalls: Array<{functionName: string; params: unknown}> = [];
        if (input.kind === 'chat' && history) {
          const chat = new this.lib.LlamaChat({contextSequence: seq, chatWrapper: this.chatWrapper, autoDisposeSequence: false});
          try {
            const r = await chat.generateResponse(history, {
              ...sampling,
              ...(grammar ? {grammar} : {}),
              ...(functions ? {functions, documentFunctionParams: true, maxParallelFunctionCalls: 1} : {}),
            } as Parameters<typeof chat.generateResponse>[1]);
            text = r.response;
            stopReason = r.metadata.stopReason;
            nativeCalls = (r.functionCalls ?? []) as Array<{functionName: string; params: unknown}>;
          } finally {
            chat.dispose({disposeSequence: false});
          }
        } else {
          const completion = new this.lib.LlamaCompletion({contextSequence: seq, autoDisposeSequence: false});
          try {
            const r = await completion.generateCompletionWithMeta(completionTokens, {...sampling, ...(grammar ? {grammar} : {})});
            text = r.response;
            stopReason = r.metadata.stopReason;
          } finally {
            completion.dispose({disposeSequence: false});
          }
        }
        if (timedOut) throw signal.reason;

        const used = seq.tokenMeter.diff(meter);
        const t1 = performance.now();
        let finishReason: FinishReason =
          stopReason === 'maxTokens' ? 'length' : stopReason === 'abort' ? 'abort' : stopReason === 'functionCalls' ? 'tool_calls' : 'stop';
        const toolCalls: ToolCall[] = [];
        const invalid: InvalidToolCall[] | null = options.invalidToolCalls === 'return' ? [] : null;
        if (toolMode === 'native') {
          for (const c of nativeCalls) {
            const call = validateOrCollect(tools, c.functionName, c.params, newCallId(), invalid);
            if (call) toolCalls.push(call);
          }
          if (invalid?.length) finishReason = 'tool_calls';
        } else if (constrained) {
          const streamed = constrained.answer;
          const answer = finishReason === 'abort' ? null : parseConstrainedAnswer(text.trim(), tools, invalid !== null);
          if (answer?.kind === 'call') {
            toolCalls.push(answer.call);
            text = '';
            finishReason = 'tool_calls';
          } else if (answer?.kind === 'invalid') {
            invalid?.push(answer.call);
            text = '';
            finishReason = 'tool_calls';
          } else if (answer?.kind === 'final') {
            text = answer.text;
            if (finishReason === 'length') finishReason = 'stop';
          } else if (finishReason === 'abort' || constrained.state === 'final') {
            // cancelled, or cut off by maxTokens inside a final answer: the answer so far
            text = streamed;
          } else if (invalid !== null && finishReason === 'length') {
            // a call cut off by maxTokens: an invalid call the caller answers (the model can retry shorter)
            invalid.push({
              id: newCallId(),
              name: cutCallName(text) ?? '(cut off)',
              rawArguments: text.slice(0, 2000),
              error: `the reply was cut at ${used.usedOutputTokens} tokens before the call was complete: keep calls short (write big files in parts)`,
            });
            text = '';
          }
          // otherwise a call cut off by maxTokens comes back as its raw partial JSON, finishReason 'length'
          const rest = text.startsWith(streamed) ? text.slice(streamed.length) : text;
          if (rest.length > 0) channel.push({type: 'token', text: rest});
        }
        for (const call of toolCalls) channel.push({type: 'tool_call', call});
        return {
          text,
          toolCalls,
          ...(invalid ? {invalidToolCalls: invalid} : {}),
          finishReason,
          usage: {
            promptTokens: promptTokens.length,
            completionTokens: used.usedOutputTokens,
            cachedPromptTokens: cached,
            // the meter books the last prompt token (the one evaluated for the first token's logits) as
            // output: add it back, or pp figures undercount every prompt by one token
            evaluatedPromptTokens: used.usedInputTokens + Math.min(1, used.usedOutputTokens),
          },
          timings: {
            ttftMs: (firstTokenAt ?? t1) - t0,
            totalMs: t1 - t0,
            ...(firstTokenAt !== null ? {promptMs: firstTokenAt - evalStart, promptTimingSource: 'measured' as const} : {promptTimingSource: 'unavailable' as const}),
          },
        };
      } finally {
        this.release(slot);
      }
    } catch (err) {
      if (timedOut) throw signal.reason instanceof JuneError ? signal.reason : new JuneError('TIMEOUT', `generation took longer than ${options.timeoutMs} ms`);
      if (err instanceof JuneError) throw err;
      if (signal.aborted) return emptyResult('abort', 0, performance.now() - t0);
      throw new JuneError('INFERENCE_FAILED', `generation failed: ${(err as Error).message ?? String(err)}`, {
        hint: 'rerun with --verbose; if it persists, try a smaller --ctx-size or another model',
        cause: err,
      });
    } finally {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}

function emptyResult(finishReason: FinishReason, promptTokens: number, ms: number): GenerationResult {
  return {
    text: '',
    toolCalls: [],
    finishReason,
    usage: {promptTokens, completionTokens: 0, cachedPromptTokens: 0, evaluatedPromptTokens: 0},
    timings: {ttftMs: ms, totalMs: ms, promptTimingSource: 'unavailable'},
  };
}

export {newCallId};
