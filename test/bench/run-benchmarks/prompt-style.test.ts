/** --prompt-style auto decides from the model's chat template (GGUF or server report), never its name. */
import {describe, expect, it} from 'vitest';
import {choosePromptStyle} from '../../../src/bench/run-benchmarks/run.js';
import type {ChatTemplateReport, ModelHost} from '../../../src/runtime/model-host.js';

function fakeHost(id: string, backend: 'embedded' | 'endpoint', report: ChatTemplateReport | undefined): ModelHost {
  const unused = (): never => {
    throw new Error('not generating in this test');
  };
  return {
    info: {id, backend, source: backend === 'endpoint' ? 'http://127.0.0.1:1' : `/m/${id}.gguf`, contextSize: null, parameters: null, gpu: false, threads: null},
    chat: unused,
    complete: unused,
    close: async () => {},
    ...(report ? {chatTemplateReport: async () => report} : {}),
  };
}

describe('choosePromptStyle', () => {
  it('follows the chat template, not the name', async () => {
    // an "instruct" name without a template is a base model to june; a plain name with one chats
    const base = await choosePromptStyle('auto', fakeHost('qwen2.5-coder-1.5b-instruct', 'embedded', {present: false, source: 'the GGUF has no tokenizer.chat_template'}));
    expect(base).toEqual({style: 'completion', asked: 'auto', reason: 'auto: the GGUF has no tokenizer.chat_template'});
    const chat = await choosePromptStyle(undefined, fakeHost('my-model', 'embedded', {present: true, source: 'the GGUF has a tokenizer.chat_template'}));
    expect(chat).toEqual({style: 'chat', asked: 'auto', reason: 'auto: the GGUF has a tokenizer.chat_template'});
  });

  it('an endpoint: what the server reports; chat when it reports nothing', async () => {
    expect((await choosePromptStyle('auto', fakeHost('m', 'endpoint', {present: false, source: 'the server reports no chat template'}))).style).toBe('completion');
    expect((await choosePromptStyle('auto', fakeHost('m', 'endpoint', {present: true, source: 's'}))).style).toBe('chat');
    const silent = await choosePromptStyle('auto', fakeHost('m-base', 'endpoint', {present: null, source: 'the server reports nothing about a chat template (404)'}));
    expect(silent.style).toBe('chat');
    expect(silent.reason).toMatch(/reports nothing.*chat, the default for a server/);
    expect((await choosePromptStyle('auto', fakeHost('m', 'endpoint', undefined))).style).toBe('chat');
  });

  it('the flag wins, and says so', async () => {
    const host = fakeHost('m', 'embedded', {present: true, source: 's'});
    expect(await choosePromptStyle('completion', host)).toEqual({style: 'completion', asked: 'completion', reason: '--prompt-style completion'});
  });
});
