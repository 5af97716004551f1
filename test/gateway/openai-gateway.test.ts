/**
 * The gateway against the local model server, through the real `openai` SDK over real HTTP: both APIs,
 * streaming and not, tool calls both ways, cut streams, rate limits, cancellation and the output limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiGateway } from '../../src/gateway/openai-gateway.js';
import { GatewayError, type GatewayRequest, type Provider, type ProviderApi } from '../../src/gateway/types.js';
import { startModelServer, type ModelServer, type ModelScriptInput } from '../../src/model-server/index.js';

const servers: ModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(script: ModelScriptInput): Promise<ModelServer> {
  const server = await startModelServer({ script });
  servers.push(server);
  return server;
}

function provider(server: ModelServer, api: ProviderApi, maxRetries = 0): Provider {
  return { name: 'local', api, baseURL: server.url, apiKey: 'sk-test', maxRetries };
}

function request(p: Provider, overrides: Partial<GatewayRequest> = {}): GatewayRequest {
  return { provider: p, model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Say hi' }], maxOutputTokens: 64, stream: false, ...overrides };
}

const gateway = new OpenAiGateway();
const APIS: ProviderApi[] = ['chat', 'responses'];

describe('SDK clients', () => {
  it('keeps one client per provider settings, however many Provider objects the calls bring', async () => {
    const server = await serve({ replies: [{ content: 'ok', usage: { input_tokens: 1, output_tokens: 1 }, times: 'always' }] });
    const own = new OpenAiGateway();
    for (let i = 0; i < 5; i++) expect((await own.complete(request(provider(server, 'chat')))).text).toBe('ok');
    expect(own.clientCount).toBe(1);
    await own.complete(request({ ...provider(server, 'chat'), apiKey: 'sk-other' }));
    expect(own.clientCount).toBe(2);
    expect(server.requests()).toHaveLength(6);
  });
});

describe.each(APIS)('the %s API', (api) => {
  it('answers a non-streamed call with text, finish reason and the reported usage, cached and reasoning tokens included', async () => {
    const server = await serve({ replies: [{ content: 'hello there', usage: { input_tokens: 1000, cached_input_tokens: 800, output_tokens: 500, reasoning_tokens: 100 } }] });
    const reply = await gateway.complete(request(provider(server, api)));
    expect(reply).toEqual({
      text: 'hello there',
      finishReason: 'stop',
      toolCalls: [],
      model: 'gpt-4.1-mini',
      usage: { input_tokens: 1000, cached_input_tokens: 800, output_tokens: 500, reasoning_tokens: 100 },
    });
  });

  it('relays a stream piece by piece and still gets the usage at the end', async () => {
    const server = await serve({ replies: [{ content: 'one two three four', usage: { input_tokens: 12, output_tokens: 4 } }] });
    const deltas: string[] = [];
    const reply = await gateway.complete(request(provider(server, api), { stream: true }), { onDelta: (t) => deltas.push(t) });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('one two three four');
    expect(reply.usage).toEqual({ input_tokens: 12, cached_input_tokens: 0, output_tokens: 4, reasoning_tokens: 0 });
    if (api === 'chat') expect(server.requests()[0]?.body).toMatchObject({ stream_options: { include_usage: true } });
  });

  it.each([false, true])('round-trips tool calls (stream %s): sent as tools, answered with tool_calls, fed back as history', async (stream) => {
    const server = await serve({
      replies: [
        { match: { tool: 'weather' }, tool_calls: [{ name: 'weather', arguments: { city: 'Oslo' }, id: 'call_1' }], usage: { input_tokens: 50, output_tokens: 10 } },
        { match: { last_message: '"celsius":4' }, content: 'It is 4 degrees.', usage: { input_tokens: 80, output_tokens: 6 } },
      ],
    });
    const p = provider(server, api);
    const tools = [{ type: 'function' as const, name: 'weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const first = await gateway.complete(request(p, { stream, tools, toolChoice: 'auto', messages: [{ role: 'user', content: 'Weather in Oslo?' }] }));
    expect(first.finishReason).toBe('tool_calls');
    expect(first.toolCalls).toEqual([{ id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' }]);
    const second = await gateway.complete(
      request(p, {
        stream,
        tools,
        messages: [
          { role: 'user', content: 'Weather in Oslo?' },
          { role: 'assistant', content: '', tool_calls: first.toolCalls.map((c) => ({ ...c })) },
          { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":4}' },
        ],
      }),
    );
    expect(second).toMatchObject({ text: 'It is 4 degrees.', finishReason: 'stop', toolCalls: [] });
    const sent = server.requests()[1]?.body as Record<string, unknown>;
    if (api === 'chat') {
      expect(sent['messages']).toEqual([
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":4}' },
      ]);
    } else {
      expect(sent['input']).toEqual([
        { role: 'user', content: 'Weather in Oslo?' },
        { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '{"celsius":4}' },
      ]);
      expect(sent['store']).toBe(false);
    }
  });

  it('sends structured output as a JSON Schema', async () => {
    const server = await serve({ replies: [{ content: '{"n":7}' }] });
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    const reply = await gateway.complete(request(provider(server, api), { responseFormat: { type: 'json_schema', name: 'prime', schema, strict: true } }));
    expect(JSON.parse(reply.text)).toEqual({ n: 7 });
    const body = server.requests()[0]?.body as Record<string, unknown>;
    if (api === 'chat') expect(body['response_format']).toEqual({ type: 'json_schema', json_schema: { name: 'prime', schema, strict: true } });
    else expect(body['text']).toEqual({ format: { type: 'json_schema', name: 'prime', schema, strict: true } });
  });

  it('reports a stream cut halfway as a failure whose cost is unknown', async () => {
    const server = await serve({ replies: [{ content: 'a b c d e f g h i j k l', cut_after_chunks: 4, usage: { input_tokens: 10, output_tokens: 12 } }] });
    const deltas: string[] = [];
    const error = await gateway.complete(request(provider(server, api), { stream: true }), { onDelta: (t) => deltas.push(t) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).charged).toBe('unknown');
    expect(server.requests()[0]?.outcome).toBe('cut');
  });

  it('retries a 429 after the retry-after the server asked for, then succeeds', async () => {
    const server = await serve({
      replies: [{ status: 429, headers: { 'retry-after-ms': '300' } }, { content: 'ok', usage: { input_tokens: 5, output_tokens: 1 } }],
    });
    const reply = await gateway.complete(request(provider(server, api, 2)));
    expect(reply.text).toBe('ok');
    const log = server.requests();
    expect(log.map((r) => r.status)).toEqual([429, 200]);
    // The second attempt came no sooner than the server asked (the SDK waits retry-after-ms).
    expect(Date.parse(log[1]!.time) - Date.parse(log[0]!.time)).toBeGreaterThanOrEqual(290);
  });

  it('gives up on an HTTP error as a failure that cost nothing', async () => {
    const server = await serve({ replies: [{ status: 400, error: { message: 'bad model' } }] });
    const error = await gateway.complete(request(provider(server, api))).catch((e: unknown) => e);
    expect(error).toMatchObject({ charged: 'none', status: 400 });
  });

  it('aborts the HTTP request when the call is cancelled', async () => {
    const server = await serve({ replies: [{ content: 'slow', delay_ms: 5000 }] });
    const abort = new AbortController();
    const call = gateway.complete(request(provider(server, api)), { signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    const error = await call.catch((e: unknown) => e);
    expect(error).toMatchObject({ charged: 'unknown', message: 'the call was cancelled' });
    await until(() => server.requests().length === 1);
    expect(server.requests()[0]?.outcome).toBe('aborted');
  });
});

describe('the output limit', () => {
  it.each([
    ['responses', 'gpt-4.1-mini', 'max_output_tokens'],
    ['chat', 'gpt-4.1-mini', 'max_tokens'],
    ['chat', 'o3-mini', 'max_completion_tokens'],
    ['chat', 'gpt-5-mini', 'max_completion_tokens'],
  ] as const)('is sent on %s for %s as %s', async (api, model, param) => {
    const server = await serve({ replies: [{ content: 'x', usage: { input_tokens: 1, output_tokens: 1 } }] });
    await gateway.complete(request(provider(server, api), { model, maxOutputTokens: 321 }));
    const body = server.requests()[0]?.body as Record<string, unknown>;
    expect(body[param]).toBe(321);
    for (const other of ['max_output_tokens', 'max_tokens', 'max_completion_tokens'].filter((p) => p !== param)) expect(body[other]).toBeUndefined();
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
}
