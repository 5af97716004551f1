/**
 * The supervisor starts one shared fchmod handler for its workers (src/sandbox/fchmod-handler.ts) instead
 * of a handler process per worker, restarts it when it has died, and stops it with the fleet.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Submit, WaitTask } from '../../src/control/methods.js';
import { connect, isAlive, processesMarkedBy, startFleet, waitFor, workerPids, writeAgent, useFleetTest } from './helpers.js';

const t = useFleetTest();

/** The parent pid of `pid`, from /proc (the field after the command name, which may hold spaces). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

// This process's own handlers: test files running beside this one start theirs.
const handlers = (): number[] => processesMarkedBy('--fchmod-daemon').map((p) => p.pid).filter((pid) => parentOf(pid) === process.pid);

async function copyOnce(): Promise<unknown> {
  const { task } = await t.client!.request(Submit, { agent: 'copier', input: {} });
  const done = await t.client!.request(WaitTask, { id: task.id, timeout_s: 60 });
  expect(done.task.state).toBe('done');
  return (done.task.result as { output: unknown }).output;
}

describe('the shared fchmod handler in a fleet', () => {
  it('one handler serves every worker; no worker starts a handler of its own', async () => {
    writeAgent(t.dir, 'copier', 'copy-file', 'concurrency: 2');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    await waitFor(() => workerPids(t.fleet!.events, 'copier').length === 2, 'two workers');
    expect(handlers()).toHaveLength(1);
    for (const pid of workerPids(t.fleet.events, 'copier')) expect(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()).toBe('');
    const results = await Promise.all([copyOnce(), copyOnce(), copyOnce()]);
    for (const r of results) expect(r).toMatchObject({ mode: '640' });
  });

  it('a handler that died is replaced for the next worker, which can copy files again', async () => {
    writeAgent(t.dir, 'copier', 'copy-file');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    await waitFor(() => workerPids(t.fleet!.events, 'copier').length === 1, 'the worker');
    const [first] = handlers();
    expect(first).toBeDefined();
    process.kill(first!, 'SIGKILL');
    await waitFor(() => !isAlive(first!), 'the handler to die');
    // The running worker lost its handler: its fchmod now fails (ENOSYS), so fs.copyFile does too.
    expect(await copyOnce()).toEqual({ error: 'ENOSYS' });
    // A worker started afterwards gets a new handler, and the user hears about it.
    const [old] = workerPids(t.fleet.events, 'copier');
    process.kill(old!, 'SIGKILL');
    await waitFor(() => workerPids(t.fleet!.events, 'copier').some((pid) => pid !== old), 'the restarted worker');
    const [second] = handlers();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(await copyOnce()).toMatchObject({ mode: '640' });
    expect(t.fleet.events.some((e) => e.type === 'log' && /the shared fchmod handler ended \(signal SIGKILL\); starting another/.test(e.message))).toBe(true);
  });

  it('below Landlock ABI 6, where a worker could signal a handler of its user, each worker forks its own', async () => {
    writeAgent(t.dir, 'copier', 'copy-file', 'concurrency: 2');
    t.fleet = await startFleet(t.dir, { landlockAbiOverride: 5 });
    t.client = await connect(t.dir);
    await waitFor(() => workerPids(t.fleet!.events, 'copier').length === 2, 'two workers');
    expect(handlers()).toEqual([]);
    for (const pid of workerPids(t.fleet.events, 'copier')) {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      expect(children).toHaveLength(1);
    }
    expect(await copyOnce()).toMatchObject({ mode: '640' });
  });

  it('stops with the fleet', async () => {
    writeAgent(t.dir, 'copier', 'copy-file');
    t.fleet = await startFleet(t.dir);
    await waitFor(() => workerPids(t.fleet!.events, 'copier').length === 1, 'the worker');
    const [handler] = handlers();
    expect(handler).toBeDefined();
    await t.fleet.supervisor.stop(true);
    await waitFor(() => !isAlive(handler!), 'the handler to end with the fleet');
  });
});
