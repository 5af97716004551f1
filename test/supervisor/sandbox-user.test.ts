/**
 * The supervisor as root: workers run as the sandbox user, from slots that user owns outside the 0700
 * state directory; a plugin that user cannot read is run from a read-only copy; a user that owns what
 * the sandbox can read, or a slot folder someone else controls, is refused with a clear message.
 */
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Submit, WaitTask } from '../../src/control/methods.js';
import { Supervisor } from '../../src/utils/agent/supervisor.js';
import { repoRoot } from '../helpers/cli.js';
import { connect, loadAgents, slotOf, startFleet, waitFor, workerPids, writeAgent, useFleetTest } from './helpers.js';

const t = useFleetTest();

describe('the supervisor as root', () => {
  it('runs workers as 65534 in slots they own, outside the state directory, which stays 0700 and root\'s', async () => {
    expect(process.geteuid?.()).toBe(0);
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    await waitFor(() => workerPids(t.fleet!.events, 'echo').length === 1, 'the worker');
    const [pid] = workerPids(t.fleet.events, 'echo');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\t65534\t65534\t65534\t65534$/m);
    expect(status).toMatch(/^Gid:\t65534\t65534\t65534\t65534$/m);
    expect(status).toMatch(/^Groups:\t *$/m);
    expect(status).toMatch(/^CapEff:\t0000000000000000$/m);
    const slot = statSync(slotOf(t.dir, 'echo', 0));
    expect({ uid: slot.uid, mode: slot.mode & 0o777 }).toEqual({ uid: 65534, mode: 0o700 });
    const state = statSync(t.dir.stateDir);
    expect({ uid: state.uid, mode: state.mode & 0o777 }).toEqual({ uid: 0, mode: 0o700 });
  });

  it('runs a plugin the sandbox user cannot read from a read-only copy', async () => {
    writeAgent(t.dir, 'echo', 'echo');
    chmodSync(t.dir.agentsDir, 0o700); // like a project under /root
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const { task } = await t.client.request(Submit, { agent: 'echo', input: { text: 'hi' } });
    const done = await t.client.request(WaitTask, { id: task.id, timeout_s: 30 });
    expect(done.task).toMatchObject({ state: 'done', result: { output: { text: 'hi' } } });
    const copy = join(t.dir.slotsDir, '.programs', 'echo', 'plugin', 'echo.mjs');
    expect(t.fleet.events.map((e) => e.message)).toContain(
      `the sandbox user cannot read the program; using a read-only copy: ${join(t.dir.agentsDir, 'echo.mjs')} → ${copy}`,
    );
    const st = statSync(copy);
    expect({ uid: st.uid, mode: st.mode & 0o777 }).toEqual({ uid: 0, mode: 0o644 });
  });

  it('refuses an agent whose sandbox user owns a file the sandbox can read', async () => {
    writeAgent(t.dir, 'echo', 'echo');
    chownSync(join(t.dir.agentsDir, 'echo.mjs'), 4343, 4343);
    const agents = await loadAgents(t.dir);
    const supervisor = await Supervisor.start({ agents, stateDir: t.dir.stateDir, projectDir: repoRoot, slotRoot: t.dir.slotsDir, sandboxUser: { uid: 4343, gid: 4343 } });
    t.fleet = { supervisor, events: [] };
    const [agent] = supervisor.status().agents;
    expect(agent).toMatchObject({ state: 'errored', workers: 0 });
    expect(agent!.reason).toBe(
      `Cannot sandbox agent "echo" as uid 4343: that user owns files the sandbox can read, so it could change their mode, times or xattrs ` +
        `(${join(t.dir.agentsDir, 'echo.mjs')} belongs to the sandbox user 4343). Give those files to another owner, or pick a user that owns nothing with --sandbox-user UID[:GID]`,
    );
  });

  it('refuses a slot folder another user controls', async () => {
    writeAgent(t.dir, 'echo', 'echo');
    mkdirSync(t.dir.slotsDir, { mode: 0o711 });
    chownSync(t.dir.slotsDir, 4343, 4343);
    const agents = await loadAgents(t.dir);
    await expect(Supervisor.start({ agents, stateDir: t.dir.stateDir, projectDir: repoRoot, slotRoot: t.dir.slotsDir })).rejects.toThrow(
      `The slot folder ${t.dir.slotsDir} belongs to uid 4343, not to this user (0): remove it or pass another slot root`,
    );
  });
});
