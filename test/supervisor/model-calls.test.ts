/**
 * Model calls of real sandboxed workers through the supervisor's gateway and ledger, against the local
 * model server over real HTTP with the real `openai` SDK: exact dollars on each API, streaming usage,
 * the cached-input discount, tool calls, a worker that speaks only protocol 1.0, and calls that can
 * never be afforded.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Status, Submit, WaitTask, type TaskView } from '../../src/control/methods.js';
import { fixturesDir, useFleetTest } from './helpers.js';
import { serveModel, startMeteredFleet, writeModelAgent } from './model-helpers.js';

async function run(t: ReturnType<typeof useFleetTest>, agent: string, input: unknown): Promise<TaskView> {
  const { task } = await t.client!.request(Submit, { agent, input });
  return (await t.client!.request(WaitTask, { id: task.id, timeout_s: 120 })).task;
}

interface Reply {
  text: string;
  finish_reason: string;
  tool_calls?: { id: string; name: string; arguments: string }[];
  usage: Record<string, number>;
  cost_usd: number;
}
const outputOf = <T>(task: TaskView): T => (task.result as { output: T }).output;
const repliesOf = (task: TaskView): Reply[] => outputOf<{ replies: Reply[] }>(task).replies;

describe.each(['chat', 'responses'] as const)('model calls on the %s API', (api) => {
  const t = useFleetTest();

  it('bill the agent exactly for the usage the provider reported, streamed, with the cached-input discount', async () => {
    // gpt-4.1-mini: $0.40 input, $0.10 cached input, $1.60 output per million tokens.
    const server = await serveModel({
      replies: [
        { content: 'first answer in words', usage: { input_tokens: 1000, output_tokens: 500 } },
        { content: 'second answer', usage: { input_tokens: 1000, cached_input_tokens: 800, output_tokens: 500 } },
      ],
    });
    writeModelAgent(t.dir, 'spender', {});
    await startMeteredFleet(t, server, api);
    const task = await run(t, 'spender', { calls: 2 });
    expect(task.state).toBe('done');
    const [first, second] = repliesOf(task);
    expect(first).toMatchObject({ text: 'first answer in words', finish_reason: 'stop', cost_usd: 0.0012 }); // 1000×0.4 + 500×1.6 µ$
    expect(first?.usage).toEqual({ input_tokens: 1000, output_tokens: 500, cached_input_tokens: 0, reasoning_tokens: 0 });
    expect(second).toMatchObject({ cost_usd: 0.00096 }); // 200×0.4 + 800×0.1 + 500×1.6 µ$
    expect(outputOf<{ deltas: number }>(task).deltas).toBeGreaterThan(2); // streamed (the default), usage still there
    const status = await t.agentStatus('spender');
    expect(status).toMatchObject({ spent_usd: 0.00216, reserved_usd: 0, calls: 2, unsettled_calls: 0, input_tokens: 2000, output_tokens: 1000, budget_usd: 1, budget_source: 'spec' });
    expect(server.requests().map((r) => r.stream)).toEqual([true, true]);
    expect((await t.client!.request(Status, {})).totals).toEqual({
      spent_usd: 0.00216,
      reserved_usd: 0,
      budget_usd: null,
      calls: 2,
      input_tokens: 2000,
      output_tokens: 1000,
    });
  });

  it('round-trip tool calls to a worker that speaks 1.1', async () => {
    const server = await serveModel({
      replies: [{ match: { tool: 'weather' }, tool_calls: [{ name: 'weather', arguments: { city: 'Oslo' }, id: 'call_9' }], usage: { input_tokens: 40, output_tokens: 12 } }],
    });
    writeModelAgent(t.dir, 'tooler', {});
    await startMeteredFleet(t, server, api);
    const tools = [{ type: 'function', name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const task = await run(t, 'tooler', { tools });
    expect(repliesOf(task)[0]).toMatchObject({ finish_reason: 'tool_calls', tool_calls: [{ id: 'call_9', name: 'weather', arguments: '{"city":"Oslo"}' }] });
    const body = server.requests()[0]?.body as { tools: unknown[] };
    expect(body.tools).toHaveLength(1);
  });
});

describe('a worker that negotiated protocol 1.0', () => {
  const t = useFleetTest();

  it('keeps working and receives only 1.0 shapes, even when the provider answers with tool calls and cache details', async () => {
    const server = await serveModel({
      replies: [
        { tool_calls: [{ name: 'f', arguments: {} }], content: 'text too', usage: { input_tokens: 30, cached_input_tokens: 10, output_tokens: 5, reasoning_tokens: 2 }, times: 'always' },
      ],
    });
    copyFileSync(join(fixturesDir, 'protocol-1-0-worker.mjs'), join(t.dir.agentsDir, 'old-worker.mjs'));
    writeFileSync(
      join(t.dir.agentsDir, 'old.yaml'),
      ['name: old', 'role: a 1.0 worker', 'model: gpt-4.1-mini', 'max_tokens: 50', 'cost_budget: 1', `command: [${process.execPath}, ./old-worker.mjs]`].join('\n') + '\n',
    );
    await startMeteredFleet(t, server, 'chat');
    const task = await run(t, 'old', { prompt: 'hello' });
    expect(task.state).toBe('done');
    const output = outputOf<{ result: Reply; problems: string[]; notifications: string[] }>(task);
    expect(output.problems).toEqual([]);
    expect(output.result).toMatchObject({ text: 'text too', finish_reason: 'stop', usage: { input_tokens: 30, output_tokens: 5 } });
    expect(output.notifications.filter((m) => m !== 'model/delta')).toEqual([]);
    // 1.1 fields from a worker that said 1.0 are refused, not half-understood.
    const refused = await run(t, 'old', { prompt: 'hello', send_tools: true });
    expect(outputOf<{ error: { code: number; message: string } }>(refused).error).toMatchObject({
      code: -32602,
      message: '"tools" needs protocol 1.1, and this worker said 1.0 in "initialize"',
    });
  });
});

describe('a call that can never be afforded', () => {
  const t = useFleetTest();

  it('fails with BudgetExceeded at once, sends nothing and does not pause the agent', async () => {
    const server = await serveModel({ replies: [{ content: 'never', times: 'always' }] });
    // Worst case: at least 100 output tokens at $1.60/M = $0.00016 > $0.0001.
    writeModelAgent(t.dir, 'poor', { cost_budget: 0.0001 });
    await startMeteredFleet(t, server, 'chat');
    const task = await run(t, 'poor', {});
    expect(task.state).toBe('failed');
    expect(task.error).toMatch(/worst case \(\$0\.\d+: the input bound plus max_tokens of output\) is above poor's whole budget of \$0\.000100/);
    expect(server.requests()).toEqual([]);
    expect(await t.agentStatus('poor')).toMatchObject({ state: 'running', spent_usd: 0, reserved_usd: 0, calls: 0 });
  });
});

