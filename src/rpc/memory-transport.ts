/**
 * Two in-memory transports linked to each other, for tests of the protocol logic. Messages go through
 * the same JSON text and line-size rules as the stream transport, delivered asynchronously and in order.
 *
 * @example
 * ```ts
 * const [left, right] = createLinkedPair();
 * const a = new Connection(left);
 * const b = new Connection(right);
 * b.onRequest(Ping, () => ({}));
 * await Promise.all([a.start(), b.start()]);
 * await a.request(Ping, {});
 * ```
 */
import { MAX_JSON_DEPTH, MAX_LINE_BYTES } from '../protocol/version.js';
import { LineTooLongError } from './errors.js';
import { decodeLine, sendEncoded } from './framing.js';
import type { Transport } from './transport.js';

export class MemoryTransport implements Transport {
  onmessage?: ((message: unknown) => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onclose?: (() => void) | undefined;

  /** The other end; set by {@link createLinkedPair}. */
  peer: MemoryTransport | undefined;
  #closed = false;
  #started = false;
  #early: string[] = [];

  constructor(
    readonly maxLineBytes: number = MAX_LINE_BYTES,
    readonly maxDepth: number = MAX_JSON_DEPTH,
  ) {}

  async start(): Promise<void> {
    this.#started = true;
    const early = this.#early;
    this.#early = [];
    for (const line of early) this.#receive(line);
  }

  send(message: unknown): Promise<void> {
    return sendEncoded(message, this.maxLineBytes, (line) => this.sendLine(line));
  }

  /** Sends raw text: each "\n"-terminated line in it reaches the peer as one line. */
  sendLine(text: string): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('Cannot send: the transport is closed'));
    const peer = this.peer;
    if (peer === undefined) return Promise.reject(new Error('MemoryTransport has no peer'));
    queueMicrotask(() => {
      for (const line of text.split('\n')) if (line.trim() !== '') peer.#deliver(line);
    });
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.onclose?.();
    const peer = this.peer;
    if (peer !== undefined) queueMicrotask(() => void peer.close());
  }

  #deliver(line: string): void {
    if (this.#closed) return;
    if (!this.#started) this.#early.push(line);
    else this.#receive(line);
  }

  #receive(line: string): void {
    const bytes = Buffer.byteLength(line, 'utf8');
    if (bytes > this.maxLineBytes) {
      this.onerror?.(new LineTooLongError(bytes, this.maxLineBytes));
      return;
    }
    const decoded = decodeLine(line, this.maxDepth);
    if (decoded.ok) this.onmessage?.(decoded.value);
    else this.onerror?.(decoded.error);
  }
}

/** Two transports wired to each other: what one sends, the other receives. */
export function createLinkedPair(maxLineBytes: number = MAX_LINE_BYTES, maxDepth: number = MAX_JSON_DEPTH): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport(maxLineBytes, maxDepth);
  const b = new MemoryTransport(maxLineBytes, maxDepth);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
