/**
 * Does a model carry its own chat template? Embedded: the GGUF's tokenizer.chat_template (read by the
 * runtime). Endpoint: what the server reports in GET /props (llama-server's shape; june serve answers
 * it too), `present: null` when it reports nothing.
 */
import {createServer, type Server} from 'node:http';
import {mkdtempSync, rmSync} from 'node:fs';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ConfigSchema} from '../../src/config.js';
import {openEndpoint} from '../../src/runtime/endpoint/index.js';
import {ggufChatTemplate, readGguf} from '../../src/runtime/gguf/index.js';
import type {ModelHost} from '../../src/runtime/model-host.js';
import {openModel} from '../../src/runtime/open-model.js';
import {startServer} from '../../src/runtime/serve/index.js';
import {requireTinyModel} from '../helpers/env.js';
import {llamaSpec, writeGguf} from '../helpers/gguf-writer.js';

const CHATML = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}";

describe('the GGUF chat template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'june-chat-template-'));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));
  const shape = {nEmbd: 64, nLayer: 1, nHead: 4, nFf: 128, nVocab: 32};

  it('is present when the file has tokenizer.chat_template, absent otherwise', async () => {
    const chat = join(dir, 'chat.gguf');
    await writeGguf(chat, llamaSpec({name: 'instruct', ...shape, extraMetadata: [['tokenizer.chat_template', {type: 'string', value: CHATML}]]}), {fill: 'sparse'});
    expect(ggufChatTemplate(await readGguf(chat))).toEqual({present: true, source: 'the GGUF has a tokenizer.chat_template', template: CHATML});

    const base = join(dir, 'base.gguf');
    await writeGguf(base, llamaSpec({name: 'base', ...shape}), {fill: 'sparse'});
    expect(ggufChatTemplate(await readGguf(base))).toEqual({present: false, source: 'the GGUF has no tokenizer.chat_template'});

    const blank = join(dir, 'blank.gguf');
    await writeGguf(blank, llamaSpec({name: 'blank', ...shape, extraMetadata: [['tokenizer.chat_template', {type: 'string', value: '  '}]]}), {fill: 'sparse'});
    expect(ggufChatTemplate(await readGguf(blank)).present).toBe(false);
  });
});

describe('the tiny model (no chat template) embedded, through june serve and back as an endpoint', () => {
  let host: ModelHost;
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    host = await openModel({model: requireTinyModel(), config: ConfigSchema.parse({}), env: {}, gpu: 'false', threads: 1, contextSize: 256});
    server = await startServer({host, port: 0});
  });
  afterAll(async () => {
    await server?.close();
    await host?.close();
  });

  it('the embedded host reads it from the GGUF', async () => {
    expect(await host.chatTemplateReport?.()).toEqual({present: false, source: 'the GGUF has no tokenizer.chat_template'});
  });

  it('june serve reports it in GET /props (llama-server shape, "" for none), and the endpoint host reads that', async () => {
    const props = (await (await fetch(`${server.url}/props`)).json()) as Record<string, unknown>;
    expect(props).toMatchObject({model_alias: host.info.id, chat_template: ''});
    const ep = await openEndpoint({url: server.url});
    try {
      expect(await ep.chatTemplateReport()).toEqual({present: false, source: 'the server reports no chat template (GET /props chat_template is empty)'});
    } finally {
      await ep.close();
    }
  });
});

describe('what other servers report', () => {
  let server: Server;
  let url: string;
  let props: {status: number; body: string};
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v1/models') {
        res.writeHead(200, {'content-type': 'application/json'});
        return res.end(JSON.stringify({object: 'list', data: [{id: 'm', object: 'model'}]}));
      }
      if (req.url === '/props') {
        res.writeHead(props.status, {'content-type': 'application/json'});
        return res.end(props.body);
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const cases: Array<[string, {status: number; body: string}, boolean | null, RegExp]> = [
    ["llama-server's template", {status: 200, body: JSON.stringify({chat_template: CHATML, total_slots: 1})}, true, /reports a chat template/],
    ['an empty template', {status: 200, body: JSON.stringify({chat_template: ''})}, false, /chat_template is empty/],
    ['props without a template', {status: 200, body: JSON.stringify({total_slots: 1})}, null, /has no chat_template/],
    ['no /props at all (vLLM: 404)', {status: 404, body: JSON.stringify({detail: 'Not Found'})}, null, /reports nothing.*404/],
    ['something that is not JSON', {status: 200, body: '<html>'}, null, /not JSON/],
  ];
  for (const [label, answer, present, source] of cases)
    it(`${label} → present ${String(present)}`, async () => {
      props = answer;
      const ep = await openEndpoint({url, retry: {retries: 0}});
      const r = await ep.chatTemplateReport();
      expect(r.present).toBe(present);
      expect(r.source).toMatch(source);
      await ep.close();
    });
});
