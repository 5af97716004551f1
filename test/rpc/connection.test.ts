/** The connection's own behaviour over the in-memory pair: streams, timeouts, cancellation, close, errors. */
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/protocol/error-codes.js';
import { Ping } from '../../src/protocol/lifecycle.js';
import { defineRequest } from '../../src/protocol/method.js';
import { ExecRun, ModelComplete, ModelDelta } from '../../src/protocol/services.js';
import { Connection, type ProtocolViolation } from '../../src/rpc/connection.js';
import {
  ConnectionClosedError,
  InvalidResultError,
  MessageTooLargeError,
  RequestCancelledError,
  RequestTimeoutError,
  RpcError,
} from '../../src/rpc/errors.js';
import { createLinkedPair } from '../../src/rpc/memory-transport.js';

const open: Connection[] = [];
async function pair(maxLineBytes?: number): Promise<[Connection, Connection]> {
  const [a, b] = createLinkedPair(maxLineBytes);
  const client = new Connection(a);
  const server = new Connection(b);
  open.push(client, server);
  return [client, server];
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

const finalReply = { text: 'Hello world', finish_reason: 'stop' as const, model: 'm', usage: { input_tokens: 3, output_tokens: 2 }, cost_usd: 0.001 };

describe('Connection', () => {
  it('round-trips a typed request', async () => {
    const [client, server] = await pair();
    server.onRequest(Ping, () => ({}));
    await Promise.all([client.start(), server.start()]);
    await expect(client.request(Ping, {})).resolves.toEqual({});
  });

  it('delivers stream notifications in order, before the response', async () => {
    const [client, server] = await pair();
    server.onRequest(ModelComplete, async (_params, ctx) => {
      for (const [i, text] of ['Hel', 'lo ', 'world'].entries()) await ctx.stream(ModelDelta, { index: i, text });
      return finalReply;
    });
    await Promise.all([client.start(), server.start()]);
    const seen: string[] = [];
    const result = await client.request(
      ModelComplete,
      { messages: [{ role: 'user', content: 'hi' }] },
      { onStream: (n) => seen.push(`${n.method}:${(n.params as { text: string }).text}`) },
    );
    seen.push('response');
    expect(seen).toEqual(['model/delta:Hel', 'model/delta:lo ', 'model/delta:world', 'response']);
    expect(result.usage).toEqual({ input_tokens: 3, output_tokens: 2 });
  });

  it('times out a call, tells the peer, and drops the late answer quietly', async () => {
    const [client, server] = await pair();
    let release: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => {
      let calls = 0;
      server.onRequest(Ping, (_p, ctx) => {
        if (calls++ > 0) return {};
        ctx.signal.addEventListener('abort', () => resolve());
        return new Promise((r) => (release = () => r({})));
      });
    });
    await Promise.all([client.start(), server.start()]);
    const err = await client.request(Ping, {}, { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect((err as RequestTimeoutError).message).toBe('Request "ping" timed out after 20 ms');
    await aborted; // the server saw $/cancelRequest
    release?.();
    await client.request(Ping, {}); // a fence: the late answer arrived before this one
    expect(client.violations).toBe(0);
  });

  it('cancels a call through an AbortSignal; the handler sees its signal abort', async () => {
    const [client, server] = await pair();
    let handlerSignal: AbortSignal | undefined;
    const started = new Promise<void>((resolve) => {
      server.onRequest(ExecRun, (_p, ctx) => {
        handlerSignal = ctx.signal;
        resolve();
        return new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
      });
    });
    await Promise.all([client.start(), server.start()]);
    const controller = new AbortController();
    const call = client.request(ExecRun, { argv: ['sleep', '1000'] }, { signal: controller.signal });
    await started;
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(RequestCancelledError);
    server.onRequest(Ping, () => ({}));
    await client.request(Ping, {});
    expect(handlerSignal?.aborted).toBe(true);
    expect(client.violations).toBe(0);
  });

  it('rejects every pending call with ConnectionClosedError when the peer goes away', async () => {
    const [client, server] = await pair();
    server.onRequest(Ping, () => new Promise(() => undefined));
    await Promise.all([client.start(), server.start()]);
    const calls = [client.request(Ping, {}), client.request(Ping, {})];
    await server.close();
    for (const call of calls) {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionClosedError);
      expect((err as ConnectionClosedError).code).toBe('CODEX_FLEET_RPC_CONNECTION_CLOSED');
      expect((err as Error).message).toBe('Connection closed before "ping" was answered: the peer closed the connection');
    }
    await expect(client.request(Ping, {})).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('passes a handler\'s RpcError through and turns other throws into InternalError', async () => {
    const [client, server] = await pair();
    server.onRequest(ExecRun, (p) => {
      if (p.argv[0] === 'rm') throw new RpcError(ErrorCodes.ExecNotAllowed, 'Not allowed: "rm"', { argv: p.argv });
      throw new Error('disk on fire');
    });
    await Promise.all([client.start(), server.start()]);
    const denied = await client.request(ExecRun, { argv: ['rm', '-rf', '/'] }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(RpcError);
    expect((denied as RpcError).toJSON()).toEqual({ code: -32030, message: 'Not allowed: "rm"', data: { argv: ['rm', '-rf', '/'] } });
    const broken = await client.request(ExecRun, { argv: ['ls'] }).catch((e: unknown) => e);
    expect((broken as RpcError).toJSON()).toEqual({ code: -32603, message: 'disk on fire' });
  });

  it('rejects a result that does not match the result schema, and counts it', async () => {
    const [client, server] = await pair();
    const LooseExec = { ...ExecRun, result: Type.Unknown() };
    server.onRequest(LooseExec, () => ({
      exit_code: 'zero', signal: null, stdout: '', stderr: '', stdout_truncated: false, stderr_truncated: false, timed_out: false, duration_ms: 1,
    }));
    await Promise.all([client.start(), server.start()]);
    const violations: ProtocolViolation[] = [];
    client.on('violation', (v) => violations.push(v));
    const err = await client.request(ExecRun, { argv: ['ls'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidResultError);
    expect((err as InvalidResultError).path).toBe('/exit_code');
    expect(violations.map((v) => v.total)).toEqual([1]);
  });

  it('refuses to send a line over the limit, and answers a too-large result with MessageTooLarge', async () => {
    const [client, server] = await pair(1024);
    const Big = defineRequest({ method: 'big', direction: 'both', description: '', params: Type.Object({ n: Type.Integer() }), result: Type.String() });
    server.onRequest(Big, (p) => 'x'.repeat(p.n));
    await Promise.all([client.start(), server.start()]);
    await expect(client.request(Big, { n: 1 })).resolves.toBe('x');
    const err = await client.request(Big, { n: 5000 }).catch((e: unknown) => e);
    expect((err as RpcError).code).toBe(ErrorCodes.MessageTooLarge);
    const tooBig = await client.request(Ping, { pad: 'y'.repeat(2000) } as never).catch((e: unknown) => e);
    expect(tooBig).toBeInstanceOf(MessageTooLargeError);
  });

  it('answers an over-long incoming line with MessageTooLarge and id null, then carries on', async () => {
    const [a, b] = createLinkedPair(1024);
    const server = new Connection(b);
    open.push(server);
    server.onRequest(Ping, () => ({}));
    const replies: unknown[] = [];
    a.onmessage = (m) => replies.push(m);
    await Promise.all([a.start(), server.start()]);
    await a.sendLine(`${'z'.repeat(4096)}\n{"jsonrpc":"2.0","id":1,"method":"ping"}\n`);
    while (replies.length < 2) await new Promise((r) => setImmediate(r));
    expect(replies[0]).toMatchObject({ id: null, error: { code: -32003, data: { limit: 1024 } } });
    expect(replies[1]).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    expect(server.violations).toBe(1);
  });

  it('answers a reused id that is still in flight with InvalidRequest', async () => {
    const [a, b] = createLinkedPair();
    const server = new Connection(b);
    open.push(server);
    server.onRequest(Ping, () => new Promise(() => undefined));
    const replies: unknown[] = [];
    a.onmessage = (m) => replies.push(m);
    await Promise.all([a.start(), server.start()]);
    await a.sendLine('{"jsonrpc":"2.0","id":1,"method":"ping"}\n{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
    while (replies.length < 1) await new Promise((r) => setImmediate(r));
    expect(replies[0]).toMatchObject({ id: 1, error: { code: -32600, data: { path: '/id' } } });
  });
});
