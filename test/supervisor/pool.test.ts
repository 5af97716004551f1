/**
 * The pool against real sandboxed workers: start, kill (the kill sequence), resume; a worker that
 * crashes once; one that crash-loops while another agent keeps working.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KillAgent, ResumeAgent, Status, Submit, WaitTask } from '../../src/control/methods.js';
import type { ControlClient } from '../../src/control/client.js';
import {
  cleanUpFleet,
  connect,
  expectNoProcessesLeft,
  isAlive,
  makeFleetDir,
  processesMarkedBy,
  startFleet,
  waitFor,
  workerPids,
  writeAgent,
  type FleetDir,
  type RunningFleet,
} from './helpers.js';

let dir: FleetDir;
let fleet: RunningFleet | undefined;
let client: ControlClient | undefined;

beforeEach(() => {
  dir = makeFleetDir();
  fleet = undefined;
  client = undefined;
});

afterEach(() => cleanUpFleet(dir, fleet, client));

async function agentStatus(name: string) {
  const status = await client!.request(Status, {});
  const agent = status.agents.find((a) => a.name === name);
  if (!agent) throw new Error(`no agent ${name} in the status`);
  return agent;
}

describe('spawn and kill', () => {
  it('starts the workers, kill stops them by the kill sequence, resume starts new ones that run tasks', async () => {
    writeAgent(dir, 'echo', 'echo', 'concurrency: 2');
    fleet = await startFleet(dir);
    client = await connect(dir);
    await waitFor(async () => (await agentStatus('echo')).worker_states.every((s) => s === 'ready'), 'both workers ready');
    const before = workerPids(fleet.events, 'echo');
    expect(before).toHaveLength(2);
    for (const pid of before) expect(isAlive(pid)).toBe(true);
    // The /proc scan that every test ends with does see this test's workers.
    expect(processesMarkedBy(dir.root).map((p) => p.pid)).toEqual(expect.arrayContaining(before));
    expect(await agentStatus('echo')).toMatchObject({ state: 'running', workers: 2, restarts: 0 });

    const { agent } = await client.request(KillAgent, { agent: 'echo' });
    expect(agent).toMatchObject({
      state: 'stopped',
      reason: 'killed by the user; start it again with "codex fleet resume echo"',
      workers: 0,
      worker_states: ['stopped', 'stopped'],
    });
    for (const pid of before) expect(isAlive(pid)).toBe(false);
    // The polite part of the kill sequence: shutdown + exit answered, so they left with status 0.
    const exits = fleet.events.filter((e) => e.type === 'worker.exit' && e.agent === 'echo');
    expect(exits.map((e) => e.data)).toEqual([
      expect.objectContaining({ code: 0, signal: null, requested: true }),
      expect.objectContaining({ code: 0, signal: null, requested: true }),
    ]);
    await expectNoProcessesLeft(dir.root);

    // A task submitted while it is stopped waits in the queue.
    const { task } = await client.request(Submit, { agent: 'echo', input: { text: 'after resume' } });
    expect((await agentStatus('echo')).queued).toBe(1);

    const resumed = await client.request(ResumeAgent, { agent: 'echo' });
    expect(resumed.agent.state).toBe('running');
    const done = await client.request(WaitTask, { id: task.id, timeout_s: 30 });
    expect(done.task).toMatchObject({ state: 'done', result: { output: { text: 'after resume' } }, attempts: 1 });
    await waitFor(async () => (await agentStatus('echo')).worker_states.every((s) => s === 'ready'), 'both workers ready again');
    const after = workerPids(fleet.events, 'echo');
    expect(after).toHaveLength(2);
    expect(after.some((pid) => before.includes(pid))).toBe(false);
    expect((await agentStatus('echo')).restarts).toBe(0); // a kill is not a crash
  });
});

describe('a worker that crashes once', () => {
  it('is restarted, the task is retried and done, and the restart is counted', async () => {
    writeAgent(dir, 'crashy', 'crash-once', 'limits:\n  retries: 1');
    fleet = await startFleet(dir);
    client = await connect(dir);
    const { task } = await client.request(Submit, { agent: 'crashy', input: 42 });
    const done = await client.request(WaitTask, { id: task.id, timeout_s: 30 });
    expect(done.task).toMatchObject({ state: 'done', attempts: 2, result: { output: { survived: 42 } } });
    expect(await agentStatus('crashy')).toMatchObject({ state: 'running', restarts: 1, done: 1, failed: 0 });
    const exit = fleet.events.find((e) => e.type === 'worker.exit' && e.agent === 'crashy');
    expect(exit?.data).toMatchObject({ code: 3, signal: null, requested: false });
    expect(exit?.message).toContain('worker exited with code 3; last stderr:');
    expect(exit?.message).toContain(`crash-once: crashing on purpose in task ${task.id}`);
    const retry = fleet.events.find((e) => e.type === 'task.retry' && e.task === task.id);
    expect(retry?.message).toBe(`task ${task.id} will be retried: the worker exited with code 3`);
    await waitFor(async () => (await agentStatus('crashy')).worker_states[0] === 'ready', 'the restarted worker to be ready');
  });
});

describe('a worker that crash-loops', () => {
  it('marks its agent errored with the exit and the last stderr lines; another agent keeps working', async () => {
    writeAgent(dir, 'looper', 'crash-loop', 'restart:\n  max_restarts: 2\n  window_s: 60');
    writeAgent(dir, 'echo', 'echo');
    fleet = await startFleet(dir);
    client = await connect(dir);
    const { task: stuck } = await client.request(Submit, { agent: 'looper', input: 'never runs' });
    await waitFor(async () => (await agentStatus('looper')).state === 'errored', 'looper to be marked errored');
    const looper = await agentStatus('looper');
    expect(looper).toMatchObject({
      state: 'errored',
      workers: 0,
      restarts: 3,
      queued: 1,
      reason:
        '3 abnormal exits within 60s (restart.max_restarts is 2); last exit: exited with code 7; ' +
        'stderr: crash-loop: cannot open /nonexistent/widget.db | crash-loop: giving up',
    });
    // The user is told, in the event stream.
    expect(fleet.events.some((e) => e.type === 'agent.state' && e.agent === 'looper' && e.message === `errored: ${looper.reason}`)).toBe(true);
    // Its task waits in the queue, nothing lost.
    await expect(client.request(WaitTask, { id: stuck.id, timeout_s: 0.2 })).rejects.toThrow(`Task ${stuck.id} is not finished after 0.2s; it goes on`);

    const { task } = await client.request(Submit, { agent: 'echo', input: 'still here' });
    const done = await client.request(WaitTask, { id: task.id, timeout_s: 30 });
    expect(done.task).toMatchObject({ state: 'done', result: { output: 'still here' } });
    expect(await agentStatus('echo')).toMatchObject({ state: 'running', restarts: 0 });
  });
});
