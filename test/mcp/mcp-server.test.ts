/**
 * `codex fleet mcp` as a main agent meets it: the MCP SDK's client over real stdio, against a real
 * fleet (examples/echo-bot plus an agent that crash-loops) started with `codex fleet start`.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every test starts real processes (the fleet, its sandboxed workers, the MCP server); on a loaded
// 2-core machine that takes far longer than the default 30 s allows, hence 90 s per test.
import { waitFor } from '../supervisor/helpers.js';
import { call, connectMcp, jsonOf, makeProject, removeProject, startFleet, stopFleet, type McpSession, type Project } from './helpers.js';

let project: Project;
let fleet: ChildProcess | undefined;
let mcp: McpSession | undefined;

beforeAll(async () => {
  project = makeProject();
  fleet = await startFleet(project);
  // From a subdirectory: the repository decides which fleet is served.
  mcp = await connectMcp(project, [], join(project.dir, 'echo-bot'));
}, 60_000);

afterAll(async () => {
  await mcp?.client.close();
  await stopFleet(fleet);
  await removeProject(project);
}, 60_000);

describe('codex fleet mcp against a running fleet', { timeout: 90_000 }, () => {
  it('offers the tools, each with a description and a JSON Schema for its arguments', async () => {
    const { tools } = await mcp!.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['list_agents', 'submit_task', 'get_task', 'cancel_task', 'fleet_status', 'pause_agent', 'resume_agent']);
    const submit = tools.find((t) => t.name === 'submit_task')!;
    expect(submit.inputSchema).toMatchObject({ type: 'object', required: ['agent', 'input'], additionalProperties: false });
    expect(Object.keys(submit.inputSchema.properties ?? {})).toEqual(['agent', 'input', 'kind', 'wait', 'timeout_s']);
    for (const tool of tools) expect(tool.description!.length).toBeGreaterThan(60);
  });

  it('lists the agents with role, model, budget and state', async () => {
    const answer = await call(mcp!, 'list_agents');
    expect(answer.isError).toBe(false);
    const { agents } = jsonOf(answer.text) as { agents: Record<string, unknown>[] };
    expect(agents.find((a) => a.name === 'echo-bot')).toMatchObject({
      name: 'echo-bot',
      role: 'Echoes each task\'s input back as its result.',
      model: 'gpt-4.1-nano',
      state: 'running',
      paused_for_budget: false,
      budget_usd: 0.05,
    });
  });

  it('submits a task, waits for it with progress notifications, and returns its result', async () => {
    const progress: { progress: number; message?: string | undefined }[] = [];
    const result = await mcp!.client.callTool(
      { name: 'submit_task', arguments: { agent: 'echo-bot', input: { text: 'hi from the main agent' }, wait: true, timeout_s: 60 } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    );
    const text = (result.content as { text: string }[])[0]!.text;
    expect(result.isError).toBeFalsy();
    const task = jsonOf(text) as { id: string; state: string; result: unknown };
    expect(text.split('\n')[0]).toBe(`Task ${task.id} (echo-bot) is done.`);
    expect(task).toMatchObject({ agent: 'echo-bot', state: 'done', result: { output: { text: 'hi from the main agent' } } });
    // The first notification is sent before the wait starts. Later ones may race the answer: the SDK's
    // client runs notification handlers a tick after it reads them and drops those that come after the
    // answer, so only their form and order are checked.
    expect(progress[0]).toEqual({ progress: 1, message: `task ${task.id}: waiting up to 60 s for it to finish` });
    for (const p of progress.slice(1)) expect(p.message).toMatch(new RegExp(`^(task\\.[a-z]+: .*${task.id}|task ${task.id}: done$)`));
    expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort((a, b) => a - b));

    const got = await call(mcp!, 'get_task', { id: task.id });
    expect(jsonOf(got.text)).toMatchObject({ id: task.id, state: 'done', result: { output: { text: 'hi from the main agent' } } });
  });

  it('shows the start of a result too large for one answer, and says how to read all of it', async () => {
    const text = 'x'.repeat(1_200_000);
    const answer = await call(mcp!, 'submit_task', { agent: 'echo-bot', input: { text }, wait: true, timeout_s: 60 });
    expect(answer.isError).toBe(false);
    const task = jsonOf(answer.text) as { id: string; state: string; result: unknown; result_bytes: number; result_inline: boolean; result_start: string };
    expect(task).toMatchObject({ state: 'done', result: null, result_inline: false });
    expect(task.result_bytes).toBeGreaterThan(1_200_000);
    expect(answer.text.split('\n')[1]).toBe(
      `The result is ${task.result_bytes} bytes of JSON, too large to show whole; its first 65536 characters are in ` +
        `"result_start". The user can read all of it with "codex fleet result ${task.id}".`,
    );
    expect(task.result_start).toHaveLength(65536);
    expect(task.result_start).toMatch(/^\{.*"output":\{"text":"x{100}/);
  });

  it('reports fleet status and spend', async () => {
    const answer = await call(mcp!, 'fleet_status');
    expect(answer.isError).toBe(false);
    const status = jsonOf(answer.text) as { project: string; sandbox: string; agents: { name: string }[]; cost: unknown };
    expect(status.project).toBe(project.dir);
    expect(status.sandbox).toBe('enforced');
    expect(status.agents.map((a) => a.name).sort()).toEqual(['echo-bot', 'looper']);
    expect(status).toHaveProperty('cost');
  });

  it('pauses an agent, keeps a submitted task queued with a note, cancels it, and resumes the agent', async () => {
    const paused = await call(mcp!, 'pause_agent', { agent: 'echo-bot' });
    expect(jsonOf(paused.text)).toMatchObject({ agent: { name: 'echo-bot', state: 'paused', reason: 'paused by the user' } });

    const submitted = await call(mcp!, 'submit_task', { agent: 'echo-bot', input: 'later' });
    expect(submitted.isError).toBe(false);
    const task = jsonOf(submitted.text) as { id: string };
    expect(submitted.text.split('\n').slice(0, 2)).toEqual([
      `Task ${task.id} (echo-bot) is queued.`,
      'Agent "echo-bot" is paused (paused by the user), so its tasks wait in the queue until resume_agent.',
    ]);

    const cancelled = await call(mcp!, 'cancel_task', { id: task.id });
    expect(cancelled.text.split('\n')[0]).toBe(`Task ${task.id} (echo-bot) cancelled: cancelled by the user.`);
    expect(jsonOf(cancelled.text)).toMatchObject({ id: task.id, state: 'cancelled' });

    const resumed = await call(mcp!, 'resume_agent', { agent: 'echo-bot' });
    expect(resumed.isError).toBe(false);
    expect(jsonOf(resumed.text)).toMatchObject({ agent: { name: 'echo-bot', state: expect.stringMatching(/^(running|starting)$/) } });
  });

  it('refuses to raise a budget without --allow-budget-raise, and says who can', async () => {
    for (const args of [{ add_usd: 1 }, { budget_usd: 5 }]) {
      const answer = await call(mcp!, 'resume_agent', { agent: 'echo-bot', ...args });
      expect(answer).toEqual({
        isError: true,
        text:
          'Refused: raising the budget of "echo-bot" (now $0.05) needs the user. This server was started without ' +
          '--allow-budget-raise, so a client cannot lift a spending cap. Ask the user to run ' +
          '"codex fleet resume echo-bot --add <usd>" themselves. resume_agent without budget_usd/add_usd still resumes the agent.',
      });
    }
  });

  it('answers an unknown agent with the list of agents', async () => {
    const answer = await call(mcp!, 'submit_task', { agent: 'echo-bott', input: 1 });
    expect(answer).toEqual({
      isError: true,
      text: 'No agent "echo-bott" in this fleet. Agents: echo-bot (Echoes each task\'s input back as its result.); looper (Crashes at every start.).',
    });
  });

  it('answers an unknown task id with what to use instead', async () => {
    const answer = await call(mcp!, 'get_task', { id: 'tnosuchtask' });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(/^No task "tnosuchtask" in the journal.*\. Use the id that submit_task returned\.$/);
  });

  it('answers invalid arguments with the schema path of the bad value', async () => {
    const negative = await call(mcp!, 'submit_task', { agent: 'echo-bot', input: 1, wait: true, timeout_s: -1 });
    expect(negative).toEqual({
      isError: true,
      text: 'Invalid arguments for submit_task at /timeout_s: Expected number to be greater than 0. Fix that value and call the tool again.',
    });
    const missing = await call(mcp!, 'submit_task', { agent: 'echo-bot' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/^Invalid arguments for submit_task at \/input: /);
    // Deeper than the fleet accepts: the fleet's own check, with the path inside the task input.
    let deep: unknown = 'x';
    for (let i = 0; i < 260; i++) deep = [deep];
    const tooDeep = await call(mcp!, 'submit_task', { agent: 'echo-bot', input: deep });
    expect(tooDeep.isError).toBe(true);
    expect(tooDeep.text).toMatch(/^Invalid arguments at \/input(\/0)+: .*Fix that value and call the tool again\.$/);
  });

  it('refuses a task for an errored agent with its reason, and queues nothing', async () => {
    await waitFor(async () => (jsonOf((await call(mcp!, 'list_agents')).text) as { agents: { name: string; state: string }[] }).agents.some(
      (a) => a.name === 'looper' && a.state === 'errored',
    ), 'looper to be errored');
    const answer = await call(mcp!, 'submit_task', { agent: 'looper', input: 'x' });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(
      /^Agent "looper" is errored and cannot run tasks: .*crash-loop: cannot open \/nonexistent\/widget\.db.*\. The task was not submitted\. The user must fix that and resume it; meanwhile give the task to another agent \(list_agents\)\.$/,
    );
    const { agents } = jsonOf((await call(mcp!, 'list_agents')).text) as { agents: { name: string; tasks: { queued: number } }[] };
    expect(agents.find((a) => a.name === 'looper')!.tasks.queued).toBe(0);
  });
});
