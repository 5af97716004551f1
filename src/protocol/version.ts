/**
 * Protocol version and the fixed numbers every implementation shares.
 *
 * @example
 * ```ts
 * import { PROTOCOL_VERSION, MAX_LINE_BYTES } from './version.js';
 * console.log(`speaking ${PROTOCOL_VERSION}, lines up to ${MAX_LINE_BYTES} bytes`);
 * ```
 */

/**
 * The protocol version this code speaks, `MAJOR.MINOR`. Peers are compatible when the major numbers are
 * equal; a minor bump only adds optional fields or methods.
 */
export const PROTOCOL_VERSION = '1.1';

/** The major part of {@link PROTOCOL_VERSION}. */
export const PROTOCOL_MAJOR = 1;

/**
 * Largest message line, in bytes of UTF-8, newline excluded (16 MiB). A longer line is discarded up to its
 * newline and answered with `MessageTooLarge` (`-32003`) and `id: null`.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Deepest nesting of arrays and objects in one message: the message object is level 1, so
 * `{"jsonrpc":"2.0","id":1,"result":{"output":[]}}` is 3 deep. In a batch each message counts on its own
 * (the batch array is not a level). A deeper message is refused with `InvalidRequest` (`-32600`).
 */
export const MAX_JSON_DEPTH = 256;

/** Grace periods of the `kill` sequence, in milliseconds (see docs/protocol.md, "kill"). */
export const KILL_GRACE = Object.freeze({
  /**
   * After `$/cancelRequest` for a task past its wall time: time for the worker to answer it, answer
   * `shutdown` and exit before its process group gets SIGKILL.
   */
  cancelMs: 1_000,
  /** After the `shutdown` request: time for its response. */
  shutdownMs: 5_000,
  /** After the `exit` notification: time for the process to exit by itself. */
  exitMs: 2_000,
  /** After SIGTERM: time before SIGKILL. */
  termMs: 3_000,
});

/** The minor part of {@link PROTOCOL_VERSION}. */
export const PROTOCOL_MINOR = 1;

/**
 * What two peers speak after the handshake: the lower of the two minor versions (for a compatible peer).
 * 1.1 adds tools, structured output and `task/deadline`; a peer that said 1.0 never receives them.
 *
 * @example
 * ```ts
 * negotiatedMinor('1.0'); // 0
 * negotiatedMinor('1.7'); // 1
 * ```
 */
export function negotiatedMinor(peerVersion: string): number {
  const match = /^(\d+)\.(\d+)$/.exec(peerVersion);
  return match === null ? 0 : Math.min(PROTOCOL_MINOR, Number(match[2]));
}

/** Whether a peer's `protocol_version` string is compatible with ours. */
export function isCompatibleVersion(version: string): boolean {
  const match = /^(\d+)\.(\d+)$/.exec(version);
  return match !== null && Number(match[1]) === PROTOCOL_MAJOR;
}
