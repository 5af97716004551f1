/**
 * What a budget pause tells the user to do: for an agent's own budget, a resume that doubles it (in
 * whole cents, at least one), not a fixed dollar whatever the agent costs; for the fleet's budget_usd,
 * where resuming the agent would not help, to raise budget_usd and restart.
 */
import { describe, expect, it } from 'vitest';
import { Submit, WaitTask } from '../../src/control/methods.js';
import { useFleetTest, waitFor } from './helpers.js';
import { serveModel, startMeteredFleet, writeModelAgent } from './model-helpers.js';

const t = useFleetTest();

/** Runs tasks one after another until the agent is paused for budget; returns the pause reason. */
async function spendUntilPaused(agent: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const { task } = await t.client!.request(Submit, { agent, input: { prompt: `call ${i}` } });
    const finished = await t.client!.request(WaitTask, { id: task.id, timeout_s: 2 }).then(
      (waited) => waited.task.state === 'done',
      () => false, // not finished: it waits for budget
    );
    if (!finished) break;
  }
  await waitFor(async () => (await t.agentStatus(agent)).state === 'paused', `${agent} to be paused for budget`);
  return (await t.agentStatus(agent)).reason ?? '';
}

describe('budget pause hints', () => {
  it("a cheap agent is told to double its budget, not to add a dollar", async () => {
    const server = await serveModel({ replies: [{ content: 'ok', usage: { input_tokens: 20, output_tokens: 10 }, times: 'always' }] });
    // Worst case per call ≈ 130 µ$, actual 24 µ$: about 40 calls fit $0.001.
    writeModelAgent(t.dir, 'cheap', { cost_budget: 0.001, max_tokens: 50 });
    await startMeteredFleet(t, server, 'chat');
    const reason = await spendUntilPaused('cheap');
    expect(reason).toMatch(/^budget: cheap's next call \(worst case \$0\.\d{6}\) does not fit its budget of \$0\.001000: .*\. Continue with "codex fleet resume cheap --budget 0\.01" or "--add 0\.01"$/);
  });

  it('a pause for the fleet budget says to raise budget_usd, not to resume the agent', async () => {
    const server = await serveModel({ replies: [{ content: 'ok', usage: { input_tokens: 20, output_tokens: 10 }, times: 'always' }] });
    writeModelAgent(t.dir, 'member', { cost_budget: 1, max_tokens: 50 });
    await startMeteredFleet(t, server, 'chat', { budgetUsd: 0.0003 });
    const reason = await spendUntilPaused('member');
    expect(reason).toMatch(/^budget: the fleet's budget of \$0\.000300 cannot cover member's next call/);
    expect(reason).toMatch(/Raise budget_usd in codex-fleet\.yaml and restart the fleet \("codex fleet stop", then "codex fleet start"\); resuming member alone would pause it again$/);
    expect(reason).not.toContain('codex fleet resume');
  });
});
