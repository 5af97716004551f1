/**
 * The CLI around a fleet, as real processes: one supervisor per state directory, and what the commands
 * that need a running fleet say when there is none.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient, NoFleetError } from '../../src/control/client.js';
import { Status } from '../../src/control/methods.js';
import { SupervisorLockedError } from '../../src/supervisor/lock.js';
import { Supervisor } from '../../src/utils/agent/supervisor.js';
import { codexBin, repoRoot, runFleet } from '../helpers/cli.js';
import { expectNoProcessesLeft, loadAgents, makeFleetDir, removeFleetDir, waitFor, writeAgent, type FleetDir } from './helpers.js';

let dir: FleetDir;
let child: ChildProcess | undefined;

beforeEach(() => {
  dir = makeFleetDir();
  child = undefined;
  writeAgent(dir, 'echo', 'echo');
});

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await expectNoProcessesLeft(dir.root);
  removeFleetDir(dir);
});

function startCli(): { child: ChildProcess; exited: Promise<number | null> } {
  const started = spawn(process.execPath, [codexBin, 'fleet', 'start', dir.agentsDir, '--state-dir', dir.stateDir], { cwd: repoRoot, stdio: 'ignore' });
  child = started;
  return { child: started, exited: new Promise((resolve) => started.once('exit', (code) => resolve(code))) };
}

async function statusWhenUp() {
  let pid = 0;
  await waitFor(async () => {
    try {
      const client = await ControlClient.connect(dir.paths);
      pid = (await client.request(Status, {})).pid;
      client.close();
      return true;
    } catch (error) {
      if (error instanceof NoFleetError) return false;
      throw error;
    }
  }, 'the fleet to answer');
  return pid;
}

const noFleet = (stateDir: string): string =>
  `codex fleet: No fleet is running on ${stateDir}: start one with "codex fleet start" (in the same project, or with the same --state-dir)\n`;

describe('two supervisors on one state directory', () => {
  it('refuses the second with a message naming the first, exit 1, and leaves the first untouched', async () => {
    const first = startCli();
    const pid = await statusWhenUp();
    expect(pid).toBe(first.child.pid);

    const second = runFleet(['start', dir.agentsDir, '--state-dir', dir.stateDir]);
    expect(second.stderr).toBe(
      `codex fleet: Another supervisor (pid ${pid}) is already running on ${dir.stateDir}: ` +
        'stop it with "codex fleet stop", or give this one its own --state-dir\n',
    );
    expect(second.status).toBe(1);
    expect(second.stdout).toBe('');
    // The same refusal in-process, as a typed error.
    const agents = await loadAgents(dir);
    const refused = await Supervisor.start({ agents, stateDir: dir.stateDir, projectDir: repoRoot }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SupervisorLockedError);
    expect(refused).toMatchObject({ code: 'CODEX_FLEET_SUPERVISOR_RUNNING', pid, stateDir: dir.stateDir });

    // The first one is still in charge.
    expect(await statusWhenUp()).toBe(pid);
    const submit = runFleet(['submit', 'echo', '--input', '"still mine"', '--wait', '--state-dir', dir.stateDir]);
    expect(submit).toMatchObject({ status: 0, stdout: 'still mine\n' }); // a string output is printed as is
    const stop = runFleet(['stop', '--state-dir', dir.stateDir]);
    expect(stop).toMatchObject({ status: 0, stdout: 'fleet stopped\n' });
    expect(await first.exited).toBe(0);
  });
});

describe('commands that need a running fleet', () => {
  const commands: [string, string[]][] = [
    ['submit', ['submit', 'echo', '--input', '{}']],
    ['tasks', ['tasks']],
    ['result', ['result', 'tmissing']],
    ['cancel', ['cancel', 'tmissing']],
    ['pause', ['pause', 'echo']],
    ['resume', ['resume', 'echo']],
    ['kill', ['kill', 'echo']],
    ['stop', ['stop']],
  ];

  it('say that none runs and how to start one, exit 1 (no state directory at all)', () => {
    for (const [name, args] of commands) {
      const r = runFleet([...args, '--state-dir', dir.stateDir]);
      expect({ name, status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({ name, status: 1, stderr: noFleet(dir.stateDir), stdout: '' });
    }
    const status = runFleet(['status', '--state-dir', dir.stateDir]);
    // One line, which names the state directory already.
    expect(status).toEqual({ status: 1, stdout: '', stderr: noFleet(dir.stateDir) });
    // With --json, the same as one JSON object.
    const json = runFleet(['status', '--json', '--state-dir', dir.stateDir]);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'CODEX_FLEET_NOT_RUNNING', message: noFleet(dir.stateDir).slice('codex fleet: '.length).trimEnd() } });
  });

  it('say the same after the supervisor was killed by SIGKILL (a stale socket and token are left)', async () => {
    const started = startCli();
    await statusWhenUp();
    started.child.kill('SIGKILL');
    await started.exited;
    expect(existsSync(dir.paths.socket)).toBe(true);
    expect(existsSync(dir.paths.token)).toBe(true);
    for (const [name, args] of commands) {
      const r = runFleet([...args, '--state-dir', dir.stateDir]);
      expect({ name, status: r.status, stderr: r.stderr }).toEqual({ name, status: 1, stderr: noFleet(dir.stateDir) });
    }
    await expectNoProcessesLeft(dir.root);
  });
});
