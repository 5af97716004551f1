import { describe, expect, test } from 'vitest';
import { serve } from './helpers.js';

const usage = { input_tokens: 1200, cached_input_tokens: 1024, output_tokens: 300, reasoning_tokens: 128 };

describe('Chat Completions through the openai SDK', () => {
  test('a non-streaming reply carries the text and every usage figure', async () => {
    const { client, server } = await serve({ replies: [{ content: 'The test passes now.', usage }] });
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: 'Fix the test' }],
      max_tokens: 500,
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-4.1-mini');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'The test passes now.' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({
      prompt_tokens: 1200,
      completion_tokens: 300,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 1024 },
      completion_tokens_details: { reasoning_tokens: 128 },
    });
    const [logged] = server.requests();
    expect(logged).toMatchObject({ api: 'chat', outcome: 'ok', status: 200, stream: false, reply: '#1' });
    expect(logged?.usage).toEqual(usage);
    expect((logged?.body as { max_tokens: number }).max_tokens).toBe(500);
  });

  test('a stream with include_usage ends with a chunk that has no choices and the usage', async () => {
    const { client, server } = await serve({ replies: [{ content: 'one two three four', usage }] });
    const stream = await client.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 1200, completion_tokens: 300, prompt_tokens_details: { cached_tokens: 1024 } });
    // Every chunk before it has usage: null, as the real API sends it.
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('one two three four');
    expect(chunks.length).toBeGreaterThan(4); // the text arrives in several deltas
    expect(chunks[chunks.length - 2]?.choices[0]?.finish_reason).toBe('stop');
    expect(server.requests()[0]).toMatchObject({ outcome: 'ok', stream: true, usage });
  });

  test('a stream without include_usage reports no usage, and the log says so', async () => {
    const { client, server } = await serve({ replies: [{ content: 'hello', usage }] });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    expect(server.requests()[0]?.usage).toBeNull();
  });

  test('tool calls round-trip: the call, then the tool result fed back is matched', async () => {
    const { client, server } = await serve({
      replies: [
        {
          name: 'call-tests',
          match: { tool: 'run_tests' },
          tool_calls: [{ id: 'call_abc', name: 'run_tests', arguments: { path: 'test/a.test.ts', watch: false } }],
        },
        { name: 'after-result', match: { last_message: 'FAIL .*expected 2' }, content: 'The assertion is off by one.' },
      ],
    });
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'run_tests', parameters: { type: 'object', properties: { path: { type: 'string' } } } },
      },
    ];
    const first = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'run them' }], tools });
    const message = first.choices[0]?.message;
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(message?.content).toBeNull();
    const call = message?.tool_calls?.[0];
    expect(call).toMatchObject({ id: 'call_abc', type: 'function' });
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ path: 'test/a.test.ts', watch: false });

    const second = await client.chat.completions.create({
      model: 'm',
      tools,
      messages: [
        { role: 'user', content: 'run them' },
        { role: 'assistant', content: null, tool_calls: message?.tool_calls ?? [] },
        { role: 'tool', tool_call_id: 'call_abc', content: 'FAIL test/a.test.ts: expected 2, got 3' },
      ],
    });
    expect(second.choices[0]?.message.content).toBe('The assertion is off by one.');
    expect(server.requests().map((r) => r.reply)).toEqual(['call-tests', 'after-result']);
  });

  test('streamed tool calls assemble into the same call with the SDK stream helper', async () => {
    const args = { path: 'src/a very long path/with spaces and ünïcode.ts', lines: [1, 2, 3] };
    const { client } = await serve({ replies: [{ tool_calls: [{ name: 'read_file', arguments: args }] }] });
    const stream = client.chat.completions.stream({
      model: 'm',
      messages: [{ role: 'user', content: 'read it' }],
      tools: [{ type: 'function', function: { name: 'read_file', parameters: { type: 'object' } } }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('read_file');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual(args);
    expect(call?.id).toMatch(/^call_/);
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
  });
});
