/**
 * limits.disk_mb and limits.threads through the supervisor: a worker that fallocates past disk_mb (in
 * files each small enough for RLIMIT_FSIZE) is killed and its task fails naming the limit; every worker
 * runs in a pids cgroup of its own whose pids.max is limits.threads.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Submit, WaitTask } from '../../src/control/methods.js';
import { connect, fixturesDir, slotOf, startFleet, waitFor, workerPids, writeAgent, useFleetTest } from './helpers.js';

const t = useFleetTest();

describe('limits.disk_mb', () => {
  it('a worker fallocating past disk_mb is killed and its task fails naming the limit (no retry)', async () => {
    copyFileSync(join(fixturesDir, 'fill-disk.py'), join(t.dir.agentsDir, 'fill-disk.py'));
    writeFileSync(
      join(t.dir.agentsDir, 'filler.yaml'),
      'name: filler\nrole: fills its slot\nmodel: gpt-4.1-nano\ncommand: [/usr/bin/python3, ./fill-disk.py]\nlimits:\n  disk_mb: 8\n  retries: 2\n',
    );
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const { task } = await t.client.request(Submit, { agent: 'filler', input: { files: 4, mib: 4 } });
    // The slot is measured every second; 60 s leaves room for a loaded 2-core machine.
    const done = await t.client.request(WaitTask, { id: task.id, timeout_s: 60 });
    expect(done.task.state).toBe('failed');
    expect(done.task.attempts).toBe(1);
    expect(done.task.error).toMatch(/^the worker was killed: its slot holds \d+\.\d MiB, more than limits\.disk_mb \(8\.0 MiB\)$/);
    // The slot was emptied, so the next worker in it is not killed for the same files.
    expect(existsSync(join(slotOf(t.dir, 'filler', 0), 'fill-0.bin'))).toBe(false);
  });
});

describe('limits.threads', () => {
  it('each worker runs in a pids cgroup of its own with pids.max = limits.threads', async () => {
    writeAgent(t.dir, 'echo', 'echo', 'concurrency: 2\nlimits:\n  threads: 48');
    t.fleet = await startFleet(t.dir);
    await waitFor(() => workerPids(t.fleet!.events, 'echo').length === 2, 'two workers');
    const dirs = workerPids(t.fleet.events, 'echo').map((pid) => {
      const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:pids:/.test(l))!;
      return line.slice(line.indexOf(':pids:') + 6);
    });
    expect(new Set(dirs).size).toBe(2);
    for (const dir of dirs) {
      expect(dir).toMatch(/\/codex-fleet-state-[0-9a-f]{8}\/echo-[01]\.\d+\.\d+$/);
      expect(readFileSync(join('/sys/fs/cgroup/pids', dir, 'pids.max'), 'utf8').trim()).toBe('48');
    }
  });
});
