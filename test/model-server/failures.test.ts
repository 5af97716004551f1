import { APIConnectionError, AuthenticationError, BadRequestError, InternalServerError, RateLimitError } from 'openai';
import { describe, expect, test } from 'vitest';
import { serve } from './helpers.js';

const ask = { model: 'gpt-4.1-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('scripted failures', () => {
  test('a 429 carries retry-after and OpenAI\'s error shape', async () => {
    const { client, server } = await serve({
      replies: [{ status: 429, headers: { 'retry-after': 7 } }, { content: 'now it works' }],
    });
    const error = await client.chat.completions.create(ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const rate = error as RateLimitError;
    expect(rate.status).toBe(429);
    expect(rate.headers.get('retry-after')).toBe('7');
    expect(rate.code).toBe('rate_limit_exceeded');
    expect(rate.type).toBe('requests');
    expect(rate.message).toContain('Rate limit reached');
    expect((await client.chat.completions.create(ask)).choices[0]?.message.content).toBe('now it works');
    expect(server.requests().map((r) => [r.status, r.outcome])).toEqual([
      [429, 'error'],
      [200, 'ok'],
    ]);
  });

  test('429 then success: the SDK retries after retry-after and gets the answer', async () => {
    const { client, server } = await serve(
      { replies: [{ status: 429, headers: { 'retry-after': '1' } }, { content: 'second try' }] },
      { maxRetries: 2 },
    );
    const response = await client.responses.create({ model: 'gpt-4.1-mini', input: 'hi' });
    expect(response.output_text).toBe('second try');
    expect(server.requests().map((r) => r.status)).toEqual([429, 200]);
  });

  test('a 503 then success on a stream, and a custom error body', async () => {
    const { client, server } = await serve(
      {
        replies: [
          { status: 503, error: { message: 'Overloaded, try again', type: 'server_error', code: 'overloaded' } },
          { content: 'back' },
        ],
      },
      { maxRetries: 0 },
    );
    const error = await client.chat.completions.create(ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).status).toBe(503);
    expect((error as InternalServerError).message).toContain('Overloaded, try again');
    const stream = await client.chat.completions.create({ ...ask, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('back');
    expect(server.requests()[0]).toMatchObject({ outcome: 'error', error: 'Overloaded, try again' });
  });

  test('a chat stream cut after 3 chunks fails in the SDK and the log shows no usage was sent', async () => {
    const { client, server } = await serve({
      replies: [{ content: 'one two three four five six', usage: { input_tokens: 10, output_tokens: 6 }, cut_after_chunks: 3 }],
    });
    const stream = await client.chat.completions.create({ ...ask, stream: true, stream_options: { include_usage: true } });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(text).toBe('one two'); // the role chunk, then two words: three chunks
    expect(server.requests()[0]).toMatchObject({ outcome: 'cut', events: 3, usage: null });
  });

  test('a Responses stream cut halfway never reaches response.completed', async () => {
    const { client, server } = await serve({ replies: [{ content: 'a b c d', cut_after_chunks: 5 }] });
    const stream = await client.responses.create({ model: 'gpt-4.1', input: 'go', stream: true });
    const types: string[] = [];
    const error = await (async () => {
      for await (const event of stream) types.push(event.type);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(types).toHaveLength(5);
    expect(types).not.toContain('response.completed');
    expect(server.requests()[0]).toMatchObject({ outcome: 'cut', events: 5, usage: null });
  });

  test('a reply that reports no usage sends none', async () => {
    const { client, server } = await serve({ replies: [{ content: 'no meter', usage: null }] });
    const completion = await client.chat.completions.create(ask);
    expect(completion.usage).toBeUndefined();
    expect(server.requests()[0]?.usage).toBeNull();
  });

  test('a client that gives up during a delay is logged as aborted', async () => {
    const { client, server } = await serve({ replies: [{ content: 'too late', delay_ms: 60_000 }] });
    const controller = new AbortController();
    const pending = client.chat.completions.create(ask, { signal: controller.signal }).catch((e: unknown) => e);
    // Abort once the server has the request (it is waiting out the delay), not after a guessed time.
    while (server.unusedReplies().length > 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    while (server.requests().length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(server.requests()[0]).toMatchObject({ outcome: 'aborted', reply: '#1', usage: null });
  });

  test('a script with api_key refuses a request without it', async () => {
    const { server } = await serve({ api_key: 'sk-right', replies: [{ content: 'ok' }] });
    const { default: OpenAI } = await import('openai');
    const wrong = new OpenAI({ baseURL: server.url, apiKey: 'sk-wrong', maxRetries: 0 });
    const error = await wrong.chat.completions.create(ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('invalid_api_key');
    const right = new OpenAI({ baseURL: server.url, apiKey: 'sk-right', maxRetries: 0 });
    expect((await right.chat.completions.create(ask)).choices[0]?.message.content).toBe('ok');
  });

  test('a closed server is a connection error, not a hang', async () => {
    const { client, server } = await serve({ replies: [] });
    await server.close();
    expect(await client.models.list().catch((e: unknown) => e)).toBeInstanceOf(APIConnectionError);
  });

  test('a request the server cannot read gets a 400 naming the field', async () => {
    const { client } = await serve({ replies: [{ content: 'x' }] });
    const error = await client.chat.completions.create({ model: 'm', messages: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).param).toBe('messages');
  });
});
