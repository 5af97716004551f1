/**
 * Why an agent errored, in its own words: a plugin that throws in `init` crash-loops, and the agent's
 * reason carries the plugin's error and its last stderr lines, not the SIGKILL the supervisor sent
 * after the failed handshake. Submits to an errored agent are refused with that reason and what to do;
 * submits to a paused agent are queued with a note.
 */
import { describe, expect, it } from 'vitest';
import { ControlErrorCodes, PauseAgent, Submit } from '../../src/control/methods.js';
import { RpcError } from '../../src/rpc/errors.js';
import { connect, runFleetAsync, startFleet, useFleetTest, waitFor, writeAgent } from './helpers.js';

const t = useFleetTest();

describe('a plugin that throws in init', () => {
  it('errors the agent with the plugin\'s own error and stderr; submits are refused with the reason and the way back', async () => {
    writeAgent(t.dir, 'widget', 'init-throws', 'restart:\n  max_restarts: 1\n  window_s: 60');
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    await waitFor(async () => (await t.agentStatus('widget')).state === 'errored', 'the agent to be errored');
    const status = await t.agentStatus('widget');
    expect(status.reason).toBe(
      '2 abnormal exits within 60s (restart.max_restarts is 1); last exit: did not start: ' +
        'Plugin failed: cannot reach the widget service at widget.internal:443; stderr: init-throws: reading ./widget.yaml',
    );
    expect(status.reason).not.toContain('SIGKILL');
    // The exit events say the same.
    const exits = t.fleet.events.filter((e) => e.type === 'worker.exit' && e.agent === 'widget');
    expect(exits.length).toBe(2);
    for (const exit of exits) {
      expect(exit.message).toBe("worker did not start: Plugin failed: cannot reach the widget service at widget.internal:443; last stderr: init-throws: reading ./widget.yaml");
    }

    const refused = await t.client.request(Submit, { agent: 'widget', input: 1 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RpcError);
    expect(refused).toMatchObject({
      code: ControlErrorCodes.AgentUnavailable,
      message:
        `Agent "widget" is errored: ${status.reason}. Fix the cause (its last stderr lines are above), then ` +
        '"codex fleet resume widget"; tasks already queued stay queued',
    });
    const cli = await runFleetAsync(['submit', 'widget', '--input', '1', '--state-dir', t.dir.stateDir]);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toBe(`codex fleet: ${(refused as Error).message}\n`);
    expect(cli.stdout).toBe('');
  }, 90_000);
});

describe('a submit to a paused agent', () => {
  it('is queued, and the reply says the agent is paused, why, and that the task waits', async () => {
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    await t.client.request(PauseAgent, { agent: 'echo' });
    const reply = await t.client.request(Submit, { agent: 'echo', input: 'later' });
    expect(reply.task.state).toBe('queued');
    expect(reply.note).toBe('agent "echo" is paused (paused by the user): the task waits in the queue until "codex fleet resume echo"');
    const cli = await runFleetAsync(['submit', 'echo', '--input', '"also later"', '--state-dir', t.dir.stateDir]);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/^t[0-9a-z]+\n$/);
    expect(cli.stderr).toBe('codex fleet: note: agent "echo" is paused (paused by the user): the task waits in the queue until "codex fleet resume echo"\n');
  }, 60_000);
});
