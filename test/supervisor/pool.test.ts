/**
 * The pool against real sandboxed workers: start, kill (the kill sequence), resume; a worker that
 * crashes once; one that crash-loops while another agent keeps working.
 */
import { describe, expect, it } from 'vitest';
import { KillAgent, ResumeAgent, Submit, WaitTask } from '../../src/control/methods.js';
import {
  connect,
  expectNoProcessesLeft,
  isAlive,
  processesMarkedBy,
  startFleet,
  waitFor,
  workerPids,
  writeAgent,
  useFleetTest,
} from './helpers.js';

const t = useFleetTest();

describe('spawn and kill', () => {
  it('starts the workers, kill stops them by the kill sequence, resume starts new ones that run tasks', async () => {
    writeAgent(t.dir, 'echo', 'echo', 'concurrency: 2');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    await waitFor(async () => (await t.agentStatus('echo')).worker_states.every((s) => s === 'ready'), 'both workers ready');
    const before = workerPids(t.fleet.events, 'echo');
    expect(before).toHaveLength(2);
    for (const pid of before) expect(isAlive(pid)).toBe(true);
    // The /proc scan that every test ends with does see this test's workers.
    expect(processesMarkedBy(t.dir.root).map((p) => p.pid)).toEqual(expect.arrayContaining(before));
    expect(await t.agentStatus('echo')).toMatchObject({ state: 'running', workers: 2, restarts: 0 });

    const { agent } = await t.client.request(KillAgent, { agent: 'echo' });
    expect(agent).toMatchObject({
      state: 'stopped',
      reason: 'killed by the user; start it again with "codex fleet resume echo"',
      workers: 0,
      worker_states: ['stopped', 'stopped'],
    });
    for (const pid of before) expect(isAlive(pid)).toBe(false);
    // The polite part of the kill sequence: shutdown + exit answered, so they left with status 0.
    const exits = t.fleet.events.filter((e) => e.type === 'worker.exit' && e.agent === 'echo');
    expect(exits.map((e) => e.data)).toEqual([
      expect.objectContaining({ code: 0, signal: null, requested: true }),
      expect.objectContaining({ code: 0, signal: null, requested: true }),
    ]);
    await expectNoProcessesLeft(t.dir.root);

    // A task submitted while it is stopped waits in the queue.
    const { task } = await t.client.request(Submit, { agent: 'echo', input: { text: 'after resume' } });
    expect((await t.agentStatus('echo')).queued).toBe(1);

    const resumed = await t.client.request(ResumeAgent, { agent: 'echo' });
    expect(resumed.agent.state).toBe('running');
    const done = await t.client.request(WaitTask, { id: task.id, timeout_s: 30 });
    expect(done.task).toMatchObject({ state: 'done', result: { output: { text: 'after resume' } }, attempts: 1 });
    await waitFor(async () => (await t.agentStatus('echo')).worker_states.every((s) => s === 'ready'), 'both workers ready again');
    const after = workerPids(t.fleet.events, 'echo');
    expect(after).toHaveLength(2);
    expect(after.some((pid) => before.includes(pid))).toBe(false);
    expect((await t.agentStatus('echo')).restarts).toBe(0); // a kill is not a crash
  });
});

describe('a worker that crashes once', () => {
  it('is restarted, the task is retried and done, and the restart is counted', async () => {
    writeAgent(t.dir, 'crashy', 'crash-once', 'limits:\n  retries: 1');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const { task } = await t.client.request(Submit, { agent: 'crashy', input: 42 });
    const done = await t.client.request(WaitTask, { id: task.id, timeout_s: 30 });
    expect(done.task).toMatchObject({ state: 'done', attempts: 2, result: { output: { survived: 42 } } });
    expect(await t.agentStatus('crashy')).toMatchObject({ state: 'running', restarts: 1, done: 1, failed: 0 });
    const exit = t.fleet.events.find((e) => e.type === 'worker.exit' && e.agent === 'crashy');
    expect(exit?.data).toMatchObject({ code: 3, signal: null, requested: false });
    expect(exit?.message).toContain('worker exited with code 3; last stderr:');
    expect(exit?.message).toContain(`crash-once: crashing on purpose in task ${task.id}`);
    const retry = t.fleet.events.find((e) => e.type === 'task.retry' && e.task === task.id);
    expect(retry?.message).toBe(`task ${task.id} will be retried: the worker exited with code 3`);
    await waitFor(async () => (await t.agentStatus('crashy')).worker_states[0] === 'ready', 'the restarted worker to be ready');
  });
});

describe('a worker that crash-loops', () => {
  it('marks its agent errored with the exit and the last stderr lines; another agent keeps working', async () => {
    writeAgent(t.dir, 'looper', 'crash-loop', 'restart:\n  max_restarts: 2\n  window_s: 60');
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const { task: stuck } = await t.client.request(Submit, { agent: 'looper', input: 'never runs' });
    await waitFor(async () => (await t.agentStatus('looper')).state === 'errored', 'looper to be marked errored');
    const looper = await t.agentStatus('looper');
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
    expect(t.fleet.events.some((e) => e.type === 'agent.state' && e.agent === 'looper' && e.message === `errored: ${looper.reason}`)).toBe(true);
    // Its task waits in the queue, nothing lost.
    await expect(t.client.request(WaitTask, { id: stuck.id, timeout_s: 0.2 })).rejects.toThrow(`Task ${stuck.id} is not finished after 0.2s; it goes on`);

    const { task } = await t.client.request(Submit, { agent: 'echo', input: 'still here' });
    const done = await t.client.request(WaitTask, { id: task.id, timeout_s: 30 });
    expect(done.task).toMatchObject({ state: 'done', result: { output: 'still here' } });
    expect(await t.agentStatus('echo')).toMatchObject({ state: 'running', restarts: 0 });
  });
});
