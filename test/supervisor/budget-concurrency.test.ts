/**
 * The budget under concurrency: 200 calls from 10 sandboxed workers of one agent whose budget covers
 * about 30 of them. Spent + reserved never passes the budget at any moment (replayed from the journal's
 * ledger log), the ledger's total matches what the model server says it served, the agent ends paused
 * with no task failed, and raising the budget lets the rest finish.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GetTask, ResumeAgent, Submit, type TaskView, ListTasks } from '../../src/control/methods.js';
import type { ModelServer } from '../../src/model-server/index.js';
import { costMicroUsd, resolvePrice, usdToMicro } from '../../src/pricing/index.js';
import { useFleetTest, waitFor, type FleetDir } from './helpers.js';
import { serveModel, startMeteredFleet, writeModelAgent } from './model-helpers.js';

interface LogRow {
  seq: number;
  kind: string;
  spent_delta: number;
  reserved_delta: number;
  agent_budget: number | null;
}

/** Replays the ledger log in order; returns the highest spent + reserved seen under each budget. */
function replay(dir: FleetDir, agent: string): { peaks: Map<number, number>; spent: number; reserved: number; rows: number } {
  const db = new Database(dir.paths.journal, { readonly: true });
  try {
    const rows = db.prepare('SELECT seq, kind, spent_delta, reserved_delta, agent_budget FROM ledger_log WHERE agent = ? ORDER BY seq').all(agent) as LogRow[];
    let spent = 0;
    let reserved = 0;
    let budget = 0;
    const peaks = new Map<number, number>();
    for (const row of rows) {
      if (row.agent_budget !== null) budget = row.agent_budget;
      spent += row.spent_delta;
      reserved += row.reserved_delta;
      peaks.set(budget, Math.max(peaks.get(budget) ?? 0, spent + reserved));
    }
    return { peaks, spent, reserved, rows: rows.length };
  } finally {
    db.close();
  }
}

/** What the model server says it served, priced: the cross-check of the ledger. */
function servedMicro(server: ModelServer): number {
  const price = resolvePrice('gpt-4.1-mini')!;
  return server.requests().reduce((sum, r) => sum + (r.usage ? costMicroUsd(r.usage, price) : 0), 0);
}

describe('200 concurrent calls against a budget for about 30', () => {
  const t = useFleetTest();

  it('never spend past the budget, pause the agent with no task failed, and finish after a raise', { timeout: 300_000 }, async () => {
    // Each call: 20 input + 10 output tokens = 8 + 16 = 24 µ$; its worst case (≈125-token input bound +
    // 50 output tokens) ≈ 130 µ$. A budget of 720 µ$ covers 30 calls' actual cost.
    const server = await serveModel({ replies: [{ content: 'ok', usage: { input_tokens: 20, output_tokens: 10 }, delay_ms: 5, times: 'always' }] });
    writeModelAgent(t.dir, 'spender', { cost_budget: 0.00072, max_tokens: 50, concurrency: 10 });
    await startMeteredFleet(t, server, 'chat');
    const client = t.client!;
    await Promise.all(Array.from({ length: 200 }, (_, i) => client.request(Submit, { agent: 'spender', input: { prompt: `call ${i}` } })));

    await waitFor(
      async () => {
        const s = await t.agentStatus('spender');
        return s.state === 'paused' && s.reserved_usd === 0 && s.waiting_calls > 0 && s.waiting_calls === s.running;
      },
      'the agent to be paused with its running tasks waiting for budget',
      200_000,
    );
    const paused = await t.agentStatus('spender');
    expect(paused.failed).toBe(0);
    expect(paused.done + paused.running + paused.queued).toBe(200);
    expect(paused.done).toBeGreaterThan(15);
    expect(paused.done).toBeLessThanOrEqual(30);
    expect(paused.reason).toMatch(/^budget: spender's next call \(worst case \$0\.\d{6}\) does not fit its budget of \$0\.000720: spent \$0\.\d{6}, reserved \$0\.\d{6}\. Continue with "codex fleet resume spender --budget \d+\.\d\d" or "--add \d+\.\d\d"$/);
    const pauseEvents = t.fleet!.events.filter((e) => e.type === 'agent.budget');
    expect(pauseEvents).toHaveLength(1);
    // The journal: spent + reserved never passed the budget, and it agrees with the server's own log.
    const before = replay(t.dir, 'spender');
    expect(before.peaks.get(usdToMicro(0.00072))).toBeLessThanOrEqual(usdToMicro(0.00072));
    expect(before.reserved).toBe(0);
    expect(server.requests()).toHaveLength(paused.calls);
    expect(before.spent).toBe(servedMicro(server));
    expect(usdToMicro(paused.spent_usd)).toBe(before.spent);

    await client.request(ResumeAgent, { agent: 'spender', budget_usd: 0.01 });
    await waitFor(async () => (await t.agentStatus('spender')).done === 200, 'every task to finish after the raise', 200_000);
    const after = await t.agentStatus('spender');
    expect(after).toMatchObject({ state: 'running', failed: 0, calls: 200, reserved_usd: 0, spent_usd: 0.0048, budget_usd: 0.01, budget_source: 'override' });
    const replayed = replay(t.dir, 'spender');
    expect(replayed.peaks.get(usdToMicro(0.00072))).toBeLessThanOrEqual(usdToMicro(0.00072));
    expect(replayed.peaks.get(usdToMicro(0.01))).toBeLessThanOrEqual(usdToMicro(0.01));
    expect(replayed.spent).toBe(servedMicro(server));
    expect(server.requests()).toHaveLength(200);
    // Tasks that waited for budget were given the time back, and told so (task/deadline).
    const { tasks: summaries } = await client.request(ListTasks, { agent: 'spender', limit: 200 });
    // Lists carry summaries; the results are in each task's own view.
    const tasks = (await Promise.all(summaries.map((s) => client.request(GetTask, { id: s.id })))).map((r) => r.task);
    const moved = tasks.filter((task: TaskView) => {
      const out = (task.result as { output: { deadline_ms: number; first_deadline_ms: number } }).output;
      return out.deadline_ms > out.first_deadline_ms;
    });
    expect(moved.length).toBeGreaterThanOrEqual(paused.waiting_calls);
  });
});
