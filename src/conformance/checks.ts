/**
 * The conformance checks, in the order they run. Each is a named step against a live worker; docs/protocol.md
 * ("Passing the conformance kit") lists them for implementers.
 *
 * @example
 * ```ts
 * for (const check of SESSION_CHECKS) console.log(check.name);
 * ```
 */
import { isDeepStrictEqual } from 'node:util';
import { ErrorCodes } from '../protocol/error-codes.js';
import { Exit, Initialize, Ping, Shutdown, type InitializeParams, type InitializeResult } from '../protocol/lifecycle.js';
import { TaskRun, type TaskProgressParams } from '../protocol/task.js';
import { KILL_GRACE, MAX_LINE_BYTES, PROTOCOL_VERSION, isCompatibleVersion, negotiatedMinor } from '../protocol/version.js';
import { RpcError } from '../rpc/errors.js';
import type { Session } from './session.js';
import { CANNED_COST_USD, CANNED_DELTAS, CANNED_SHA, CANNED_STDOUT, CANNED_USAGE, DENIED_PROGRAM } from './stub.js';

/** A failed expectation; its message is the check's detail line. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}

export function expect(condition: unknown, detail: string): asserts condition {
  if (!condition) throw new CheckFailure(detail);
}

const show = (v: unknown): string => {
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 300 ? `${text.slice(0, 300)}…` : text;
};

/**
 * Whether two JSON values are equal as values: objects compare member by member whatever their key
 * order (a worker's hash map may write keys in any order), arrays element by element.
 */
export const sameJson = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);

/** Resolves with the promise's value, or fails the check after `ms`. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CheckFailure(`no ${what} within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e as Error);
      },
    );
  });
}

export interface KitContext {
  readonly workspace: string;
  /** Per-step timeout, ms. */
  readonly stepMs: number;
  initResult?: InitializeResult;
}

export interface Check {
  readonly name: string;
  /** The check makes the worker exit (so an exit is not a failure by itself). */
  readonly expectsExit?: boolean;
  run(s: Session, k: KitContext): Promise<void>;
}

export function initializeParams(workspace: string): InitializeParams {
  return {
    protocol_version: PROTOCOL_VERSION,
    supervisor: { name: 'codex-fleet-conformance', version: PROTOCOL_VERSION },
    agent: {
      name: 'conformance',
      role: 'The conformance kit\'s test agent.',
      model: 'conformance-model',
      max_tokens: 256,
      cost_budget: 0.01,
      allowed_syscalls: [],
      exec: [{ command: ['echo'], allow_extra_args: true, timeout_s: 10 }],
    },
    workspace,
    limits: { max_line_bytes: MAX_LINE_BYTES, max_turns: 10, wall_time_s: 60, memory_mb: 512, exec_output_bytes: 65_536 },
    capabilities: { model_streaming: true, exec: true, commit: true },
  };
}

const line = (obj: unknown): string => JSON.stringify(obj);
const errorCode = (reply: unknown): unknown => (reply as { error?: { code?: unknown } } | null)?.error?.code;

async function runTask(s: Session, k: KitContext, id: string, kind: string, input: unknown, onProgress?: (p: TaskProgressParams) => void): Promise<unknown> {
  const result = await within(
    k.stepMs,
    `response to task/run "${kind}"`,
    s.conn.request(TaskRun, { task: { id, kind, input } }, onProgress ? { onStream: (n) => onProgress(n.params as TaskProgressParams) } : {}),
  );
  return result.output;
}

/** Checks run on one worker process, in order; a failed handshake skips the rest. */
export const SESSION_CHECKS: readonly Check[] = [
  {
    name: 'answers ping before initialize',
    async run(s, k) {
      const pong = await within(k.stepMs, 'ping response', s.conn.request(Ping, {}));
      expect(sameJson(pong, {}), `ping must be answered with {}, got ${show(pong)}`);
    },
  },
  {
    name: 'refuses a task before initialize with NotInitialized (-32002), an unknown method with -32601',
    async run(s, k) {
      const reply = await within(
        k.stepMs,
        'response',
        s.raw(line({ jsonrpc: '2.0', id: 'raw-early', method: 'task/run', params: { task: { id: 'early', kind: 'conformance.echo', input: 1 } } }), 'raw-early'),
      );
      expect(errorCode(reply) === ErrorCodes.NotInitialized, `expected error -32002, got ${show(reply)}`);
      // The method is checked before the state: an unknown one is MethodNotFound even now.
      const unknown = await within(k.stepMs, 'response', s.raw(line({ jsonrpc: '2.0', id: 'raw-early-unknown', method: 'no/such/method', params: {} }), 'raw-early-unknown'));
      expect(errorCode(unknown) === ErrorCodes.MethodNotFound, `an unknown method before initialize: expected error -32601, got ${show(unknown)}`);
    },
  },
  {
    name: 'refuses an unsupported protocol version with -32004',
    async run(s, k) {
      const params = { ...initializeParams(k.workspace), protocol_version: '99.0' };
      const reply = await within(k.stepMs, 'response', s.raw(line({ jsonrpc: '2.0', id: 'raw-version', method: 'initialize', params }), 'raw-version'));
      expect(errorCode(reply) === ErrorCodes.UnsupportedProtocolVersion, `expected error -32004, got ${show(reply)}`);
    },
  },
  {
    name: 'initialize handshake',
    async run(s, k) {
      const result = await within(k.stepMs, 'initialize response', s.conn.request(Initialize, initializeParams(k.workspace)));
      expect(isCompatibleVersion(result.protocol_version), `protocol_version "${result.protocol_version}" is not compatible with ${PROTOCOL_VERSION}`);
      expect(result.capabilities.conformance, 'capabilities.conformance must be true to run the conformance tasks');
      k.initResult = result;
    },
  },
  {
    name: 'echo task returns its input',
    async run(s, k) {
      const input = { text: 'héllo ✓ \u2028 "quoted"\n', list: [1, 2.5, -3, null, true], nested: { deep: { empty: {} } } };
      const output = await runTask(s, k, 'echo-1', 'conformance.echo', input);
      expect(sameJson(output, input), `output ${show(output)} differs from input ${show(input)}`);
    },
  },
  {
    name: 'services task: log, progress, streamed model reply, exec, commit',
    async run(s, k) {
      const progress: TaskProgressParams[] = [];
      const output = (await runTask(
        s,
        k,
        'services-1',
        'conformance.services',
        { prompt: 'Say hello to the fleet', argv: ['echo', 'conformance'], commit: { message: 'conformance commit', paths: ['README.md'] } },
        (p) => progress.push(p),
      )) as Record<string, unknown>;
      const stub = s.stub;
      expect(stub.modelCalls.length === 1, `expected 1 model/complete request, got ${stub.modelCalls.length}`);
      expect(stub.modelCalls[0]?.messages.at(-1)?.content === 'Say hello to the fleet', `model/complete messages: ${show(stub.modelCalls[0]?.messages)}`);
      expect(stub.modelCalls[0]?.task_id === 'services-1', `model/complete must carry task_id "services-1", got ${show(stub.modelCalls[0]?.task_id)}`);
      expect(sameJson(output.deltas, CANNED_DELTAS), `deltas seen by the worker: ${show(output.deltas)}; sent: ${show(CANNED_DELTAS)}`);
      expect(output.text === CANNED_DELTAS.join(''), `final text ${show(output.text)}`);
      expect(sameJson(output.usage, CANNED_USAGE), `usage ${show(output.usage)}`);
      expect(output.cost_usd === CANNED_COST_USD, `cost_usd ${show(output.cost_usd)}`);
      expect(sameJson(stub.execCalls[0]?.argv, ['echo', 'conformance']), `exec/run argv ${show(stub.execCalls[0]?.argv)}`);
      expect(sameJson(output.exec, { exit_code: 0, stdout: CANNED_STDOUT }), `exec result ${show(output.exec)}`);
      expect(sameJson(stub.commitCalls[0]?.paths, ['README.md']), `commit/request paths ${show(stub.commitCalls[0]?.paths)}`);
      expect(output.sha === CANNED_SHA, `commit sha ${show(output.sha)}`);
      expect(stub.logs.length >= 1, 'expected at least one log notification');
      expect(progress.length >= 1, 'expected at least one task/progress notification before the response');
      expect(progress.every((p) => p.task_id === 'services-1'), `task/progress task_id: ${show(progress.map((p) => p.task_id))}`);
    },
  },
  {
    name: 'a supervisor error reaches the task (ExecNotAllowed -32030)',
    async run(s, k) {
      const output = (await runTask(s, k, 'errors-1', 'conformance.errors', { argv: [DENIED_PROGRAM, 'x'] })) as { code?: unknown };
      expect(output?.code === ErrorCodes.ExecNotAllowed, `expected output.code -32030, got ${show(output)}`);
    },
  },
  {
    name: 'ignores stray responses and stream notifications for unknown requests',
    async run(s, k) {
      await s.send(`${line({ jsonrpc: '2.0', id: 'never-sent', result: {} })}\n`);
      await s.send(`${line({ jsonrpc: '2.0', method: 'model/delta', params: { request_id: 'never-sent', index: 0, text: 'x' } })}\n`);
      const reply = await within(k.stepMs, 'ping response', s.raw(line({ jsonrpc: '2.0', id: 'raw-fence-1', method: 'ping', params: {} }), 'raw-fence-1'));
      expect((reply as { result?: unknown }).result !== undefined, `ping after stray messages: ${show(reply)}`);
      const extra = [...s.takeNullErrors(), ...s.strayReplies];
      expect(extra.length === 0, `the worker answered messages it must ignore: ${show(extra)}`);
    },
  },
  {
    name: 'a 1.1 worker takes task/deadline as a notification (never answers it)',
    async run(s, k) {
      if (k.initResult === undefined || negotiatedMinor(k.initResult.protocol_version) < 1) return; // a 1.0 worker never gets it
      await s.send(`${line({ jsonrpc: '2.0', method: 'task/deadline', params: { task_id: 'not-running', deadline_ms: Date.now() + 60_000, reason: 'conformance' } })}\n`);
      const reply = await within(k.stepMs, 'ping response', s.raw(line({ jsonrpc: '2.0', id: 'raw-fence-deadline', method: 'ping', params: {} }), 'raw-fence-deadline'));
      expect((reply as { result?: unknown }).result !== undefined, `ping after task/deadline: ${show(reply)}`);
      const extra = [...s.takeNullErrors(), ...s.strayReplies];
      expect(extra.length === 0, `the worker answered a notification: ${show(extra)}`);
    },
  },
  {
    name: 'bad JSON is answered with -32700 and id null',
    async run(s, k) {
      await s.send('{"jsonrpc": "2.0", "method": "task/run", "params": [}\n');
      const reply = await within(k.stepMs, 'error response', s.nextNullError());
      expect(errorCode(reply) === ErrorCodes.ParseError, `expected -32700, got ${show(reply)}`);
    },
  },
  {
    name: 'an invalid request object is answered with -32600',
    async run(s, k) {
      await s.send('{"jsonrpc": "2.0", "method": 1, "params": "bar"}\n');
      const reply = await within(k.stepMs, 'error response', s.nextNullError());
      expect(errorCode(reply) === ErrorCodes.InvalidRequest, `expected -32600, got ${show(reply)}`);
    },
  },
  {
    name: 'an empty batch is answered with a single -32600',
    async run(s, k) {
      await s.send('[]\n');
      const reply = await within(k.stepMs, 'error response', s.nextNullError());
      expect(errorCode(reply) === ErrorCodes.InvalidRequest, `expected -32600, got ${show(reply)}`);
    },
  },
  {
    name: 'an unknown method is answered with -32601',
    async run(s, k) {
      const reply = await within(k.stepMs, 'response', s.raw(line({ jsonrpc: '2.0', id: 'raw-unknown', method: 'no/such/method', params: {} }), 'raw-unknown'));
      expect(errorCode(reply) === ErrorCodes.MethodNotFound, `expected -32601, got ${show(reply)}`);
    },
  },
  {
    name: 'invalid params are answered with -32602 naming the field',
    async run(s, k) {
      const reply = await within(
        k.stepMs,
        'response',
        s.raw(line({ jsonrpc: '2.0', id: 'raw-params', method: 'task/run', params: { task: { id: 7, kind: 'conformance.echo', input: 1 } } }), 'raw-params'),
      );
      expect(errorCode(reply) === ErrorCodes.InvalidParams, `expected -32602, got ${show(reply)}`);
      const data = (reply as { error: { data?: { path?: unknown } } }).error.data;
      expect(typeof data?.path === 'string' && data.path.includes('task'), `error.data.path should name the bad field (/params/task/id), got ${show(data)}`);
    },
  },
  {
    name: 'a batch is answered with an array of the requests\' responses',
    async run(s, k) {
      const reply = await within(
        k.stepMs,
        'batch response',
        s.rawBatch(
          line([
            { jsonrpc: '2.0', id: 'raw-b1', method: 'ping', params: {} },
            { jsonrpc: '2.0', method: 'no/such/notification', params: {} },
            { jsonrpc: '2.0', id: 'raw-b2', method: 'ping', params: {} },
          ]),
          'raw-b1',
        ),
      );
      const ids = Array.isArray(reply) ? reply.map((r) => (r as { id?: unknown }).id).sort() : undefined;
      expect(sameJson(ids, ['raw-b1', 'raw-b2']), `expected an array answering raw-b1 and raw-b2, got ${show(reply)}`);
    },
  },
  {
    name: 'a line over 16 MiB is discarded and answered with -32003; the worker reads on',
    async run(s, k) {
      const chunk = 'y'.repeat(1024 * 1024);
      await s.send('{"jsonrpc":"2.0","id":"raw-huge","method":"ping","params":{"pad":"');
      for (let i = 0; i < 17; i++) await s.send(chunk);
      await s.send('"}}\n');
      const reply = await within(k.stepMs * 3, 'error response', s.nextNullError());
      expect(errorCode(reply) === ErrorCodes.MessageTooLarge, `expected -32003, got ${show(reply)}`);
      const pong = await within(k.stepMs, 'ping response', s.raw(line({ jsonrpc: '2.0', id: 'raw-after-huge', method: 'ping', params: {} }), 'raw-after-huge'));
      expect((pong as { result?: unknown }).result !== undefined, `ping after the long line: ${show(pong)}`);
    },
  },
  {
    name: 'cancels a running task on $/cancelRequest with -32001',
    async run(s, k) {
      const reply = s.raw(line({ jsonrpc: '2.0', id: 'raw-block', method: 'task/run', params: { task: { id: 'block-1', kind: 'conformance.block', input: null } } }), 'raw-block');
      // The worker must answer ping while the task runs: proof the task started and nothing blocks.
      await within(k.stepMs, 'ping response while a task runs', s.conn.request(Ping, {}));
      await s.send(`${line({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'raw-block' } })}\n`);
      const answer = await within(KILL_GRACE.cancelMs, 'response after $/cancelRequest', reply);
      expect(errorCode(answer) === ErrorCodes.RequestCancelled, `expected -32001, got ${show(answer)}`);
    },
  },
  {
    name: 'shutdown is answered with null',
    async run(s) {
      const result = await within(KILL_GRACE.shutdownMs, 'shutdown response', s.conn.request(Shutdown, {}));
      expect(result === null, `expected null, got ${show(result)}`);
    },
  },
  {
    name: 'refuses tasks after shutdown with ShuttingDown (-32005)',
    async run(s, k) {
      const err = await within(k.stepMs, 'response', s.conn.request(TaskRun, { task: { id: 'late', kind: 'conformance.echo', input: 1 } }).then(() => undefined, (e: unknown) => e));
      expect(err instanceof RpcError && err.code === ErrorCodes.ShuttingDown, `expected error -32005, got ${show(err instanceof RpcError ? err.toJSON() : String(err))}`);
    },
  },
  {
    name: 'exit: the process ends with status 0',
    expectsExit: true,
    async run(s) {
      await s.conn.notify(Exit, {});
      const exit = await within(KILL_GRACE.exitMs, 'process exit after "exit"', s.exited);
      expect(exit.code === 0, `exit status ${show(exit)}`);
    },
  },
];

/** Checks that each need a fresh worker process. */
export const PROCESS_CHECKS: readonly Check[] = [
  {
    name: 'exits when its stdin closes',
    expectsExit: true,
    async run(s, k) {
      await within(k.stepMs, 'initialize response', s.conn.request(Initialize, initializeParams(k.workspace)));
      s.child.stdin.end();
      await within(KILL_GRACE.shutdownMs + KILL_GRACE.exitMs, 'process exit after stdin closed', s.exited);
    },
  },
  {
    name: 'kill: exits on SIGTERM while a task runs',
    expectsExit: true,
    async run(s, k) {
      await within(k.stepMs, 'initialize response', s.conn.request(Initialize, initializeParams(k.workspace)));
      const task = s.conn.request(TaskRun, { task: { id: 'block-2', kind: 'conformance.block', input: null } }).catch(() => undefined);
      await within(k.stepMs, 'ping response', s.conn.request(Ping, {}));
      s.child.kill('SIGTERM');
      await within(KILL_GRACE.termMs, 'process exit after SIGTERM', s.exited);
      await task;
    },
  },
];
