/**
 * The state directory under attack or gone: one that another user could tamper with is refused (by the
 * supervisor and by the CLI), files in it are never followed through symlinks, a directory removed under
 * a running fleet stops it with a clear message, and a second supervisor can never run beside a live
 * one of the same state directory.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/client.js';
import { SupervisorLock, SupervisorLockedError } from '../../src/supervisor/lock.js';
import { StatePaths } from '../../src/supervisor/state-dir.js';
import { UnsafeStateDirError } from '../../src/supervisor/state-dir-check.js';
import { Supervisor } from '../../src/utils/agent/supervisor.js';
import { codexBin, repoRoot } from '../helpers/cli.js';
import { expectNoProcessesLeft, isAlive, loadAgents, runFleetAsync, startFleet, useFleetTest, waitFor, workerPids, writeAgent } from './helpers.js';

const t = useFleetTest((dir) => writeAgent(dir, 'echo', 'echo'));

async function startRefusal(stateDir: string): Promise<unknown> {
  const agents = await loadAgents(t.dir);
  return Supervisor.start({ agents, stateDir, projectDir: repoRoot }).then(
    async (s) => {
      await s.stop(true);
      return 'started';
    },
    (e: unknown) => e,
  );
}

describe('a state directory someone else could tamper with', () => {
  it('is refused when it is open to others, belongs to another user, or is a symlink', async () => {
    mkdirSync(t.dir.stateDir, { mode: 0o700 });
    chmodSync(t.dir.stateDir, 0o755);
    expect(await startRefusal(t.dir.stateDir)).toMatchObject({
      code: 'CODEX_FLEET_UNSAFE_STATE_DIR',
      message: `Refusing the state directory ${t.dir.stateDir}: its mode is 0755, not 0700; others could read or replace its files. Check its contents, then "chmod 700 ${t.dir.stateDir}"`,
    });
    chmodSync(t.dir.stateDir, 0o700);
    chownSync(t.dir.stateDir, 65534, 65534);
    const uid = process.getuid!();
    expect(await startRefusal(t.dir.stateDir)).toMatchObject({
      message: `Refusing the state directory ${t.dir.stateDir}: it belongs to uid 65534, not to you (uid ${uid}); someone else could read the control token or swap its files. Remove it, or use another --state-dir`,
    });
    // The CLI refuses it too, in one line, before it reads a token or connects to a socket in it.
    const cli = await runFleetAsync(['status', '--state-dir', t.dir.stateDir]);
    expect(cli).toMatchObject({ status: 1, stdout: '' });
    expect(cli.stderr).toBe(`codex fleet: Refusing the state directory ${t.dir.stateDir}: it belongs to uid 65534, not to you (uid ${uid}); someone else could read the control token or swap its files. Remove it, or use another --state-dir\n`);
    rmSync(t.dir.stateDir, { recursive: true });

    const real = join(t.dir.root, 'real-state');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, t.dir.stateDir);
    expect(await startRefusal(t.dir.stateDir)).toMatchObject({
      message: `Refusing the state directory ${t.dir.stateDir}: it is a symbolic link; remove it, or name the real directory with --state-dir`,
    });
    expect(existsSync(join(real, 'journal.db'))).toBe(false);
  }, 60_000);

  it('is refused when the codex-fleet directory above it belongs to another user', async () => {
    const base = join(t.dir.root, 'xdg', 'codex-fleet');
    mkdirSync(base, { recursive: true, mode: 0o700 });
    chownSync(base, 65534, 65534);
    const refused = await startRefusal(join(base, 'project-1234abcd'));
    expect(refused).toBeInstanceOf(UnsafeStateDirError);
    expect((refused as Error).message).toMatch(new RegExp(`^Refusing the state directory ${base}: it belongs to uid 65534`));
  });

  it('never writes the control token through a planted symlink', async () => {
    mkdirSync(t.dir.stateDir, { mode: 0o700 });
    const victim = join(t.dir.root, 'victim.txt');
    writeFileSync(victim, 'precious\n', { mode: 0o644 });
    symlinkSync(victim, t.dir.paths.token);
    expect(await startRefusal(t.dir.stateDir)).toMatchObject({
      message: `Refusing the state directory ${t.dir.stateDir}: control.token is a symbolic link; remove it (no supervisor ever creates one)`,
    });
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    // Nor does the CLI read a token through one.
    await expect(ControlClient.connect(t.dir.paths)).rejects.toThrow(`Refusing the control token ${t.dir.paths.token}: it is a symbolic link`);
  });
});

describe('a state directory removed under a running fleet', () => {
  it('stops the supervisor with a clear message, and leaves no worker behind', async () => {
    t.fleet = await startFleet(t.dir);
    await waitFor(() => workerPids(t.fleet!.events, 'echo').length === 1, 'the worker to be ready');
    const [pid] = workerPids(t.fleet.events, 'echo');
    rmSync(t.dir.stateDir, { recursive: true, force: true });
    await t.fleet.supervisor.done; // it stops by itself
    expect(t.fleet.supervisor.fatal).toBe(
      `the state directory ${t.dir.stateDir} was removed while the fleet ran: stopping now, since no client could reach this fleet ` +
        'any more. Start it again with "codex fleet start"',
    );
    expect(t.fleet.events.filter((e) => e.type === 'fleet.error').map((e) => e.message)).toEqual([t.fleet.supervisor.fatal]);
    expect(isAlive(pid!)).toBe(false);
  }, 60_000);

  it('makes "codex fleet start" exit 1 with that message on one line', async () => {
    const child = spawn(process.execPath, [codexBin, 'fleet', 'start', t.dir.agentsDir, '--state-dir', t.dir.stateDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    await waitFor(() => /echo\[0\] worker ready/.test(stdout), 'the worker to be ready');
    rmSync(t.dir.stateDir, { recursive: true, force: true });
    expect(await exited).toBe(1);
    expect(stderr).toBe(
      `codex fleet: The fleet stopped after a fatal error: the state directory ${t.dir.stateDir} was removed while the fleet ran: ` +
        'stopping now, since no client could reach this fleet any more. Start it again with "codex fleet start"\n',
    );
    await expectNoProcessesLeft(t.dir.agentsDir);
  }, 60_000);
});

describe('one supervisor per state directory', () => {
  it('holds even when the directory is removed and made again under the first one', async () => {
    const paths = new StatePaths(t.dir.stateDir);
    paths.ensure();
    const first = await SupervisorLock.acquire(paths);
    rmSync(t.dir.stateDir, { recursive: true, force: true });
    paths.ensure(); // a fresh directory: a fresh lock file, no pid file
    const second = await SupervisorLock.acquire(paths).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(SupervisorLockedError);
    expect(second).toMatchObject({
      orphaned: true,
      message:
        `A supervisor of ${t.dir.stateDir} is still running, though its state directory was removed or replaced; it stops by ` +
        'itself within a few seconds. Try again then, or give this one its own --state-dir',
    });
    first.release();
    const third = await SupervisorLock.acquire(paths);
    third.release();
  });
});
