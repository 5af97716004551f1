/**
 * The nesting-depth limit of the framing layer: a message nested deeper than MAX_JSON_DEPTH is refused
 * with -32600 (its id when readable, `data.path` the JSON Pointer of the first too-deep value), a
 * response-shaped one fails the call it names, and none of it costs the receiver its stack.
 */
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/protocol/error-codes.js';
import { Ping } from '../../src/protocol/lifecycle.js';
import { defineRequest } from '../../src/protocol/method.js';
import { MAX_JSON_DEPTH } from '../../src/protocol/version.js';
import { Connection } from '../../src/rpc/connection.js';
import { tooDeepAt } from '../../src/rpc/depth.js';
import { InvalidResponseError, RpcError } from '../../src/rpc/errors.js';
import { createLinkedPair, type MemoryTransport } from '../../src/rpc/memory-transport.js';

const Echo = defineRequest({ method: 'echo', direction: 'both', description: '', params: Type.Array(Type.Unknown()), result: Type.Unknown() });

/** JSON text of arrays nested `n` deep: nested(2) = "[[]]". */
function nested(n: number): string {
  return '['.repeat(n) + ']'.repeat(n);
}

const open: Connection[] = [];
const raws: MemoryTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await Promise.all(raws.splice(0).map((t) => t.close()));
});

/** A Connection serving `echo` and `ping`, and the raw transport talking to it. */
async function rawPeer(): Promise<{ conn: Connection; raw: MemoryTransport; replies: unknown[]; next(): Promise<unknown> }> {
  const [a, b] = createLinkedPair();
  const conn = new Connection(b);
  const handled: unknown[] = [];
  conn.onRequest(Echo, (p) => (handled.push(p), p));
  conn.onRequest(Ping, () => ({}));
  open.push(conn);
  raws.push(a);
  const replies: unknown[] = [];
  let wake: (() => void) | undefined;
  a.onmessage = (m) => {
    replies.push(m);
    wake?.();
  };
  await Promise.all([a.start(), conn.start()]);
  return {
    conn,
    raw: a,
    replies,
    async next() {
      while (replies.length === 0) await new Promise<void>((r) => (wake = r));
      return replies.shift();
    },
  };
}

describe('the nesting-depth limit', () => {
  it('finds the first too-deep value as a JSON Pointer, escaping "~" and "/"', () => {
    expect(tooDeepAt({ a: [[1]] }, 2)).toBe('/a/0');
    expect(tooDeepAt({ a: [1] }, 2)).toBeUndefined();
    expect(tooDeepAt({ 'x/y~': { z: {} } }, 2)).toBe('/x~1y~0/z');
    expect(tooDeepAt('text', 0)).toBeUndefined();
  });

  it(`accepts a request exactly ${MAX_JSON_DEPTH} levels deep and refuses one level more with -32600, its id and data.path`, async () => {
    const peer = await rawPeer();
    // The message object is level 1 and `params` level 2: params nested 255 deep make 256 levels.
    await peer.raw.sendLine(`{"jsonrpc":"2.0","id":1,"method":"echo","params":${nested(MAX_JSON_DEPTH - 1)}}\n`);
    expect(await peer.next()).toMatchObject({ id: 1, result: JSON.parse(nested(MAX_JSON_DEPTH - 1)) as unknown });

    await peer.raw.sendLine(`{"jsonrpc":"2.0","id":2,"method":"echo","params":${nested(MAX_JSON_DEPTH)}}\n`);
    const reply = (await peer.next()) as { id: unknown; error: { code: number; message: string; data: { path: string } } };
    const path = `/params${'/0'.repeat(MAX_JSON_DEPTH - 1)}`; // the array at level 257
    expect(reply.id).toBe(2);
    expect(reply.error.code).toBe(ErrorCodes.InvalidRequest);
    expect(reply.error.data.path).toBe(path);
    expect(reply.error.message).toBe(`Invalid Request: ${path.slice(0, 60)}… (256 levels): nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`);
    expect(peer.conn.violations).toBe(1);
  });

  it('survives a request nested 100,000 deep (answered -32600) and goes on serving', async () => {
    const peer = await rawPeer();
    await peer.raw.sendLine(`{"jsonrpc":"2.0","id":"deep","method":"echo","params":${nested(100_000)}}\n`);
    expect(await peer.next()).toMatchObject({ id: 'deep', error: { code: ErrorCodes.InvalidRequest } });
    await peer.raw.sendLine('{"jsonrpc":"2.0","id":"after","method":"ping"}\n');
    expect(await peer.next()).toEqual({ jsonrpc: '2.0', id: 'after', result: {} });
  });

  it('answers a too-deep notification with -32600 and id null, without running it', async () => {
    const peer = await rawPeer();
    await peer.raw.sendLine(`{"jsonrpc":"2.0","method":"echo","params":${nested(300)}}\n`);
    expect(await peer.next()).toMatchObject({ id: null, error: { code: ErrorCodes.InvalidRequest, data: { path: `/params${'/0'.repeat(255)}` } } });
  });

  it('in a batch, refuses only the too-deep message; the batch array is not a level', async () => {
    const peer = await rawPeer();
    const ok = nested(MAX_JSON_DEPTH - 1);
    await peer.raw.sendLine(
      `[{"jsonrpc":"2.0","id":1,"method":"echo","params":${nested(400)}},{"jsonrpc":"2.0","id":2,"method":"echo","params":${ok}}]\n`,
    );
    const replies = (await peer.next()) as { id: number; error?: { code: number }; result?: unknown }[];
    expect(replies).toHaveLength(2);
    const byId = new Map(replies.map((r) => [r.id, r]));
    expect(byId.get(1)?.error?.code).toBe(ErrorCodes.InvalidRequest);
    expect(byId.get(2)?.result).toEqual(JSON.parse(ok));
  });

  it('fails the call named by a too-deep response, and never answers it', async () => {
    const peer = await rawPeer();
    let request: { id: number } | undefined;
    const seen = new Promise<void>((resolve) => {
      peer.raw.onmessage = (m) => {
        request = m as { id: number };
        resolve();
      };
    });
    const call = peer.conn.request(Echo, []).catch((e: unknown) => e);
    await seen;
    await peer.raw.sendLine(`{"jsonrpc":"2.0","id":${request!.id},"result":${nested(100_000)}}\n`);
    const err = await call;
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect((err as InvalidResponseError).path).toBe(`/result${'/0'.repeat(MAX_JSON_DEPTH - 1)}`);
    expect((err as Error).message).toMatch(/^Invalid response to "echo": \/result\/0\/0.*: nested deeper than 256 levels of arrays and objects$/);
    expect(peer.conn.violations).toBe(1);
  });

  it('answers InternalError when a handler returns a value too deep to serialize, instead of no answer at all', async () => {
    const [a, b] = createLinkedPair();
    const client = new Connection(a);
    const server = new Connection(b);
    open.push(client, server);
    server.onRequest(Echo, () => JSON.parse(nested(100_000)) as unknown);
    await Promise.all([client.start(), server.start()]);
    const err = await client.request(Echo, []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(ErrorCodes.InternalError);
    expect((err as RpcError).message).toMatch(/^The result cannot be serialized as JSON: Cannot serialize the message: Maximum call stack size exceeded/);
  });
});

describe('a malformed response-shaped message', () => {
  it('is not answered; when its id names a call in flight, that call fails with the bad member', async () => {
    const peer = await rawPeer();
    let id: unknown;
    const seen = new Promise<void>((resolve) => {
      peer.raw.onmessage = (m) => {
        id = (m as { id: unknown }).id;
        resolve();
      };
    });
    const call = peer.conn.request(Echo, []).catch((e: unknown) => e);
    await seen;
    await peer.raw.sendLine(`{"jsonrpc":"1.0","id":${JSON.stringify(id)},"result":[]}\n`);
    const err = await call;
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect((err as InvalidResponseError).message).toBe('Invalid response to "echo": /jsonrpc: "jsonrpc" must be "2.0"');
    expect(peer.conn.violations).toBe(1);
    expect(peer.conn.pendingCount).toBe(0);
  });
});
