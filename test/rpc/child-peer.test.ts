/**
 * The supervisor side of a connection, fed garbage by a REAL child process (test/fixtures/rpc/peer.mjs):
 * it answers with the right errors, counts violations, rejects pending calls, and stays responsive.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/protocol/error-codes.js';
import { Ping } from '../../src/protocol/lifecycle.js';
import { ExecRun, Log, type LogParams } from '../../src/protocol/services.js';
import { TaskRun } from '../../src/protocol/task.js';
import type { Connection, ProtocolViolation } from '../../src/rpc/connection.js';
import { ConnectionClosedError, RequestTimeoutError, RpcError } from '../../src/rpc/errors.js';
import { fixture, killChildren, spawnPeer } from './child.js';

afterEach(killChildren);

/** Serves what a supervisor serves; resolves `final` when the child reports what it received. */
function serve(conn: Connection): { violations: ProtocolViolation[]; final: Promise<LogParams> } {
  const violations: ProtocolViolation[] = [];
  conn.on('violation', (v) => violations.push(v));
  conn.onRequest(Ping, () => ({}));
  conn.onRequest(ExecRun, (p) => {
    throw new RpcError(ErrorCodes.ExecNotAllowed, `Not on the allow-list: ${JSON.stringify(p.argv)}`);
  });
  const final = new Promise<LogParams>((resolve) => conn.onNotification(Log, (p) => p.message === 'final' && resolve(p)));
  return { violations, final };
}

const task = { task: { id: 't', kind: 'echo', input: null } };

describe('supervisor side against a misbehaving child', () => {
  it('answers garbage with the right errors and stays responsive', async () => {
    const peer = spawnPeer([fixture('rpc/peer.mjs'), 'garbage']);
    const { violations, final } = serve(peer.conn);
    await peer.conn.start();
    const report = await final;
    const received = (report.fields as { received: { id: unknown; code: unknown; path?: string }[] }).received;
    expect(received).toEqual([
      { id: null, code: ErrorCodes.ParseError },
      { id: null, code: ErrorCodes.InvalidRequest, path: '' },
      { id: null, code: ErrorCodes.InvalidRequest, path: '' },
      { id: 'unknown', code: ErrorCodes.MethodNotFound },
      { id: 'badparams', code: ErrorCodes.InvalidParams, path: '/params/argv' },
      { id: 'badtype', code: ErrorCodes.InvalidParams, path: '/params/argv/1' },
      { id: null, code: ErrorCodes.ParseError },
      { id: 'final', code: 'result' },
    ]);
    // invalid notification params and a response to an unknown id are counted but never answered
    expect(violations.map((v) => v.code)).toEqual([-32700, -32600, -32600, -32601, -32602, -32602, -32602, -32600, -32700]);
    expect(peer.conn.violations).toBe(9);
    await expect(peer.conn.request(Ping, {})).resolves.toEqual({});
  });

  it('discards a 100 MiB line without holding it, answers MessageTooLarge, and reads on', async () => {
    const peer = spawnPeer([fixture('rpc/peer.mjs'), 'huge']);
    const { violations, final } = serve(peer.conn);
    await peer.conn.start();
    const report = await final;
    expect((report.fields as { received: unknown[] }).received).toEqual([
      { id: null, code: ErrorCodes.MessageTooLarge },
      { id: 'final', code: 'result' },
    ]);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toBe('Message too large: a line passed the limit of 16777216 bytes and was discarded');
    await expect(peer.conn.request(Ping, {})).resolves.toEqual({});
  });

  it('survives a flood of unknown methods and answers each one', async () => {
    const peer = spawnPeer([fixture('rpc/peer.mjs'), 'flood', '20000']);
    const { violations, final } = serve(peer.conn);
    await peer.conn.start();
    const report = await final;
    const received = (report.fields as { received: { code: unknown }[] }).received;
    expect(received).toHaveLength(20001);
    expect(received.filter((r) => r.code === ErrorCodes.MethodNotFound)).toHaveLength(20000);
    expect(violations.at(-1)?.total).toBe(20000);
    await expect(peer.conn.request(Ping, {})).resolves.toEqual({});
  });

  it('times out a call to a worker that never answers, and still serves it', async () => {
    const peer = spawnPeer([fixture('rpc/peer.mjs'), 'silent']);
    serve(peer.conn);
    await peer.conn.start();
    const err = await peer.conn.request(TaskRun, task, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(peer.conn.pendingCount).toBe(0);
    expect(peer.conn.closed).toBe(false);
  });

  it('rejects the pending calls of a worker that exits mid-call with ConnectionClosedError', async () => {
    const peer = spawnPeer([fixture('rpc/peer.mjs'), 'exit-mid-call']);
    serve(peer.conn);
    await peer.conn.start();
    const calls = [peer.conn.request(TaskRun, task), peer.conn.request(TaskRun, task)];
    const results = await Promise.allSettled(calls);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionClosedError);
      expect(((r as PromiseRejectedResult).reason as Error).message).toBe(
        'Connection closed before "task/run" was answered: the peer closed the connection',
      );
    }
    expect(await peer.exited).toEqual({ code: 3, signal: null });
    expect(peer.conn.pendingCount).toBe(0);
    await expect(peer.conn.request(Ping, {})).rejects.toBeInstanceOf(ConnectionClosedError);
  });
});
