import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestError, NotFoundError } from 'openai';
import { describe, expect, test } from 'vitest';
import { loadModelScript, ModelScriptError } from '../../src/model-server/index.js';
import { serve, tempDir } from './helpers.js';

const user = (content: string) => ({ model: 'gpt-4.1-mini', messages: [{ role: 'user' as const, content }] });

describe('choosing replies', () => {
  test('a pattern picks its reply whatever the order of requests', async () => {
    const { client, server } = await serve({
      replies: [
        { name: 'docs', match: { message: '/^document/i' }, content: 'docs reply' },
        { name: 'fix', match: { message: 'failing test|FAILING TEST' }, content: 'fix reply' },
      ],
    });
    expect((await client.chat.completions.create(user('The FAILING TEST is a.test.ts'))).choices[0]?.message.content).toBe('fix reply');
    expect((await client.chat.completions.create(user('Document src/a.ts'))).choices[0]?.message.content).toBe('docs reply');
    expect(server.requests().map((r) => r.reply)).toEqual(['fix', 'docs']);
  });

  test('replies without conditions are served in order, each once unless told otherwise', async () => {
    const { client, server } = await serve({
      replies: [{ content: 'first' }, { content: 'second', times: 2 }, { content: 'always', times: 'always' }],
    });
    const texts = [];
    for (let i = 0; i < 6; i++) texts.push((await client.chat.completions.create(user(`call ${i}`))).choices[0]?.message.content);
    expect(texts).toEqual(['first', 'second', 'second', 'always', 'always', 'always']);
    expect(server.requests().map((r) => r.reply_index)).toEqual([0, 1, 1, 2, 2, 2]);
  });

  test('model, api and stream conditions, and model names as regexes', async () => {
    const { client } = await serve({
      replies: [
        { match: { api: 'responses' }, content: 'responses only' },
        { match: { model: '/^o\\d/' , stream: false }, content: 'reasoning model' },
        { match: { model: 'gpt-4.1-mini' }, content: 'mini' },
      ],
    });
    expect((await client.chat.completions.create(user('x'))).choices[0]?.message.content).toBe('mini');
    expect((await client.chat.completions.create({ ...user('x'), model: 'o4-mini' })).choices[0]?.message.content).toBe('reasoning model');
    expect((await client.responses.create({ model: 'gpt-4.1-mini', input: 'x' })).output_text).toBe('responses only');
  });

  test('an unmatched request gets a 400 that says what each reply needed', async () => {
    const { client, server } = await serve({
      replies: [
        { name: 'fix', match: { last_message: 'expected 2' }, content: 'a' },
        { content: 'b' },
      ],
    });
    await client.chat.completions.create(user('first call uses the unconditioned reply'));
    const error = await client.chat.completions.create(user('the test output was lost')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    const bad = error as BadRequestError;
    expect(bad.status).toBe(400);
    expect(bad.code).toBe('no_matching_reply');
    expect(bad.type).toBe('invalid_request_error');
    expect(bad.message).toBe(
      '400 No reply in <inline script> matches this chat request (model "gpt-4.1-mini", not streaming, ' +
        'last message "the test output was lost"): reply "fix" needs the last message to match /expected 2/; ' +
        'reply #2 was already used 1 time.',
    );
    expect(server.requests()[1]).toMatchObject({ outcome: 'unmatched', status: 400, reply: null });
  });
});

describe('the request log', () => {
  test('every request is one JSON line with what was served and the usage sent', async () => {
    const dir = tempDir();
    const logFile = join(dir, 'requests.jsonl');
    const { client, server } = await serve(
      {
        replies: [
          { name: 'a', content: 'x', usage: { input_tokens: 5, output_tokens: 2 } },
          { name: 'b', content: 'y', usage: { input_tokens: 7, cached_input_tokens: 3, output_tokens: 4, reasoning_tokens: 1 } },
        ],
      },
      { logFile },
    );
    await client.chat.completions.create(user('one'));
    const stream = await client.responses.create({ model: 'o4-mini', input: 'two', stream: true });
    for await (const _event of stream) {
      // drain
    }
    await client.models.list();
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual(JSON.parse(JSON.stringify(server.requests())));
    expect(lines.map((l) => [l['seq'], l['path'], l['reply'], l['outcome']])).toEqual([
      [1, '/v1/chat/completions', 'a', 'ok'],
      [2, '/v1/responses', 'b', 'ok'],
      [3, '/v1/models', null, 'ok'],
    ]);
    expect(lines[0]?.['usage']).toEqual({ input_tokens: 5, cached_input_tokens: 0, output_tokens: 2, reasoning_tokens: 0 });
    expect(lines[1]?.['usage']).toEqual({ input_tokens: 7, cached_input_tokens: 3, output_tokens: 4, reasoning_tokens: 1 });
    expect(lines[1]?.['body']).toMatchObject({ model: 'o4-mini', input: 'two', stream: true });
  });

  test('without usage in the script the estimate is deterministic and within the output limit', async () => {
    const { client, server } = await serve({ replies: [{ content: 'a'.repeat(400), times: 2 }] });
    const a = await client.chat.completions.create({ ...user('x'.repeat(40)), max_tokens: 50 });
    const b = await client.chat.completions.create({ ...user('x'.repeat(40)), max_completion_tokens: 500 });
    expect(a.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 50 });
    expect(b.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 100 });
    expect(server.requests().map((r) => r.usage?.output_tokens)).toEqual([50, 100]);
  });
});

describe('models', () => {
  test('/v1/models lists the script\'s models and an unknown one is a 404', async () => {
    const { client } = await serve({
      replies: [{ match: { model: 'gpt-4.1-mini' }, content: 'a' }, { model: 'o4-mini', content: 'b' }],
    });
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['gpt-4.1-mini', 'o4-mini']);
    expect((await client.models.retrieve('o4-mini')).id).toBe('o4-mini');
    expect(await client.models.retrieve('gpt-9').catch((e: unknown) => e)).toBeInstanceOf(NotFoundError);
  });
});

describe('script files', () => {
  test('YAML and JSON scripts load; problems are reported at file:line:col', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'good.json'), JSON.stringify({ models: ['m'], replies: [{ content: 'hi' }] }));
    expect((await loadModelScript(join(dir, 'good.json'))).models).toEqual(['m']);
    writeFileSync(
      join(dir, 'bad.yaml'),
      [
        'replies:',
        '  - content: hi',
        '    status: 700',
        '  - match:',
        '      message: "(unclosed"',
        '    usage: { input_tokens: 3, cached_input_tokens: 9, output_tokens: 1 }',
        '  - contnet: typo',
        '',
      ].join('\n'),
    );
    const error = await loadModelScript('bad.yaml', dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelScriptError);
    const messages = (error as ModelScriptError).diagnostics.map((d) => d.toString());
    expect(messages).toEqual([
      'bad.yaml:3:13: "replies[0].status" must be an HTTP status from 200 to 599, got 700',
      'bad.yaml:7:5: Unknown field "replies[2].contnet": did you mean "content"?',
    ]);
    writeFileSync(join(dir, 'bad2.yaml'), ['replies:', '  - match:', '      message: "(unclosed"', '    usage: { input_tokens: 3, cached_input_tokens: 9, output_tokens: 1 }', ''].join('\n'));
    const second = (await loadModelScript('bad2.yaml', dir).catch((e: unknown) => e)) as ModelScriptError;
    expect(second.diagnostics.map((d) => d.toString())).toEqual([
      'bad2.yaml:3:16: "replies[0].match.message" is not a valid regular expression: Invalid regular expression: /(unclosed/: Unterminated group',
      'bad2.yaml:4:52: "replies[0].usage.cached_input_tokens" must not exceed "input_tokens" (3): cached tokens are part of the input',
    ]);
  });
});

describe('concurrent requests', () => {
  test('100 calls at once each get an answer and one log entry with the usage sent', async () => {
    const { client, server } = await serve({
      replies: [{ content: 'ok', usage: { input_tokens: 10, cached_input_tokens: 2, output_tokens: 3 }, times: 'always' }],
    });
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2 === 0
          ? client.chat.completions.create(user(`call ${i}`)).then((c) => c.usage?.prompt_tokens)
          : client.responses.create({ model: 'gpt-4.1-mini', input: `call ${i}` }).then((r) => r.usage?.input_tokens),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 100 }, () => 10));
    const logged = server.requests();
    expect(logged).toHaveLength(100);
    expect(new Set(logged.map((r) => r.seq)).size).toBe(100);
    expect(logged.reduce((n, r) => n + (r.usage?.output_tokens ?? 0), 0)).toBe(300);
  });
});
