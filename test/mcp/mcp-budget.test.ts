/**
 * Money through `codex fleet mcp`: an agent paused at its budget is a state a model is told about
 * (spent, budget, who may raise it), a client cannot raise a budget unless the user allowed it with
 * --allow-budget-raise, and with it the waiting task goes on. Real fleet, real model calls to the local
 * model server over HTTP, metered by the fleet's gateway.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer } from '../../src/model-server/index.js';
import { waitFor } from '../supervisor/helpers.js';
import { addModelAgent, call, connectMcp, jsonOf, makeProject, removeProject, startFleet, stopFleet, type McpSession, type Project } from './helpers.js';

let project: Project;
let server: ModelServer;
let fleet: ChildProcess | undefined;
let mcp: McpSession | undefined;
let raiser: McpSession | undefined;

interface View {
  name: string;
  state: string;
  paused_for_budget: boolean;
  spent_usd: number;
  budget_usd: number;
  budget_left_usd: number;
  waiting_calls: number;
}

async function agent(session: McpSession, name: string): Promise<View> {
  const { agents } = jsonOf((await call(session, 'list_agents')).text) as { agents: View[] };
  return agents.find((a) => a.name === name)!;
}

beforeAll(async () => {
  // A call: 100 output tokens at $1.6/M (input free, see addModelAgent) = $0.00016, also its worst case,
  // so the second call of a task cannot fit a $0.0003 budget and waits.
  server = await startModelServer({ script: { replies: [{ content: 'ok', usage: { input_tokens: 10, output_tokens: 100 }, times: 'always' }] } });
  project = makeProject();
  addModelAgent(project, 'spender', 0.0003);
  project.env['OPENAI_BASE_URL'] = server.url;
  project.env['OPENAI_API_KEY'] = 'sk-test';
  fleet = await startFleet(project);
  mcp = await connectMcp(project);
}, 60_000);

afterAll(async () => {
  await mcp?.client.close();
  await raiser?.client.close();
  await stopFleet(fleet);
  await server?.close();
  await removeProject(project);
}, 60_000);

describe('an agent paused at its budget, through codex fleet mcp', () => {
  it('is a state: tasks wait, and the model is told spent and budget and that only the user can raise it', { timeout: 90_000 }, async () => {
    const first = await call(mcp!, 'submit_task', { agent: 'spender', input: { calls: 2 } });
    expect(first.isError).toBe(false);
    await waitFor(async () => (await agent(mcp!, 'spender')).waiting_calls === 1, 'the second call to wait for budget', 60_000);
    expect(await agent(mcp!, 'spender')).toMatchObject({
      state: 'paused',
      paused_for_budget: true,
      spent_usd: 0.00016,
      budget_usd: 0.0003,
      budget_left_usd: 0.00014,
    });

    const second = await call(mcp!, 'submit_task', { agent: 'spender', input: { calls: 1 } });
    expect(second.isError).toBe(false);
    const task = jsonOf(second.text) as { id: string; state: string };
    expect(task.state).toBe('queued');
    expect(second.text.split('\n')[1]).toMatch(
      /^Agent "spender" is paused at its budget, so its tasks wait in the queue\. It has spent \$0\.00016 of its \$0\.0003 budget\. Only the user can raise the budget \(codex fleet resume spender --add <usd>\); ask them, or give the task to another agent\. Fleet's reason: budget: /,
    );

    const status = jsonOf((await call(mcp!, 'fleet_status')).text) as { totals: { spent_usd: number; calls: number }; cost: { rows: { key: string; spent_usd: number }[] } };
    expect(status.totals).toMatchObject({ spent_usd: 0.00016, calls: 1 });
    expect(status.cost.rows).toEqual([expect.objectContaining({ key: 'spender', spent_usd: 0.00016, calls: 1 })]);
  });

  it('cannot be given more money by a client unless the user started the server with --allow-budget-raise', { timeout: 90_000 }, async () => {
    const refused = await call(mcp!, 'resume_agent', { agent: 'spender', add_usd: 1 });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/^Refused: raising the budget of "spender" \(now \$0\.0003\) needs the user\./);
    expect(await agent(mcp!, 'spender')).toMatchObject({ state: 'paused', paused_for_budget: true, budget_usd: 0.0003 });

    // A plain resume is allowed but cannot help: the waiting call still does not fit, and the model is told so.
    const plain = await call(mcp!, 'resume_agent', { agent: 'spender' });
    expect(plain.isError).toBe(false);
    await waitFor(async () => (await agent(mcp!, 'spender')).paused_for_budget, 'the agent to be paused for budget again', 60_000);

    raiser = await connectMcp(project, ['--allow-budget-raise']);
    const raised = await call(raiser, 'resume_agent', { agent: 'spender', add_usd: 1 });
    expect(raised.isError).toBe(false);
    expect(jsonOf(raised.text)).toMatchObject({ agent: { name: 'spender', budget_usd: 1.0003, budget_source: 'override' } });
    // The call that waited goes on, and the task queued behind it runs: both finish, none failed.
    await waitFor(async () => {
      const { agents } = jsonOf((await call(raiser!, 'list_agents')).text) as { agents: { name: string; state: string; tasks: { done: number; failed: number } }[] };
      const spender = agents.find((a) => a.name === 'spender')!;
      expect(spender.tasks.failed).toBe(0);
      return spender.state === 'running' && spender.tasks.done === 2;
    }, 'both spender tasks to finish after the raise', 60_000);
  });
});
