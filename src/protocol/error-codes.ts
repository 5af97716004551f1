/**
 * JSON-RPC error codes: the five the JSON-RPC 2.0 specification reserves, and codex fleet's own range
 * (-32000 to -32099, "implementation-defined server errors" in the specification). The control API
 * (src/control/methods.ts) answers with these too, and keeps its own codes in -32050 to -32059: no code
 * here may fall there, or a control client could not tell the two meanings apart.
 *
 * @example
 * ```ts
 * import { ErrorCodes, errorCodeName } from './error-codes.js';
 * if (response.error.code === ErrorCodes.BudgetExceeded) pause();
 * console.log(errorCodeName(-32601)); // "MethodNotFound"
 * ```
 */
export const ErrorCodes = Object.freeze({
  // JSON-RPC 2.0
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  // codex fleet, -32000..-32099
  RequestCancelled: -32001,
  NotInitialized: -32002,
  MessageTooLarge: -32003,
  UnsupportedProtocolVersion: -32004,
  ShuttingDown: -32005,
  RequestTimeout: -32006,
  PluginFailed: -32007,
  InvalidResult: -32008,
  TaskFailed: -32010,
  Busy: -32011,
  BudgetExceeded: -32020,
  ModelError: -32021,
  TurnLimitExceeded: -32022,
  ExecNotAllowed: -32030,
  ExecFailed: -32031,
  CommitRejected: -32040,
  CommitConflict: -32041,
  RepoError: -32060,
});

export type ErrorCodeName = keyof typeof ErrorCodes;
export type ErrorCode = (typeof ErrorCodes)[ErrorCodeName];

/** What each code means and who sends it; docs/protocol.md and the schemas are written from this. */
export const ERROR_CODE_MEANINGS: Readonly<Record<ErrorCodeName, string>> = Object.freeze({
  ParseError: 'The line is not valid JSON. Sent with `id: null`.',
  InvalidRequest:
    'The message is JSON but not a valid JSON-RPC 2.0 request (wrong `jsonrpc`, `method` not a string, bad `id`, ' +
    'params neither object nor array, an empty batch). `error.data.path` names the bad field.',
  MethodNotFound: 'No such method, or the method goes the other direction.',
  InvalidParams: 'The params do not match the method\'s schema. `error.data.path` is the JSON Pointer of the bad field.',
  InternalError: 'The receiver failed while handling a valid request (a bug on its side).',
  RequestCancelled: 'The request was cancelled with `$/cancelRequest` before it finished.',
  NotInitialized: 'A request other than `initialize`/`ping` arrived before `initialize` succeeded.',
  MessageTooLarge:
    'A line longer than the maximum line size (16 MiB) was discarded, up to its newline. Sent with `id: null`; ' +
    'also used when a response would exceed the limit.',
  UnsupportedProtocolVersion:
    'The `initialize` request names a protocol version with another major number. `error.data.supported` lists ours.',
  ShuttingDown: 'A request arrived after `shutdown`; the peer accepts nothing but `exit`.',
  RequestTimeout: 'The receiver gave up on the request because its deadline passed.',
  PluginFailed: 'The worker could not load or initialise its plugin. `error.data.message` says why.',
  InvalidResult: 'A response\'s `result` did not match the method\'s result schema (reported locally, never sent).',
  TaskFailed: 'The task ran and failed; `error.data` carries `{ message, name?, stack? }`.',
  Busy: 'The worker is already running as many tasks as it declared in `capabilities.concurrency`.',
  BudgetExceeded: 'The model call was refused: the agent\'s `cost_budget` cannot cover its worst case. The agent is paused.',
  ModelError: 'The model provider failed (HTTP error, refusal, broken stream). `error.data` has the provider\'s message.',
  TurnLimitExceeded: 'The task already made `limits.max_turns` model calls.',
  ExecNotAllowed: 'The command is not on the agent\'s exec allow-list. `error.data.argv` echoes it.',
  ExecFailed: 'The allowed command could not be started (not found, sandbox refused).',
  CommitRejected: 'The commit was refused: a path outside the workspace, nothing to commit, or a bad message.',
  CommitConflict: 'The commit could not be applied because the files changed underneath it; retry after a rebase.',
  RepoError:
    'A repository request could not be answered: the range does not resolve, or the task has no worktree. ' +
    '`error.data.range` echoes the range.',
});

const NAMES = new Map<number, ErrorCodeName>(
  (Object.entries(ErrorCodes) as [ErrorCodeName, number][]).map(([name, code]) => [code, name]),
);

/** The name of a known code (`"MethodNotFound"`), or `undefined`. */
export function errorCodeName(code: number): ErrorCodeName | undefined {
  return NAMES.get(code);
}

/** The default message for a known code, as sent in `error.message`. */
export const DEFAULT_ERROR_MESSAGES: Readonly<Partial<Record<ErrorCodeName, string>>> = Object.freeze({
  ParseError: 'Parse error',
  InvalidRequest: 'Invalid Request',
  MethodNotFound: 'Method not found',
  InvalidParams: 'Invalid params',
  InternalError: 'Internal error',
  RequestCancelled: 'Request cancelled',
  NotInitialized: 'Not initialized',
  MessageTooLarge: 'Message too large',
});
