/**
 * The examples of the JSON-RPC 2.0 specification (section 7), over the in-memory pair: raw lines in,
 * raw replies out, compared with what the specification says.
 */
import { Type } from '@sinclair/typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineNotification, defineRequest } from '../../src/protocol/method.js';
import { Connection } from '../../src/rpc/connection.js';
import { createLinkedPair, type MemoryTransport } from '../../src/rpc/memory-transport.js';

const SubtractParams = Type.Union([
  Type.Tuple([Type.Number(), Type.Number()]),
  Type.Object({ minuend: Type.Number(), subtrahend: Type.Number() }, { additionalProperties: false }),
]);
const Subtract = defineRequest({ method: 'subtract', direction: 'both', description: '', params: SubtractParams, result: Type.Number() });
const Sum = defineRequest({ method: 'sum', direction: 'both', description: '', params: Type.Array(Type.Number()), result: Type.Number() });
const GetData = defineRequest({ method: 'get_data', direction: 'both', description: '', params: Type.Array(Type.Unknown()), result: Type.Unknown() });
const Update = defineNotification({ method: 'update', direction: 'both', description: '', params: Type.Array(Type.Unknown()) });
const NotifyHello = defineNotification({ method: 'notify_hello', direction: 'both', description: '', params: Type.Array(Type.Unknown()) });
const NotifySum = defineNotification({ method: 'notify_sum', direction: 'both', description: '', params: Type.Array(Type.Unknown()) });

/** The client end: sends raw lines, collects raw replies in order. */
class RawClient {
  readonly replies: unknown[] = [];
  #waiters: (() => void)[] = [];
  constructor(readonly transport: MemoryTransport) {
    transport.onmessage = (m) => {
      this.replies.push(m);
      this.#waiters.splice(0).forEach((w) => w());
    };
  }
  send(line: string): Promise<void> {
    return this.transport.sendLine(`${line}\n`);
  }
  /** The next reply (waits for it). */
  async next(): Promise<unknown> {
    while (this.replies.length === 0) await new Promise<void>((r) => this.#waiters.push(r));
    return this.replies.shift();
  }
}

let client: RawClient;
let server: Connection;
const notified: string[] = [];

beforeEach(async () => {
  const [a, b] = createLinkedPair();
  client = new RawClient(a);
  server = new Connection(b);
  server.onRequest(Subtract, (p) => (Array.isArray(p) ? p[0] - p[1] : p.minuend - p.subtrahend));
  server.onRequest(Sum, (p) => p.reduce((x, y) => x + y, 0));
  server.onRequest(GetData, () => ['hello', 5]);
  server.onNotification(Update, (p) => void notified.push(`update ${JSON.stringify(p)}`));
  server.onNotification(NotifyHello, (p) => void notified.push(`hello ${JSON.stringify(p)}`));
  server.onNotification(NotifySum, (p) => void notified.push(`sum ${JSON.stringify(p)}`));
  notified.length = 0;
  await Promise.all([a.start(), server.start()]);
});

afterEach(async () => {
  await server.close();
});

/** Sends a known request and returns the reply to it: everything received before it was extra. */
async function fence(): Promise<unknown[]> {
  await client.send('{"jsonrpc": "2.0", "method": "subtract", "params": [1, 1], "id": "fence"}');
  const before: unknown[] = [];
  for (;;) {
    const r = await client.next();
    if ((r as { id?: unknown }).id === 'fence') return before;
    before.push(r);
  }
}

describe('JSON-RPC 2.0 specification examples', () => {
  it('rpc call with positional parameters', async () => {
    await client.send('{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}');
    expect(await client.next()).toEqual({ jsonrpc: '2.0', result: 19, id: 1 });
    await client.send('{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}');
    expect(await client.next()).toEqual({ jsonrpc: '2.0', result: -19, id: 2 });
  });

  it('rpc call with named parameters', async () => {
    await client.send('{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}');
    expect(await client.next()).toEqual({ jsonrpc: '2.0', result: 19, id: 3 });
    await client.send('{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}');
    expect(await client.next()).toEqual({ jsonrpc: '2.0', result: 19, id: 4 });
  });

  it('a notification gets no reply', async () => {
    await client.send('{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}');
    await client.send('{"jsonrpc": "2.0", "method": "foobar"}');
    expect(await fence()).toEqual([]);
    expect(notified).toEqual(['update [1,2,3,4,5]']);
  });

  it('rpc call of non-existent method', async () => {
    await client.send('{"jsonrpc": "2.0", "method": "foobar", "id": "1"}');
    expect(await client.next()).toMatchObject({ jsonrpc: '2.0', error: { code: -32601, message: 'Method not found: "foobar"' }, id: '1' });
  });

  it('rpc call with invalid JSON', async () => {
    await client.send('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]');
    expect(await client.next()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
  });

  it('rpc call with invalid Request object', async () => {
    await client.send('{"jsonrpc": "2.0", "method": 1, "params": "bar"}');
    expect(await client.next()).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32600, message: 'Invalid Request: "method" must be a string', data: { path: '/method' } },
      id: null,
    });
  });

  it('rpc call Batch, invalid JSON', async () => {
    await client.send('[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},{"jsonrpc": "2.0", "method"]');
    expect(await client.next()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 }, id: null });
  });

  it('rpc call with an empty Array', async () => {
    await client.send('[]');
    const reply = await client.next();
    expect(Array.isArray(reply)).toBe(false);
    expect(reply).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 }, id: null });
  });

  it('rpc call with an invalid Batch (but not empty)', async () => {
    await client.send('[1]');
    expect(await client.next()).toEqual([
      { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request: a message must be an object', data: { path: '' } }, id: null },
    ]);
  });

  it('rpc call with invalid Batch', async () => {
    await client.send('[1,2,3]');
    const reply = (await client.next()) as unknown[];
    expect(reply).toHaveLength(3);
    for (const r of reply) expect(r).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 }, id: null });
  });

  it('rpc call Batch', async () => {
    await client.send(
      `[
        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
      ]`.replace(/\n/g, ''),
    );
    const reply = (await client.next()) as { id: unknown }[];
    const byId = new Map(reply.map((r) => [r.id, r]));
    expect(reply).toHaveLength(5);
    expect(byId.get('1')).toEqual({ jsonrpc: '2.0', result: 7, id: '1' });
    expect(byId.get('2')).toEqual({ jsonrpc: '2.0', result: 19, id: '2' });
    expect(byId.get(null)).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 }, id: null });
    expect(byId.get('5')).toMatchObject({ jsonrpc: '2.0', error: { code: -32601 }, id: '5' });
    expect(byId.get('9')).toEqual({ jsonrpc: '2.0', result: ['hello', 5], id: '9' });
    expect(notified).toEqual(['hello [7]']);
  });

  it('rpc call Batch (all notifications) gets no reply', async () => {
    await client.send('[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]');
    expect(await fence()).toEqual([]);
    expect(notified).toEqual(['sum [1,2,4]', 'hello [7]']);
  });

  it('invalid params are answered -32602 with the path of the bad field', async () => {
    await client.send('{"jsonrpc": "2.0", "method": "sum", "params": [1, "two"], "id": 7}');
    expect(await client.next()).toMatchObject({
      id: 7,
      error: { code: -32602, data: { path: '/params/1', message: 'Expected number' } },
    });
  });

  it('a response is never answered, even when it is wrong', async () => {
    await client.send('{"jsonrpc": "2.0", "result": 1, "id": 12345}');
    await client.send('{"jsonrpc": "2.0", "error": {"code": "x"}, "id": 1}');
    expect(await fence()).toEqual([]);
    expect(server.violations).toBe(2);
  });
});
