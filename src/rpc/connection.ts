/**
 * A JSON-RPC 2.0 peer over any {@link Transport}: request ids and the pending map, per-call timeouts,
 * cancellation (`$/cancelRequest` out, an `AbortSignal` in), notifications, stream notifications tied
 * to a request id, batches, and validation of every incoming message against the protocol's schemas.
 *
 * Both sides of the worker protocol use it: the supervisor over a child's pipes, the worker over its
 * stdio. It never throws on bad input: a bad message is answered as JSON-RPC 2.0 says, counted as a
 * protocol violation and reported through the `violation` event, so the owner can decide when a peer has
 * misbehaved enough to be killed.
 *
 * @example
 * ```ts
 * const conn = new Connection(new StreamTransport(child.stdout, child.stdin), { requestTimeoutMs: 30_000 });
 * conn.onRequest(ExecRun, async (params, ctx) => runAllowed(params.argv, ctx.signal));
 * conn.on('violation', (v) => { if (v.total > 100) kill(child); });
 * await conn.start();
 * const result = await conn.request(TaskRun, { task }, { onStream: (n) => console.log(n.params) });
 * ```
 */
import { ErrorCodes } from '../protocol/error-codes.js';
import type { JsonRpcErrorObject, JsonRpcResponse, RequestId } from '../protocol/jsonrpc.js';
import { CancelRequest } from '../protocol/lifecycle.js';
import type { NotificationType, ParamsOf, RequestType, ResultOf, StreamParamsOf } from '../protocol/method.js';
import { checkerFor, type Checker } from '../protocol/validate.js';
import { MAX_LINE_BYTES } from '../protocol/version.js';
import {
  clipPointer,
  ConnectionClosedError,
  InvalidResponseError,
  InvalidResultError,
  LineTooLongError,
  MessageParseError,
  MessageTooDeepError,
  MessageTooLargeError,
  RequestCancelledError,
  RequestTimeoutError,
  RpcError,
} from './errors.js';
import type { Transport } from './transport.js';

export interface ConnectionOptions {
  /** Default timeout of outgoing requests in ms; 0 (the default) means none. */
  readonly requestTimeoutMs?: number;
  /** Maximum line size, for messages in `error.data`. Default 16 MiB. */
  readonly maxLineBytes?: number;
}

export interface RequestOptions {
  /** Timeout of this call in ms (overrides the connection's default; 0 = none). */
  readonly timeoutMs?: number;
  /** Aborting sends `$/cancelRequest` and rejects the call with `RequestCancelledError`. */
  readonly signal?: AbortSignal;
  /** Receives the request's stream notifications (e.g. `model/delta`), in order, before the response. */
  readonly onStream?: (notification: { readonly method: string; readonly params: unknown }) => void;
}

/** What a request handler gets besides the params. */
export interface RequestContext {
  readonly id: RequestId;
  readonly method: string;
  /** Aborted when the peer sends `$/cancelRequest` for this request or the connection closes. */
  readonly signal: AbortSignal;
  /** Sends a stream notification tied to this request (`request_id` is filled in). */
  stream<N extends NotificationType>(type: N, params: StreamParamsOf<N>): Promise<void>;
  /** Calls `listener` once when the request is cancelled (cheaper than listening on `signal`). */
  onCancel(listener: () => void): void;
}

export type RequestHandler<T extends RequestType> = (
  params: ParamsOf<T>,
  ctx: RequestContext,
) => ResultOf<T> | Promise<ResultOf<T>>;

export type NotificationHandler<T extends NotificationType> = (params: ParamsOf<T>) => void;

/** A message from the peer that broke the protocol, and how many so far. */
export interface ProtocolViolation {
  /** The JSON-RPC code it was (or would have been) answered with. */
  readonly code: number;
  readonly message: string;
  /** Violations on this connection so far, this one included. */
  readonly total: number;
}

export interface ConnectionEvents {
  violation: ProtocolViolation;
  /** The peer answered one of our messages with an error and `id: null` (it could not read it). */
  peerError: JsonRpcErrorObject;
  /** A fatal transport error (the connection closes after it). */
  error: Error;
  close: { readonly reason: string };
}

interface Pending {
  readonly type: RequestType;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly onStream: RequestOptions['onStream'];
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface RequestEntry {
  readonly type: RequestType;
  readonly handler: RequestHandler<RequestType>;
  checker: Checker | undefined;
}

interface NotificationEntry {
  readonly type: NotificationType;
  readonly handler: NotificationHandler<NotificationType>;
  checker: Checker | undefined;
}

/** The state of a request we are handling. */
class Inflight implements RequestContext {
  #controller: AbortController | undefined;
  #cancelled = false;
  constructor(
    private readonly conn: Connection,
    readonly id: RequestId,
    readonly method: string,
  ) {}

  get signal(): AbortSignal {
    // Created on first use: most handlers never look at it.
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#cancelled) this.#controller.abort(new RequestCancelledError(this.method));
    }
    return this.#controller.signal;
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  #listeners: (() => void)[] | undefined;

  onCancel(listener: () => void): void {
    if (this.#cancelled) listener();
    else (this.#listeners ??= []).push(listener);
  }

  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#controller?.abort(new RequestCancelledError(this.method));
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners !== undefined) for (const l of listeners) l();
  }

  stream<N extends NotificationType>(type: N, params: StreamParamsOf<N>): Promise<void> {
    return this.conn.sendNotification(type.method, { request_id: this.id, ...params });
  }
}

/** What handling one incoming message gives: the response to send, later, or none. */
type Reply = JsonRpcResponse | Promise<JsonRpcResponse | undefined> | undefined;

const ABANDONED_MEMORY = 1024;
const MAX_VIOLATION_TEXT = 200;

export class Connection {
  readonly #transport: Transport;
  readonly #defaultTimeoutMs: number;
  readonly #maxLineBytes: number;
  readonly #requests = new Map<string, RequestEntry>();
  readonly #notifications = new Map<string, NotificationEntry>();
  readonly #streamTypes = new Map<string, { type: NotificationType; checker: Checker | undefined }>();
  readonly #pending = new Map<RequestId, Pending>();
  readonly #inflight = new Map<RequestId, Inflight>();
  /** Ids we gave up on (timeout, cancel): their late responses and streams are dropped quietly. */
  readonly #abandoned = new Set<RequestId>();
  readonly #listeners: { [K in keyof ConnectionEvents]: Set<(e: ConnectionEvents[K]) => void> } = {
    violation: new Set(),
    peerError: new Set(),
    error: new Set(),
    close: new Set(),
  };
  #drainWaiters: (() => void)[] = [];
  #nextId = 1;
  #violations = 0;
  /** The peer's input ended or the transport closed: no more responses can arrive. */
  #closed = false;
  /** `close()` was called: nothing more is written either. */
  #transportClosed = false;
  #closeReason = 'the connection was closed';

  constructor(transport: Transport, options: ConnectionOptions = {}) {
    this.#transport = transport;
    this.#defaultTimeoutMs = options.requestTimeoutMs ?? 0;
    this.#maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    transport.onmessage = (message) => this.#onMessage(message);
    transport.onerror = (error) => this.#onTransportError(error);
    transport.onclose = () => this.#onClose();
    this.onNotification(CancelRequest, (params) => this.#inflight.get(params.id)?.cancel());
  }

  /**
   * Counts a violation the owner found in a message that was valid JSON-RPC (e.g. it names something
   * the peer may not use), reported through the `violation` event like the connection's own.
   */
  reportViolation(code: number, message: string): void {
    this.#violation(null, code, message, {});
  }

  /** Protocol violations by the peer so far. */
  get violations(): number {
    return this.#violations;
  }

  /** Outgoing requests still waiting for a response. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Incoming requests still being handled. */
  get inflightCount(): number {
    return this.#inflight.size;
  }

  /** Resolves once every incoming request being handled now has been answered (or dropped). */
  async drain(): Promise<void> {
    while (this.#inflight.size > 0) {
      await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    }
  }

  /** Starts the transport. Register handlers first: messages may arrive at once. */
  start(): Promise<void> {
    return this.#transport.start();
  }

  /** Closes the transport; pending calls reject with `ConnectionClosedError`. */
  async close(reason = 'the connection was closed'): Promise<void> {
    if (this.#transportClosed) return;
    this.#transportClosed = true;
    if (!this.#closed) this.#closeReason = reason;
    await this.#transport.close();
    this.#onClose();
  }

  on<K extends keyof ConnectionEvents>(event: K, listener: (e: ConnectionEvents[K]) => void): () => void {
    const set = this.#listeners[event] as Set<(e: ConnectionEvents[K]) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Handles a request method. Its params are validated before the handler runs. */
  onRequest<T extends RequestType>(type: T, handler: RequestHandler<T>): this {
    this.#requests.set(type.method, { type, handler: handler as unknown as RequestHandler<RequestType>, checker: undefined });
    return this;
  }

  /** Handles a notification method. Its params are validated before the handler runs. */
  onNotification<T extends NotificationType>(type: T, handler: NotificationHandler<T>): this {
    this.#notifications.set(type.method, {
      type,
      handler: handler as unknown as NotificationHandler<NotificationType>,
      checker: undefined,
    });
    return this;
  }

  /**
   * Sends a request and resolves with its validated result. Rejects with `RpcError` (the peer's error),
   * `RequestTimeoutError`, `RequestCancelledError`, `InvalidResultError`, `ConnectionClosedError` or
   * `MessageTooLargeError`.
   */
  request<T extends RequestType>(type: T, params: ParamsOf<T>, options: RequestOptions = {}): Promise<ResultOf<T>> {
    if (this.#closed) return Promise.reject(new ConnectionClosedError(type.method, this.#closeReason));
    for (const s of type.streams) if (!this.#streamTypes.has(s.method)) this.#streamTypes.set(s.method, { type: s, checker: undefined });
    const id = this.#nextId++;
    return new Promise<ResultOf<T>>((resolve, reject) => {
      const pending: Pending = {
        type,
        resolve: resolve as (value: unknown) => void,
        reject,
        onStream: options.onStream,
        timer: undefined,
        signal: undefined,
        onAbort: undefined,
      };
      const signal = options.signal;
      if (signal !== undefined) {
        if (signal.aborted) {
          reject(new RequestCancelledError(type.method));
          return;
        }
        pending.signal = signal;
        pending.onAbort = () => this.#abandon(id, new RequestCancelledError(type.method));
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
      if (timeoutMs > 0) {
        pending.timer = setTimeout(() => this.#abandon(id, new RequestTimeoutError(type.method, timeoutMs)), timeoutMs);
        (pending.timer as { unref?: () => void }).unref?.();
      }
      this.#pending.set(id, pending);
      this.#transport.send({ jsonrpc: '2.0', id, method: type.method, params }).catch((err: Error) => {
        const p = this.#pending.get(id);
        if (p === undefined) return;
        this.#settle(id, p);
        p.reject(this.#closed ? new ConnectionClosedError(type.method, this.#closeReason) : err);
      });
    });
  }

  /** Sends a notification. Resolves once written (or drained: await it for backpressure). */
  notify<T extends NotificationType>(type: T, params: ParamsOf<T>): Promise<void> {
    return this.sendNotification(type.method, params);
  }

  /** @internal Sends a notification by name. */
  sendNotification(method: string, params: unknown): Promise<void> {
    if (this.#transportClosed) return Promise.reject(new ConnectionClosedError(undefined, this.#closeReason));
    return this.#transport.send({ jsonrpc: '2.0', method, params });
  }

  // ---- incoming -------------------------------------------------------------------------------------

  #onMessage(message: unknown): void {
    if (Array.isArray(message)) {
      this.#onBatch(message);
      return;
    }
    const reply = this.#handle(message);
    if (reply === undefined) return;
    if (reply instanceof Promise) {
      void reply.then((r) => {
        if (r !== undefined) this.#sendResponse(r);
      });
    } else {
      this.#sendResponse(reply);
    }
  }

  #onBatch(batch: unknown[], handle: (m: unknown, index: number) => Reply = (m) => this.#handle(m)): void {
    if (batch.length === 0) {
      this.#sendResponse(this.#violation(null, ErrorCodes.InvalidRequest, 'Invalid Request: empty batch', { path: '' }));
      return;
    }
    const replies = batch.map(handle);
    if (replies.every((r) => r === undefined)) return;
    void Promise.all(replies).then((all) => {
      const responses = all.filter((r): r is JsonRpcResponse => r !== undefined);
      if (responses.length > 0 && !this.#transportClosed) {
        this.#transport.send(responses).catch((err: Error) => this.#onSendFailure(null, err));
      }
    });
  }

  /** Handles one message; returns the response to send, if any. */
  #handle(msg: unknown): Reply {
    if (typeof msg !== 'object' || msg === null) {
      return this.#violation(null, ErrorCodes.InvalidRequest, 'Invalid Request: a message must be an object', { path: '' });
    }
    const m = msg as Record<string, unknown>;
    const hasId = 'id' in m;
    const id = m.id;
    const idOk = typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id));
    if ('method' in m) {
      const replyId = hasId && idOk ? (id as RequestId) : null;
      const bad = envelopeIssue(m, hasId, idOk);
      if (bad !== undefined) {
        return this.#violation(replyId, ErrorCodes.InvalidRequest, `Invalid Request: ${bad.message}`, { path: bad.path });
      }
      return hasId ? this.#onRequest(id as RequestId, m.method as string, m.params) : this.#onNotification(m.method as string, m.params);
    }
    if ('result' in m || 'error' in m) {
      this.#onResponse(m, hasId, id, idOk);
      return undefined;
    }
    return this.#violation(
      hasId && idOk ? (id as RequestId) : null,
      ErrorCodes.InvalidRequest,
      'Invalid Request: neither a request ("method") nor a response ("result" or "error")',
      { path: '' },
    );
  }

  #onRequest(id: RequestId, method: string, rawParams: unknown): JsonRpcResponse | Promise<JsonRpcResponse | undefined> {
    const entry = this.#requests.get(method);
    if (entry === undefined) {
      return this.#violation(id, ErrorCodes.MethodNotFound, `Method not found: ${quote(method)}`, { method });
    }
    if (this.#inflight.has(id)) {
      return this.#violation(id, ErrorCodes.InvalidRequest, `Invalid Request: id ${JSON.stringify(id)} is already in use`, { path: '/id' });
    }
    const params = rawParams === undefined ? emptyParams(entry.type.params) : rawParams;
    const checker = (entry.checker ??= checkerFor(entry.type.params));
    if (!checker.check(params)) {
      const issue = checker.firstIssue(params) ?? { path: '', message: 'Does not match the schema' };
      const path = `/params${issue.path}`;
      return this.#violation(id, ErrorCodes.InvalidParams, `Invalid params for ${quote(method)}: ${path}: ${issue.message}`, {
        path,
        message: issue.message,
      });
    }
    const inflight = new Inflight(this, id, method);
    this.#inflight.set(id, inflight);
    let out: unknown;
    try {
      out = entry.handler(params as never, inflight);
    } catch (err) {
      this.#inflight.delete(id);
      return errorResponse(id, RpcError.fromError(err));
    }
    if (!(out instanceof Promise)) {
      this.#inflight.delete(id);
      return { jsonrpc: '2.0', id, result: out === undefined ? null : out };
    }
    return out.then(
      (result: unknown) => {
        this.#finishInflight(id);
        if (this.#transportClosed) return undefined;
        return { jsonrpc: '2.0', id, result: result === undefined ? null : result } as JsonRpcResponse;
      },
      (err: unknown) => {
        this.#finishInflight(id);
        if (this.#transportClosed) return undefined;
        const wire = inflight.cancelled && !(err instanceof RpcError) ? new RpcError(ErrorCodes.RequestCancelled) : RpcError.fromError(err);
        return errorResponse(id, wire);
      },
    );
  }

  #onNotification(method: string, rawParams: unknown): undefined {
    const stream = this.#streamTypes.get(method);
    if (stream !== undefined) {
      const checker = (stream.checker ??= checkerFor(stream.type.params));
      if (!checker.check(rawParams)) {
        const issue = checker.firstIssue(rawParams);
        this.#violation(null, ErrorCodes.InvalidParams, `Invalid params for ${quote(method)}: /params${issue?.path ?? ''}: ${issue?.message ?? ''}`, {});
        return undefined;
      }
      const requestId = (rawParams as { request_id: RequestId }).request_id;
      const pending = this.#pending.get(requestId);
      if (pending === undefined) {
        if (!this.#abandoned.has(requestId)) {
          this.#violation(null, ErrorCodes.InvalidParams, `${quote(method)} names request ${JSON.stringify(requestId)}, which is not in flight`, {});
        }
        return undefined;
      }
      if (!pending.type.streams.some((s) => s.method === method)) {
        this.#violation(null, ErrorCodes.InvalidParams, `${quote(method)} does not belong to a ${quote(pending.type.method)} request`, {});
        return undefined;
      }
      pending.onStream?.({ method, params: rawParams });
      return undefined;
    }
    const entry = this.#notifications.get(method);
    if (entry === undefined) {
      // Notifications are never answered; "$/" ones may be ignored by design.
      if (!method.startsWith('$/')) this.#violation(null, ErrorCodes.MethodNotFound, `Unknown notification ${quote(method)}`, {});
      return undefined;
    }
    const params = rawParams === undefined ? emptyParams(entry.type.params) : rawParams;
    const checker = (entry.checker ??= checkerFor(entry.type.params));
    if (!checker.check(params)) {
      const issue = checker.firstIssue(params);
      this.#violation(null, ErrorCodes.InvalidParams, `Invalid params for ${quote(method)}: /params${issue?.path ?? ''}: ${issue?.message ?? ''}`, {});
      return undefined;
    }
    try {
      entry.handler(params as never);
    } catch (err) {
      this.#emit('error', err instanceof Error ? err : new Error(String(err)));
    }
    return undefined;
  }

  #onResponse(m: Record<string, unknown>, hasId: boolean, id: unknown, idOk: boolean): void {
    const bad = responseIssue(m, hasId, idOk);
    if (bad !== undefined) {
      // Never answered (that could loop between two peers); the call it names, if any, fails.
      this.#violation(null, ErrorCodes.InvalidRequest, `Invalid response: ${bad.message}`, {});
      if (idOk) this.#failPending(id as RequestId, bad.path, bad.message);
      return;
    }
    if (id === null) {
      this.#emit('peerError', m.error as JsonRpcErrorObject);
      return;
    }
    const pending = this.#pending.get(id as RequestId);
    if (pending === undefined) {
      if (!this.#abandoned.has(id as RequestId)) {
        this.#violation(null, ErrorCodes.InvalidRequest, `Response to unknown request id ${JSON.stringify(id)}`, {});
      }
      return;
    }
    this.#settle(id as RequestId, pending);
    if ('error' in m) {
      pending.reject(RpcError.fromObject(m.error as JsonRpcErrorObject));
      return;
    }
    const checker = checkerFor(pending.type.result);
    if (!checker.check(m.result)) {
      const issue = checker.firstIssue(m.result) ?? { path: '', message: 'Does not match the schema' };
      this.#violation(null, ErrorCodes.InvalidParams, `Invalid result for ${quote(pending.type.method)}: ${issue.path}: ${issue.message}`, {});
      pending.reject(new InvalidResultError(pending.type.method, issue.path, issue.message));
      return;
    }
    pending.resolve(m.result);
  }

  /**
   * A line whose message (or some messages of a batch) nests too deeply: each such request is answered
   * with `InvalidRequest` (its id when readable) and not handled; a response-shaped one is not answered
   * but fails the call it names; the other messages of a batch are handled as usual.
   */
  #onTooDeep(error: MessageTooDeepError): void {
    const refuse = (msg: unknown, path: string): JsonRpcResponse | undefined => {
      const detail = `nested deeper than ${error.limit} levels of arrays and objects`;
      const m = typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? (msg as Record<string, unknown>) : undefined;
      const id = m?.id;
      const idOk = typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id));
      if (m !== undefined && !('method' in m) && ('result' in m || 'error' in m)) {
        this.#violation(null, ErrorCodes.InvalidRequest, `Invalid response: ${clipPointer(path)}: ${detail}`, {});
        if (idOk) this.#failPending(id as RequestId, path, detail);
        return undefined;
      }
      const replyId = idOk && m !== undefined && 'method' in m ? (id as RequestId) : null;
      return this.#violation(replyId, ErrorCodes.InvalidRequest, `Invalid Request: ${clipPointer(path)}: ${detail}`, { path });
    };
    const whole = error.paths.get(-1);
    if (whole !== undefined) {
      const reply = refuse(error.parsed, whole);
      if (reply !== undefined) this.#sendResponse(reply);
      return;
    }
    this.#onBatch(error.parsed as unknown[], (m, i) => {
      const path = error.paths.get(i);
      return path === undefined ? this.#handle(m) : refuse(m, path);
    });
  }

  // ---- bookkeeping ----------------------------------------------------------------------------------

  /** A malformed response names one of our calls: that call fails with `InvalidResponseError`. */
  #failPending(id: RequestId, path: string, detail: string): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#settle(id, pending);
    pending.reject(new InvalidResponseError(pending.type.method, path, detail));
  }

  #finishInflight(id: RequestId): void {
    this.#inflight.delete(id);
    if (this.#inflight.size === 0 && this.#drainWaiters.length > 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      // After the response has been queued for writing (the caller sends it right after this returns).
      queueMicrotask(() => waiters.forEach((w) => w()));
    }
  }

  #settle(id: RequestId, p: Pending): void {
    this.#pending.delete(id);
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (p.signal !== undefined && p.onAbort !== undefined) p.signal.removeEventListener('abort', p.onAbort);
  }

  /** Gives up on an outgoing request: tells the peer, rejects the caller, remembers the id. */
  #abandon(id: RequestId, err: Error): void {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#settle(id, p);
    this.#abandoned.add(id);
    if (this.#abandoned.size > ABANDONED_MEMORY) {
      const oldest = this.#abandoned.values().next().value as RequestId;
      this.#abandoned.delete(oldest);
    }
    if (!this.#closed) this.notify(CancelRequest, { id }).catch(() => undefined);
    p.reject(err);
  }

  #violation(id: RequestId | null, code: number, message: string, data: Record<string, unknown>): JsonRpcResponse {
    this.#violations++;
    this.#emit('violation', { code, message: message.slice(0, MAX_VIOLATION_TEXT * 2), total: this.#violations });
    return errorResponse(id, new RpcError(code, message, Object.keys(data).length > 0 ? data : undefined));
  }

  #sendResponse(response: JsonRpcResponse): void {
    if (this.#transportClosed) return;
    this.#transport.send(response).catch((err: Error) => this.#onSendFailure(response.id, err));
  }

  /** A response could not be written: answer with an error that can be, if the connection is still up. */
  #onSendFailure(id: RequestId | null, err: Error): void {
    if (this.#transportClosed) return;
    const wire =
      err instanceof MessageTooLargeError
        ? new RpcError(ErrorCodes.MessageTooLarge, `The response is ${err.bytes} bytes; the maximum line size is ${err.limit} bytes`)
        : err instanceof TypeError
          ? new RpcError(ErrorCodes.InternalError, `The result cannot be serialized as JSON: ${err.message}`)
          : undefined;
    if (wire === undefined) return; // the transport failed; it reports and closes by itself
    this.#transport.send(errorResponse(id, wire)).catch(() => undefined);
  }

  #onTransportError(error: Error): void {
    if (error instanceof MessageParseError) {
      this.#sendResponse(this.#violation(null, ErrorCodes.ParseError, 'Parse error', { message: error.message }));
    } else if (error instanceof MessageTooDeepError) {
      this.#onTooDeep(error);
    } else if (error instanceof LineTooLongError) {
      this.#sendResponse(
        this.#violation(null, ErrorCodes.MessageTooLarge, `Message too large: a line passed the limit of ${this.#maxLineBytes} bytes and was discarded`, {
          limit: error.limit,
          bytes: error.bytes,
        }),
      );
    } else {
      this.#closeReason = `transport error: ${error.message}`;
      this.#emit('error', error);
    }
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    const reason = this.#closeReason === 'the connection was closed' ? 'the peer closed the connection' : this.#closeReason;
    for (const [id, p] of [...this.#pending]) {
      this.#settle(id, p);
      p.reject(new ConnectionClosedError(p.type.method, reason));
    }
    for (const inflight of this.#inflight.values()) inflight.cancel();
    this.#emit('close', { reason });
  }

  #emit<K extends keyof ConnectionEvents>(event: K, value: ConnectionEvents[K]): void {
    for (const listener of this.#listeners[event] as Set<(e: ConnectionEvents[K]) => void>) {
      try {
        listener(value);
      } catch {
        // A listener's failure must not break the connection.
      }
    }
  }
}

function quote(method: string): string {
  return JSON.stringify(method.length > MAX_VIOLATION_TEXT ? `${method.slice(0, MAX_VIOLATION_TEXT)}…` : method);
}

function errorResponse(id: RequestId | null, err: RpcError): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: err.toJSON() };
}

function emptyParams(schema: object): unknown {
  return (schema as { type?: unknown }).type === 'array' ? [] : {};
}

/** Why a request or notification object is not a valid JSON-RPC 2.0 one (mirrors jsonrpc.schema.json). */
function envelopeIssue(m: Record<string, unknown>, hasId: boolean, idOk: boolean): { path: string; message: string } | undefined {
  if (m.jsonrpc !== '2.0') return { path: '/jsonrpc', message: '"jsonrpc" must be "2.0"' };
  if (typeof m.method !== 'string') return { path: '/method', message: '"method" must be a string' };
  if (hasId && !idOk) return { path: '/id', message: '"id" must be a string or an integer' };
  const p = m.params;
  if (p !== undefined && (typeof p !== 'object' || p === null)) {
    return { path: '/params', message: '"params" must be an object or an array' };
  }
  for (const key in m) {
    if (key !== 'jsonrpc' && key !== 'method' && key !== 'id' && key !== 'params') {
      return { path: `/${key}`, message: `unexpected member ${quote(key)}` };
    }
  }
  return undefined;
}

/** Why a response object is invalid (mirrors jsonrpc.schema.json), or undefined. */
function responseIssue(m: Record<string, unknown>, hasId: boolean, idOk: boolean): { path: string; message: string } | undefined {
  if (m.jsonrpc !== '2.0') return { path: '/jsonrpc', message: '"jsonrpc" must be "2.0"' };
  if (!hasId || (!idOk && m.id !== null)) return { path: '/id', message: '"id" must be a string, an integer or null' };
  const hasResult = 'result' in m;
  const hasError = 'error' in m;
  if (hasResult === hasError) return { path: '', message: 'exactly one of "result" and "error" is required' };
  if (hasResult && m.id === null) return { path: '/id', message: 'a result needs a request id' };
  if (hasError) {
    const e = m.error as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null) return { path: '/error', message: '"error" must be an object' };
    if (typeof e.code !== 'number' || !Number.isInteger(e.code)) return { path: '/error/code', message: '"error.code" must be an integer' };
    if (typeof e.message !== 'string') return { path: '/error/message', message: '"error.message" must be a string' };
  }
  return undefined;
}
