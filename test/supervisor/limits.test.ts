/**
 * Workers that do not play along, against the real sandbox: one that hangs (the supervisor's wall time
 * ends it), one that ignores SIGTERM (SIGKILL ends it), one that floods stdout (the supervisor stays
 * responsive and kills it after too many protocol violations).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KillAgent, ResumeAgent, Submit, WaitTask } from '../../src/control/methods.js';
import { KILL_SEQUENCE, MAX_VIOLATIONS } from '../../src/supervisor/worker.js';
import {
  connect,
  isAlive,
  startFleet,
  waitFor,
  workerPids,
  writeAgent,
  useFleetTest,
} from './helpers.js';

const t = useFleetTest();

/** `start <task> <pid> <ms>` lines of a slot's runs.log. */
function runs(slot: string): { task: string; pid: number }[] {
  const file = join(slot, 'runs.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('start '))
    .map((l) => {
      const [, task, pid] = l.split(' ');
      return { task: task!, pid: Number(pid) };
    });
}

describe('a worker that hangs', () => {
  it('is stopped when the task passes limits.wall_time_s; the task is retried, then failed with the reason; the worker is recycled', async () => {
    writeAgent(t.dir, 'hang', 'hang', 'limits:\n  wall_time_s: 0.5\n  retries: 1');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const a = (await t.client.request(Submit, { agent: 'hang', input: 'a' })).task;
    const b = (await t.client.request(Submit, { agent: 'hang', input: 'b' })).task;
    for (const task of [a, b]) {
      const failed = await t.client.request(WaitTask, { id: task.id, timeout_s: 60 });
      expect(failed.task).toMatchObject({
        state: 'failed',
        attempts: 2,
        error: 'wall time of 0.5s exceeded (no retries left: limits.retries is 1)',
      });
    }
    expect(t.fleet.events.filter((e) => e.type === 'task.retry').map((e) => e.message)).toEqual([
      `task ${a.id} will be retried: wall time of 0.5s exceeded`,
      `task ${b.id} will be retried: wall time of 0.5s exceeded`,
    ]);
    // Every attempt ran on a fresh worker: a timed-out worker never gets another task.
    const started = runs(t.dir.paths.slot('hang', 0));
    expect(started.map((r) => r.task)).toEqual([a.id, a.id, b.id, b.id]);
    expect(new Set(started.map((r) => r.pid)).size).toBe(4);
    // The last worker is killed just after its task failed (at most the wall-time grace later).
    await waitFor(() => started.every((r) => !isAlive(r.pid)), 'the timed-out workers to be gone', 10_000);
    // Recycling is not a crash.
    const status = await t.agentStatus('hang');
    expect(status).toMatchObject({ state: 'running', restarts: 0, failed: 2 });
    await waitFor(async () => (await t.agentStatus('hang')).worker_states[0] === 'ready', 'a fresh worker');
  }, 120_000);
});

describe('a worker that ignores SIGTERM', () => {
  it('is ended by SIGKILL, both by kill and by stop', async () => {
    writeAgent(t.dir, 'stubborn', 'no-sigterm');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const slot = t.dir.paths.slot('stubborn', 0);
    const sigterms = (): string[] => (existsSync(join(slot, 'sigterm.log')) ? readFileSync(join(slot, 'sigterm.log'), 'utf8').trim().split('\n') : []);

    await waitFor(async () => (await t.agentStatus('stubborn')).worker_states[0] === 'ready', 'the worker to be ready');
    const [first] = workerPids(t.fleet.events, 'stubborn');
    const { agent } = await t.client.request(KillAgent, { agent: 'stubborn' });
    expect(agent).toMatchObject({ state: 'stopped', workers: 0 });
    expect(isAlive(first!)).toBe(false);
    expect(sigterms()).toEqual([expect.stringMatching(new RegExp(`^SIGTERM ${first} \\d+$`))]);
    const killed = t.fleet.events.filter((e) => e.type === 'worker.exit');
    expect(killed.map((e) => e.data)).toEqual([expect.objectContaining({ signal: 'SIGKILL', requested: true })]);
    expect(killed[0]?.message).toBe('worker killed by SIGKILL');

    await t.client.request(ResumeAgent, { agent: 'stubborn' });
    await waitFor(async () => (await t.agentStatus('stubborn')).worker_states[0] === 'ready', 'the worker to be ready again');
    const [second] = workerPids(t.fleet.events, 'stubborn');
    expect(second).not.toBe(first);
    t.client.close();
    t.client = undefined;
    await t.fleet.supervisor.stop(false);
    expect(isAlive(second!)).toBe(false);
    expect(sigterms()).toEqual([expect.stringMatching(/^SIGTERM /), expect.stringMatching(new RegExp(`^SIGTERM ${second} \\d+$`))]);
    expect(t.fleet.events.filter((e) => e.type === 'worker.exit').map((e) => e.data)).toEqual([
      expect.objectContaining({ signal: 'SIGKILL', requested: true }),
      expect.objectContaining({ signal: 'SIGKILL', requested: true }),
    ]);
  }, 30_000 + 4 * (KILL_SEQUENCE.shutdownMs + KILL_SEQUENCE.termMs));
});

describe('a worker that floods stdout', () => {
  it('cannot stall the supervisor, and is killed after too many protocol violations', async () => {
    writeAgent(t.dir, 'flood', 'flood', 'limits:\n  retries: 0\nrestart:\n  max_restarts: 0');
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const slot = t.dir.paths.slot('flood', 0);
    const { task } = await t.client.request(Submit, { agent: 'flood', input: null });
    await waitFor(() => existsSync(join(slot, 'flooding')), 'the flood to begin');
    const pid = Number(readFileSync(join(slot, 'flooding'), 'utf8'));

    // While it floods (it goes on until told to stop), the control API answers and other agents work.
    for (let i = 0; i < 5; i++) expect((await t.agentStatus('flood')).running).toBe(1);
    const echoed = (await t.client.request(Submit, { agent: 'echo', input: 'during the flood' })).task;
    expect((await t.client.request(WaitTask, { id: echoed.id, timeout_s: 30 })).task).toMatchObject({ state: 'done', result: { output: 'during the flood' } });
    expect(isAlive(pid)).toBe(true);
    expect(t.fleet.events.some((e) => e.type === 'worker.exit' && e.agent === 'flood')).toBe(false);

    writeFileSync(join(slot, 'stop-flooding'), '');
    const failed = await t.client.request(WaitTask, { id: task.id, timeout_s: 30 });
    expect(failed.task).toMatchObject({ state: 'failed', error: 'the worker killed by SIGKILL (no retries left: limits.retries is 0)' });
    expect(isAlive(pid)).toBe(false);
    expect(t.fleet.events.some((e) => e.type === 'log' && e.agent === 'flood' && e.message === `stderr: codex fleet: killing the worker after ${MAX_VIOLATIONS} protocol violations (last: Parse error)`)).toBe(true);
    const exit = t.fleet.events.find((e) => e.type === 'worker.exit' && e.agent === 'flood');
    expect(exit?.data).toMatchObject({ signal: 'SIGKILL', requested: false });
    await waitFor(async () => (await t.agentStatus('flood')).state === 'errored', 'the flood agent to be errored');
    expect((await t.agentStatus('flood')).reason).toMatch(/^1 abnormal exits within 60s \(restart\.max_restarts is 0\); last exit: killed by SIGKILL; stderr: .*flood: flooding stdout/);
  }, 60_000);
});
