/**
 * The transport contract: moves whole messages between two peers and knows nothing of JSON-RPC. The
 * {@link Connection} sits on top.
 *
 * A transport parses each incoming line. A line that is not JSON is reported through `onerror` as a
 * {@link MessageParseError}, an over-long line as a {@link LineTooLongError}, a message nested too deeply
 * as a {@link MessageTooDeepError}; all three are recoverable, the transport goes on reading. Any other error passed to `onerror` is fatal and followed by `onclose`.
 *
 * @example
 * ```ts
 * const transport: Transport = new StreamTransport(child.stdout, child.stdin);
 * transport.onmessage = (msg) => console.log('got', msg);
 * await transport.start();
 * await transport.send({ jsonrpc: '2.0', method: 'exit', params: {} });
 * ```
 */
import type { LineTooLongError, MessageParseError, MessageTooDeepError } from './errors.js';

export interface Transport {
  /** Starts reading. Call once, after setting the callbacks. */
  start(): Promise<void>;
  /**
   * Serializes and writes one message (or batch). Resolves when the message was handed to the OS, or,
   * when the writer is full, once it drained: a sender that awaits `send` gets backpressure. Rejects
   * with `MessageTooLargeError` (nothing written) when the line would pass the maximum size, with a
   * `TypeError` when the value cannot be serialized, and after `close()`.
   */
  send(message: unknown): Promise<void>;
  /** Stops reading and writing; `onclose` fires once. */
  close(): Promise<void>;
  /** One parsed message or batch per incoming line. */
  onmessage?: ((message: unknown) => void) | undefined;
  /** Recoverable framing errors and fatal stream errors. */
  onerror?: ((error: Error | LineTooLongError | MessageParseError | MessageTooDeepError) => void) | undefined;
  /**
   * No more messages will arrive: the peer ended its output, a stream failed, or `close()` was called.
   * After the peer ended its output, `send` may still work (a half-closed pipe) until `close()`.
   */
  onclose?: (() => void) | undefined;
}
