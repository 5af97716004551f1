/** Stopping a fleet, and what the control socket does with clients that misbehave. */
import { connect as netConnect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Submit, WaitTask } from '../../src/control/methods.js';
import { ErrorCodes } from '../../src/protocol/error-codes.js';
import { RpcError } from '../../src/rpc/errors.js';
import { connect, slotOf, startFleet, waitFor, writeAgent, useFleetTest } from './helpers.js';

const t = useFleetTest();

describe('stop', () => {
  it('with now=true cuts a drain short: the hung task goes back to the queue and the fleet ends', async () => {
    writeAgent(t.dir, 'stuck', 'hang', 'limits:\n  wall_time_s: 3600\n  retries: 0');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const { task } = await t.client.request(Submit, { agent: 'stuck', input: null });
    const slot = slotOf(t.dir, 'stuck', 0);
    await waitFor(() => {
      try {
        return readFileSync(join(slot, 'runs.log'), 'utf8').includes(task.id);
      } catch {
        return false;
      }
    }, 'the task to start');
    let drained = false;
    const drain = t.fleet.supervisor.stop(false).then(() => (drained = true));
    await waitFor(() => t.fleet!.events.some((e) => e.type === 'fleet.stopping'), 'the drain to begin');
    expect(drained).toBe(false); // the hung task holds the drain
    await t.fleet.supervisor.stop(true);
    await drain;
    expect(t.fleet.events.filter((e) => e.type === 'fleet.stopping').map((e) => e.message)).toEqual([
      'stopping: waiting for running tasks to finish',
      'stopping now: workers are killed, running tasks queued again',
    ]);
    // Nothing lost: the next start finds the task queued again, without an attempt used up by the stop.
    t.client.close();
    t.client = undefined;
    t.fleet = await startFleet(t.dir);
    const again = t.fleet.supervisor.getTask(task.id);
    expect(again.state === 'queued' || again.state === 'running').toBe(true);
    expect(again.error ?? '').toMatch(/queued again for the next start|^$/);
  });
});

describe('the control socket', () => {
  it('rejects an over-long wait, which no timer could hold', async () => {
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const { task } = await t.client.request(Submit, { agent: 'echo', input: 1 });
    const error = await t.client.request(WaitTask, { id: task.id, timeout_s: 1e10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(ErrorCodes.InvalidParams);
  });

  it('disconnects a client that keeps sending requests without the token', async () => {
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    const socket = netConnect(t.dir.paths.socket);
    let replies = '';
    socket.setEncoding('utf8').on('data', (d: string) => (replies += d));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    for (let i = 0; i < 50; i++) socket.write(`{"jsonrpc":"2.0","id":${i},"method":"fleet/status","params":{}}\n`);
    await closed;
    const answers = replies.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { error?: { code: number } });
    // At most the ten it tolerates (and the one that crossed the line) were answered, each Unauthorized.
    expect(answers.length).toBeLessThanOrEqual(11);
    expect(answers.every((a) => a.error?.code === -32050)).toBe(true);
  });
});
