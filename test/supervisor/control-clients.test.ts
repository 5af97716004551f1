/**
 * Control clients that never read their replies cannot grow the supervisor's memory: past
 * MAX_QUEUED_BYTES waiting for one client, the client is dropped with a log line, and everyone else is
 * served as before.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ListTasks, Status, Submit } from '../../src/control/methods.js';
import { MAX_QUEUED_BYTES } from '../../src/control/server.js';
import { connect, startFleet, useFleetTest, waitFor, writeAgent } from './helpers.js';

const t = useFleetTest();

describe('a control client that never reads', () => {
  it('is dropped with a log line once its unread replies pass the bound; the fleet answers others', async () => {
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    await t.client.request(Submit, { agent: 'echo', input: null }); // something to list
    for (let i = 0; i < 60; i++) await t.client.request(Submit, { agent: 'echo', input: { i, pad: 'x'.repeat(1000) } });
    const oneReply = JSON.stringify((await t.client.request(ListTasks, { limit: 10_000 })).tasks).length;
    // Enough requests that their replies are several times the bound.
    const requests = Math.ceil((4 * MAX_QUEUED_BYTES) / oneReply) + 20;

    const token = readFileSync(t.dir.paths.token, 'utf8').trim();
    const socket = netConnect(t.dir.paths.socket);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.pause(); // never reads a byte
    const lines = [JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'fleet/hello', params: { token } })];
    for (let i = 1; i <= requests; i++) lines.push(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tasks/list', params: { limit: 10_000 } }));
    socket.write(`${lines.join('\n')}\n`);

    await waitFor(
      () => t.fleet!.events.some((e) => e.type === 'log' && e.message.startsWith('dropped a control client that does not read its replies')),
      'the client to be dropped',
      30_000,
    );
    const log = t.fleet.events.find((e) => e.message.startsWith('dropped a control client'))!;
    expect(log.message).toBe(`dropped a control client that does not read its replies: The peer is not reading: more than ${MAX_QUEUED_BYTES} bytes wait to be written to it`);
    expect((await t.client.request(Status, {})).agents[0]).toMatchObject({ name: 'echo' });
    socket.destroy();
  }, 60_000);
});
