import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StreamTransport } from '../../src/rpc/stream-transport.js';

describe('StreamTransport', () => {
  it('fails instead of queueing without bound when the peer never reads', async () => {
    // A writer that takes one chunk and then never drains: a peer that stopped reading.
    const stuck = new Writable({ highWaterMark: 1, write: () => undefined });
    const transport = new StreamTransport(new PassThrough(), stuck, { maxQueuedBytes: 1000 });
    const errors: string[] = [];
    let closed = false;
    transport.onerror = (error) => errors.push(error.message);
    transport.onclose = () => (closed = true);
    await transport.start();
    const sends = Array.from({ length: 30 }, (_, i) => transport.send({ jsonrpc: '2.0', method: 'log', params: { i, pad: 'x'.repeat(40) } }));
    const outcomes = await Promise.allSettled(sends);
    expect(errors).toEqual(['The peer is not reading: more than 1000 bytes wait to be written to it']);
    expect(closed).toBe(true);
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(transport.closed).toBe(true);
  });
});
