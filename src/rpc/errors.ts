/**
 * Errors of the RPC layer, in two families (see STYLE.md):
 *
 * - {@link RpcError}: a wire error with a numeric JSON-RPC code. A handler throws one to answer a request
 *   with that error; a caller's promise rejects with one when the peer answered with an error.
 * - Local errors with a string `code` (`CODEX_FLEET_RPC_*`): things that happened on this side, such as a
 *   timeout, a cancellation or a closed connection. They are never sent as they are.
 *
 * @example
 * ```ts
 * import { RpcError, ConnectionClosedError } from './errors.js';
 * try { await conn.request(ExecRun, { argv: ['npm', 'test'] }); }
 * catch (err) {
 *   if (err instanceof RpcError && err.code === -32030) console.log('not allowed');
 *   else if (err instanceof ConnectionClosedError) console.log('worker gone');
 * }
 * ```
 */
import { DEFAULT_ERROR_MESSAGES, ErrorCodes, errorCodeName } from '../protocol/error-codes.js';
import type { JsonRpcErrorObject } from '../protocol/jsonrpc.js';

/** A JSON-RPC error: numeric `code`, `message` and optional `data`, as sent on the wire. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: number,
    message?: string,
    readonly data?: unknown,
  ) {
    super(message ?? defaultMessage(code));
  }

  /** The error object as sent on the wire. */
  toJSON(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  /** An `RpcError` from a received error object. */
  static fromObject(error: JsonRpcErrorObject): RpcError {
    return new RpcError(error.code, error.message, error.data);
  }

  /**
   * The wire error for anything a handler threw: an `RpcError` as it is, a cancellation as
   * `RequestCancelled`, anything else as `fallbackCode` (default `InternalError`) with its message.
   */
  static fromError(err: unknown, fallbackCode: number = ErrorCodes.InternalError): RpcError {
    if (err instanceof RpcError) return err;
    if (err instanceof RequestCancelledError || (err instanceof Error && err.name === 'AbortError')) {
      return new RpcError(ErrorCodes.RequestCancelled, 'Request cancelled');
    }
    const message = err instanceof Error ? err.message : String(err);
    return new RpcError(fallbackCode, message === '' ? defaultMessage(fallbackCode) : message);
  }
}

function defaultMessage(code: number): string {
  const name = errorCodeName(code);
  return (name && DEFAULT_ERROR_MESSAGES[name]) ?? (name ? name.replace(/([a-z])([A-Z])/g, '$1 $2') : `Error ${code}`);
}

/** Base of the local errors: a string `code` a program can branch on. */
export abstract class LocalRpcError extends Error {
  abstract readonly code: string;
}

/** The connection closed (peer exited, stream ended, `close()` called) while the call was pending. */
export class ConnectionClosedError extends LocalRpcError {
  override readonly name = 'ConnectionClosedError';
  readonly code = 'CODEX_FLEET_RPC_CONNECTION_CLOSED';
  constructor(
    /** The method of the call that was pending, if any. */
    readonly method: string | undefined,
    /** Why the connection closed, e.g. "the peer closed its output". */
    readonly reason: string,
  ) {
    super(method ? `Connection closed before "${method}" was answered: ${reason}` : `Connection closed: ${reason}`);
  }
}

/** No response arrived within the call's timeout; `$/cancelRequest` was sent to the peer. */
export class RequestTimeoutError extends LocalRpcError {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'CODEX_FLEET_RPC_TIMEOUT';
  readonly timedOut = true;
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`Request "${method}" timed out after ${timeoutMs} ms`);
  }
}

/** The caller aborted the call; `$/cancelRequest` was sent to the peer. */
export class RequestCancelledError extends LocalRpcError {
  override readonly name = 'RequestCancelledError';
  readonly code = 'CODEX_FLEET_RPC_CANCELLED';
  readonly isCanceled = true;
  constructor(readonly method: string) {
    super(`Request "${method}" was cancelled`);
  }
}

/** The peer answered with a result that does not match the method's result schema. */
export class InvalidResultError extends LocalRpcError {
  override readonly name = 'InvalidResultError';
  readonly code = 'CODEX_FLEET_RPC_INVALID_RESULT';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly detail: string,
  ) {
    super(`Invalid result for "${method}": ${path === '' ? '(the result)' : path}: ${detail}`);
  }
}

/** An incoming line was longer than the maximum line size and was discarded. */
export class LineTooLongError extends LocalRpcError {
  override readonly name = 'LineTooLongError';
  readonly code = 'CODEX_FLEET_RPC_LINE_TOO_LONG';
  constructor(
    /** Bytes seen when the limit was passed (the line may be longer). */
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`Discarded a line longer than ${limit} bytes (at least ${bytes} bytes)`);
  }
}

/** An incoming line was not valid JSON. */
export class MessageParseError extends LocalRpcError {
  override readonly name = 'MessageParseError';
  readonly code = 'CODEX_FLEET_RPC_PARSE';
  constructor(
    /** The start of the line (at most 200 characters). */
    readonly excerpt: string,
    detail: string,
  ) {
    super(`Cannot parse a line as JSON: ${detail}: ${JSON.stringify(excerpt)}`);
  }
}

/** An outgoing message would be longer than the maximum line size; it was not sent. */
export class MessageTooLargeError extends LocalRpcError {
  override readonly name = 'MessageTooLargeError';
  readonly code = 'CODEX_FLEET_RPC_MESSAGE_TOO_LARGE';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`Cannot send a message of ${bytes} bytes: the maximum line size is ${limit} bytes`);
  }
}

/**
 * An incoming line parsed, but a message in it nests arrays and objects deeper than the limit. The
 * transport hands over the parsed value so the connection can answer with the request's id (or fail the
 * call a response-shaped message names); the too-deep part is never looked at beyond the limit.
 */
export class MessageTooDeepError extends LocalRpcError {
  override readonly name = 'MessageTooDeepError';
  readonly code = 'CODEX_FLEET_RPC_TOO_DEEP';
  constructor(
    /** The parsed line: one message or a batch. */
    readonly parsed: unknown,
    /**
     * JSON Pointer of the first too-deep value, from the message's root: for one message under the key
     * `-1`; for a batch under the index of each message that is too deep.
     */
    readonly paths: ReadonlyMap<number, string>,
    readonly limit: number,
  ) {
    super(`A message nests arrays and objects deeper than ${limit} levels (at ${clipPointer([...paths.values()][0] ?? '')})`);
  }
}

/** A response-shaped message for one of our calls was malformed (bad envelope, too deep): the call fails. */
export class InvalidResponseError extends LocalRpcError {
  override readonly name = 'InvalidResponseError';
  readonly code = 'CODEX_FLEET_RPC_INVALID_RESPONSE';
  constructor(
    readonly method: string,
    /** JSON Pointer of the bad member, from the response's root. */
    readonly path: string,
    readonly detail: string,
  ) {
    super(`Invalid response to "${method}": ${path === '' ? '(the message)' : clipPointer(path)}: ${detail}`);
  }
}

/** A JSON Pointer short enough for a message a person reads (a too-deep one has hundreds of segments). */
export function clipPointer(path: string, max = 60): string {
  return path.length > max ? `${path.slice(0, max)}… (${path.split('/').length - 1} levels)` : path;
}
