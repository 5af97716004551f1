/**
 * What a dead supervisor left running is killed by the next start on the same state directory. The
 * leftover is made for real: a supervisor started with --unsafe-no-sandbox (no parent-death signal) is
 * killed with SIGKILL while its worker runs; that worker lives on until the next supervisor starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetCgroup } from '../../src/sandbox/cgroup.js';
import { ProcessRecord, procStat } from '../../src/supervisor/leftovers.js';
import { codexBin, repoRoot } from '../helpers/cli.js';
import { isAlive, processesMarkedBy, startFleet, waitFor, writeAgent, useFleetTest } from './helpers.js';

const t = useFleetTest();
let running: ChildProcess | undefined;
afterEach(() => {
  running?.kill('SIGKILL');
  running = undefined;
});

describe('leftovers of a killed supervisor', () => {
  it('a worker that outlived a kill -9 of its supervisor is killed by the next start', async () => {
    writeFileSync(join(t.dir.agentsDir, 'linger.yaml'), 'name: linger\nrole: outlives its supervisor\nmodel: gpt-4.1-nano\ncommand: [/bin/sleep, "600"]\n');
    const cli = spawn(process.execPath, [codexBin, 'fleet', 'start', t.dir.agentsDir, '--state-dir', t.dir.stateDir, '--unsafe-no-sandbox', '--json'], {
      cwd: repoRoot,
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => cli.once('exit', resolve));
    running = cli;
    const sleeper = (): number | undefined => processesMarkedBy(t.dir.root).find((p) => /\/sleep 600$/.test(p.cmdline))?.pid;
    await waitFor(() => sleeper() !== undefined, 'the worker to start');
    const pid = sleeper()!;
    await waitFor(() => /^\+ /m.test(readFileSync(join(t.dir.stateDir, 'processes'), 'utf8')), 'the worker to be recorded');
    cli.kill('SIGKILL');
    await exited;
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(pid)).toBe(true); // a real leftover: nothing ended it with its supervisor

    rmSync(join(t.dir.agentsDir, 'linger.yaml'));
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    await waitFor(() => !isAlive(pid), 'the leftover to be killed', 5000);
    expect(t.fleet.events.filter((e) => e.message.startsWith('killed ')).map((e) => e.message)).toEqual([
      `killed 1 process(es) the previous supervisor of this state directory left running (pids ${pid})`,
    ]);
  });

  it('never kills a process that merely has a recorded pid (the start time must match)', async () => {
    const dir = join(t.dir.root, 'record');
    mkdirSync(dir);
    const record = new ProcessRecord(join(dir, 'processes'));
    const other = spawn('/bin/sleep', ['600'], { detached: true, stdio: 'ignore' });
    const mine = spawn('/bin/sleep', ['600'], { detached: true, stdio: 'ignore' });
    try {
      await waitFor(() => procStat(other.pid!) !== undefined && procStat(mine.pid!) !== undefined, 'the sleepers');
      writeFileSync(record.file, `+ ${other.pid} ${procStat(other.pid!)!.start + 1}\n`); // the same pid, another process
      record.add(mine.pid!);
      expect(record.sweep()).toEqual([mine.pid]);
      await waitFor(() => !isAlive(mine.pid!), 'the recorded process to die');
      expect(isAlive(other.pid!)).toBe(true);
      expect(record.live()).toEqual([]);
    } finally {
      other.kill('SIGKILL');
      mine.kill('SIGKILL');
    }
  });

  it('everything in the fleet\'s pids cgroup is killed by the next sweep (nothing inside can leave it)', async () => {
    const key = `test-${process.pid}-${Date.now()}`;
    const cgroup = FleetCgroup.open(key);
    expect(cgroup?.version).toBe(1); // this machine's pids controller is cgroup v1
    const child = cgroup!.create('leftover', 16);
    const sleeper = spawn('/bin/sleep', ['600'], { detached: true, stdio: 'ignore' });
    try {
      writeFileSync(join(child, 'cgroup.procs'), String(sleeper.pid));
      expect(FleetCgroup.open(key)!.sweep()).toEqual([sleeper.pid]);
      await waitFor(() => !isAlive(sleeper.pid!), 'the process in the cgroup to die');
    } finally {
      sleeper.kill('SIGKILL');
      FleetCgroup.open(key)?.close();
    }
  });
});
