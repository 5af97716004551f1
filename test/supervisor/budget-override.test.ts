/**
 * `codex fleet resume AGENT --budget X | --add X`: the override is written to the journal, survives a
 * restart, and gives way when the spec's own cost_budget changes. `codex fleet cost` breaks spend down.
 */
import { describe, expect, it } from 'vitest';
import { GetTask, PauseAgent, Submit, WaitTask } from '../../src/control/methods.js';
import { runFleetAsync, useFleetTest, waitFor } from './helpers.js';
import { serveModel, startMeteredFleet, writeModelAgent } from './model-helpers.js';

describe('budget overrides', () => {
  const t = useFleetTest();

  it('survive a restart, add up, and give way when the spec changes', { timeout: 120_000 }, async () => {
    const server = await serveModel({ replies: [{ content: 'ok', usage: { input_tokens: 1000, output_tokens: 500 }, times: 'always' }] });
    writeModelAgent(t.dir, 'bot', { cost_budget: 0.5 });
    await startMeteredFleet(t, server, 'chat');
    await t.client!.request(PauseAgent, { agent: 'bot' });

    const resumed = await runFleetAsync(['resume', 'bot', '--budget', '2.00', '--state-dir', t.dir.stateDir]);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/^bot +running .* spent \$0\.00 of \$2\.00 \(override\), 0 calls\n$/);
    const { task } = await t.client!.request(Submit, { agent: 'bot', input: {} });
    await t.client!.request(WaitTask, { id: task.id, timeout_s: 60 });

    const cost = await runFleetAsync(['cost', '--json', '--by', 'model', '--state-dir', t.dir.stateDir]);
    expect(JSON.parse(cost.stdout)).toEqual({
      by: 'model',
      rows: [{ key: 'gpt-4.1-mini', spent_usd: 0.0012, reserved_usd: 0, calls: 1, unsettled_calls: 0, input_tokens: 1000, output_tokens: 500 }],
      total_spent_usd: 0.0012,
      total_reserved_usd: 0,
    });
    const added = await runFleetAsync(['resume', 'bot', '--add', '1', '--state-dir', t.dir.stateDir]);
    expect(added.stdout).toContain('of $3.00 (override)');
    const bad = await runFleetAsync(['resume', 'bot', '--budget', 'lots', '--state-dir', t.dir.stateDir]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--budget must be a non-negative number of US dollars, like 2.00; got "lots"');

    // Restart: the override is still in force, and so is the spend.
    t.client!.close();
    await t.fleet!.supervisor.stop();
    await startMeteredFleet(t, server, 'chat');
    expect(await t.agentStatus('bot')).toMatchObject({ budget_usd: 3, budget_source: 'override', spent_usd: 0.0012, calls: 1 });

    // The spec's value changes: the spec wins again, and says why.
    writeModelAgent(t.dir, 'bot', { cost_budget: 0.75 });
    t.client!.close();
    await t.fleet!.supervisor.stop();
    await startMeteredFleet(t, server, 'chat');
    const status = await t.agentStatus('bot');
    expect(status).toMatchObject({ budget_usd: 0.75, budget_source: 'spec', cost_budget: 0.75 });
    expect(status.budget_why).toContain('changed from $0.500000');
  });

  it('lets a graceful stop end while a call waits for budget: the task is queued again, nothing failed', { timeout: 120_000 }, async () => {
    // A call: 10 + 100 tokens = 164 µ$; its worst case ≈ 210 µ$. The second call of the task cannot fit $0.0003.
    const server = await serveModel({ replies: [{ content: 'ok', usage: { input_tokens: 10, output_tokens: 100 }, times: 'always' }] });
    writeModelAgent(t.dir, 'waiter', { cost_budget: 0.0003 });
    await startMeteredFleet(t, server, 'chat');
    const { task } = await t.client!.request(Submit, { agent: 'waiter', input: { calls: 2 } });
    await waitFor(async () => (await t.agentStatus('waiter')).waiting_calls === 1, 'the second call to wait for budget');
    expect(await t.agentStatus('waiter')).toMatchObject({ state: 'paused', running: 1, spent_usd: 0.000164 });
    t.client!.close();
    await t.fleet!.supervisor.stop(); // a drain: must not wait for the waiting call forever
    t.fleet = undefined;
    await startMeteredFleet(t, server, 'chat');
    const status = await t.agentStatus('waiter');
    expect(status).toMatchObject({ state: 'paused', queued: 1, failed: 0, running: 0, spent_usd: 0.000164, calls: 1 });
    expect((await t.client!.request(GetTask, { id: task.id })).task.state).toBe('queued');
    expect(server.requests()).toHaveLength(1);
  });
});
