import { describe, expect, test } from 'vitest';
import { serve } from './helpers.js';

const usage = { input_tokens: 2000, cached_input_tokens: 1536, output_tokens: 420, reasoning_tokens: 256 };

describe('the Responses API through the openai SDK', () => {
  test('a non-streaming reply carries the text and every usage figure', async () => {
    const { client, server } = await serve({ replies: [{ content: 'Done.', usage }] });
    const response = await client.responses.create({
      model: 'o4-mini',
      instructions: 'Be brief.',
      input: 'Fix it',
      max_output_tokens: 800,
    });
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Done.');
    expect(response.max_output_tokens).toBe(800);
    expect(response.usage).toEqual({
      input_tokens: 2000,
      input_tokens_details: { cached_tokens: 1536 },
      output_tokens: 420,
      output_tokens_details: { reasoning_tokens: 256 },
      total_tokens: 2420,
    });
    expect(server.requests()[0]).toMatchObject({ api: 'responses', outcome: 'ok', usage });
  });

  test('a stream sends the real event sequence and response.completed carries the usage', async () => {
    const { client, server } = await serve({ replies: [{ content: 'alpha beta gamma', usage }] });
    const stream = await client.responses.create({ model: 'o4-mini', input: 'go', stream: true });
    const events = [];
    for await (const event of stream) events.push(event);
    const types = events.map((e) => e.type);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const completed = events[events.length - 1];
    expect(completed?.type === 'response.completed' && completed.response.usage).toMatchObject({
      input_tokens: 2000,
      input_tokens_details: { cached_tokens: 1536 },
      output_tokens_details: { reasoning_tokens: 256 },
    });
    expect(completed?.type === 'response.completed' && completed.response.output).toMatchObject([
      { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'alpha beta gamma' }] },
    ]);
    expect(server.requests()[0]).toMatchObject({ outcome: 'ok', stream: true, usage, events: 11 });
  });

  test('the SDK stream helper assembles the final response', async () => {
    const { client } = await serve({ replies: [{ content: 'assembled from deltas', usage }] });
    const stream = client.responses.stream({ model: 'o4-mini', input: 'go' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('assembled from deltas');
    expect(deltas.join('')).toBe('assembled from deltas');
    expect(final.usage?.output_tokens).toBe(420);
  });

  test('tool calls round-trip: function_call items, then the function_call_output is matched', async () => {
    const { client, server } = await serve({
      replies: [
        { name: 'call', match: { api: 'responses', tool: 'run_tests' }, tool_calls: [{ name: 'run_tests', arguments: '{"path":"t.ts"}' }] },
        { name: 'after', match: { last_message: '^1 failed' }, content: 'Looking at the failure.' },
      ],
    });
    const tools = [{ type: 'function' as const, name: 'run_tests', parameters: { type: 'object' }, strict: false }];
    const first = await client.responses.create({ model: 'gpt-4.1', input: 'run the tests', tools });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'run_tests', arguments: '{"path":"t.ts"}', status: 'completed' });
    expect(call?.type === 'function_call' && call.call_id).toMatch(/^call_/);

    const streamed = client.responses.stream({
      model: 'gpt-4.1',
      tools,
      input: [
        { role: 'user', content: 'run the tests' },
        ...(call?.type === 'function_call' ? [call] : []),
        { type: 'function_call_output', call_id: call?.type === 'function_call' ? call.call_id : '', output: '1 failed, 3 passed' },
      ],
    });
    expect((await streamed.finalResponse()).output_text).toBe('Looking at the failure.');
    expect(server.requests().map((r) => r.reply)).toEqual(['call', 'after']);
  });

  test('a streamed function call arrives as argument deltas that add up to the arguments', async () => {
    const args = { query: 'a long argument string that is streamed in several pieces' };
    const { client } = await serve({ replies: [{ tool_calls: [{ name: 'search', arguments: args }] }] });
    const stream = await client.responses.create({ model: 'gpt-4.1', input: 'search', stream: true });
    const deltas: string[] = [];
    let done: string | undefined;
    for await (const event of stream) {
      if (event.type === 'response.function_call_arguments.delta') deltas.push(event.delta);
      if (event.type === 'response.function_call_arguments.done') done = event.arguments;
    }
    expect(deltas.length).toBeGreaterThan(1);
    expect(JSON.parse(deltas.join(''))).toEqual(args);
    expect(done).toBe(deltas.join(''));
  });

  test('finish_reason length gives an incomplete response with the reason', async () => {
    const { client } = await serve({ replies: [{ content: 'cut short', finish_reason: 'length' }] });
    const response = await client.responses.create({ model: 'gpt-4.1', input: 'write a lot', max_output_tokens: 16 });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
  });
});
