/** Stopping a fleet, and what the control socket does with clients that misbehave. */
import { connect as netConnect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlClient } from '../../src/control/client.js';
import { Submit, WaitTask } from '../../src/control/methods.js';
import { ErrorCodes } from '../../src/protocol/error-codes.js';
import { RpcError } from '../../src/rpc/errors.js';
import { cleanUpFleet, connect, makeFleetDir, startFleet, waitFor, writeAgent, type FleetDir, type RunningFleet } from './helpers.js';

let dir: FleetDir;
let fleet: RunningFleet | undefined;
let client: ControlClient | undefined;

beforeEach(() => {
  dir = makeFleetDir();
  fleet = undefined;
  client = undefined;
});

afterEach(() => cleanUpFleet(dir, fleet, client));

describe('stop', () => {
  it('with now=true cuts a drain short: the hung task goes back to the queue and the fleet ends', async () => {
    writeAgent(dir, 'stuck', 'hang', 'limits:\n  wall_time_s: 3600\n  retries: 0');
    fleet = await startFleet(dir);
    client = await connect(dir);
    const { task } = await client.request(Submit, { agent: 'stuck', input: null });
    const slot = dir.paths.slot('stuck', 0);
    await waitFor(() => {
      try {
        return readFileSync(join(slot, 'runs.log'), 'utf8').includes(task.id);
      } catch {
        return false;
      }
    }, 'the task to start');
    let drained = false;
    const drain = fleet.supervisor.stop(false).then(() => (drained = true));
    await waitFor(() => fleet!.events.some((e) => e.type === 'fleet.stopping'), 'the drain to begin');
    expect(drained).toBe(false); // the hung task holds the drain
    await fleet.supervisor.stop(true);
    await drain;
    expect(fleet.events.filter((e) => e.type === 'fleet.stopping').map((e) => e.message)).toEqual([
      'stopping: waiting for running tasks to finish',
      'stopping now: workers are killed, running tasks queued again',
    ]);
    // Nothing lost: the next start finds the task queued again, without an attempt used up by the stop.
    client.close();
    client = undefined;
    fleet = await startFleet(dir);
    const again = fleet.supervisor.getTask(task.id);
    expect(again.state === 'queued' || again.state === 'running').toBe(true);
    expect(again.error ?? '').toMatch(/queued again for the next start|^$/);
  });
});

describe('the control socket', () => {
  it('rejects an over-long wait, which no timer could hold', async () => {
    writeAgent(dir, 'echo', 'echo');
    fleet = await startFleet(dir);
    client = await connect(dir);
    const { task } = await client.request(Submit, { agent: 'echo', input: 1 });
    const error = await client.request(WaitTask, { id: task.id, timeout_s: 1e10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(ErrorCodes.InvalidParams);
  });

  it('disconnects a client that keeps sending requests without the token', async () => {
    writeAgent(dir, 'echo', 'echo');
    fleet = await startFleet(dir);
    const socket = netConnect(dir.paths.socket);
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
