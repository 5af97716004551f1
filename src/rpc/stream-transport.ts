/**
 * A {@link Transport} over a pair of Node streams: newline-delimited JSON, lines capped at
 * `maxLineBytes`, and write backpressure (a `send` made while the writer is full waits for `'drain'`).
 *
 * The supervisor uses it on a child's stdout/stdin; a worker uses {@link stdioTransport} on its own
 * stdin/stdout. Nothing here opens a socket or starts a process.
 *
 * @example
 * ```ts
 * const child = spawn(process.execPath, ['dist/scripts/agent-worker.js', '--plugin', 'bot.js']);
 * const transport = new StreamTransport(child.stdout, child.stdin);
 * const conn = new Connection(transport);
 * await conn.start();
 * ```
 */
import type { Readable, Writable } from 'node:stream';
import { MAX_JSON_DEPTH, MAX_LINE_BYTES } from '../protocol/version.js';
import { LineTooLongError } from './errors.js';
import { decodeLine, sendEncoded } from './framing.js';
import { LineReader } from './line-reader.js';
import type { Transport } from './transport.js';

export interface StreamTransportOptions {
  /** Maximum line size in bytes, both directions. Default {@link MAX_LINE_BYTES} (16 MiB). */
  readonly maxLineBytes?: number;
  /** End the writable on `close()`. Default true; false for `process.stdout`. */
  readonly endWritable?: boolean;
  /**
   * Bytes that may wait for a writer that does not drain (a peer that does not read what it is sent).
   * Past it the transport fails (fatal `onerror`, then `onclose`) instead of growing without bound.
   * Default {@link DEFAULT_MAX_QUEUED_BYTES}.
   */
  readonly maxQueuedBytes?: number;
  /** Deepest nesting of an incoming message (see {@link MAX_JSON_DEPTH}, the default). */
  readonly maxDepth?: number;
}

/** 64 MiB: four maximum-size lines. */
export const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;

interface Queued {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export class StreamTransport implements Transport {
  onmessage?: ((message: unknown) => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onclose?: (() => void) | undefined;

  readonly maxLineBytes: number;
  readonly maxDepth: number;
  readonly #readable: Readable;
  readonly #writable: Writable;
  readonly #endWritable: boolean;
  readonly #reader: LineReader;
  #queue: Queued[] = [];
  #queuedBytes = 0;
  readonly #maxQueuedBytes: number;
  #waitingForDrain = false;
  #closed = false;
  #inputEnded = false;
  #started = false;

  constructor(readable: Readable, writable: Writable, options: StreamTransportOptions = {}) {
    this.#readable = readable;
    this.#writable = writable;
    this.maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    this.maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
    this.#endWritable = options.endWritable ?? true;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.#reader = new LineReader(
      this.maxLineBytes,
      (line) => this.#onLine(line),
      (bytes) => this.onerror?.(new LineTooLongError(bytes, this.maxLineBytes)),
    );
  }

  /** Whether the transport is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error('StreamTransport already started');
    this.#started = true;
    this.#readable.on('data', this.#onData);
    this.#readable.on('end', this.#onEnd);
    this.#readable.on('error', this.#onStreamError);
    this.#readable.on('close', this.#onEnd);
    this.#writable.on('error', this.#onStreamError);
    this.#writable.on('drain', this.#onDrain);
  }

  send(message: unknown): Promise<void> {
    return sendEncoded(message, this.maxLineBytes, (line) => this.sendLine(line));
  }

  /**
   * Writes text as it is (it should end with "\n"). For tests and the conformance kit, which must be able
   * to send bytes that are not valid messages.
   */
  sendLine(line: string): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('Cannot send: the transport is closed'));
    if (this.#waitingForDrain) {
      this.#queuedBytes += line.length;
      if (this.#queuedBytes > this.#maxQueuedBytes) {
        const error = new Error(`The peer is not reading: more than ${this.#maxQueuedBytes} bytes wait to be written to it`);
        this.onerror?.(error);
        this.#finish();
        return Promise.reject(error);
      }
      return new Promise((resolve, reject) => this.#queue.push({ line, resolve, reject }));
    }
    if (this.#writable.write(line)) return Promise.resolve();
    this.#waitingForDrain = true;
    return new Promise((resolve, reject) => this.#queue.push({ line: '', resolve, reject }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#finish();
    if (this.#endWritable && !this.#writable.destroyed) this.#writable.end();
    if (!this.#readable.destroyed) this.#readable.destroy();
  }

  readonly #onData = (chunk: Buffer | string): void => {
    this.#reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  };

  #onLine(line: string): void {
    const decoded = decodeLine(line, this.maxDepth);
    if (decoded.ok) this.onmessage?.(decoded.value);
    else this.onerror?.(decoded.error);
  }

  /** The peer ended its output: report it; writing stays possible until `close()` or a write error. */
  readonly #onEnd = (): void => {
    if (this.#inputEnded) return;
    this.#inputEnded = true;
    this.#readable.off('data', this.#onData);
    this.#reader.end();
    this.onclose?.();
  };

  readonly #onStreamError = (err: Error): void => {
    if (this.#closed) return;
    this.onerror?.(err);
    this.#finish();
  };

  readonly #onDrain = (): void => {
    this.#waitingForDrain = false;
    while (this.#queue.length > 0) {
      const next = this.#queue.shift() as Queued;
      if (next.line === '') {
        next.resolve(); // the write that filled the buffer: done once drained
        continue;
      }
      this.#queuedBytes -= next.line.length;
      const ok = this.#writable.write(next.line);
      if (!ok) {
        this.#waitingForDrain = true;
        this.#queue.unshift({ line: '', resolve: next.resolve, reject: next.reject });
        return;
      }
      next.resolve();
    }
  };

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#readable.off('data', this.#onData);
    this.#readable.off('end', this.#onEnd);
    this.#readable.off('close', this.#onEnd);
    this.#writable.off('drain', this.#onDrain);
    // Keep the error listeners: a late EPIPE must not become an uncaught exception.
    const queued = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const q of queued) q.reject(new Error('Cannot send: the transport is closed'));
    if (!this.#inputEnded) {
      this.#inputEnded = true;
      this.onclose?.();
    }
  }
}

/** The worker's transport: its own stdin and stdout. Logs belong on stderr. */
export function stdioTransport(options: Omit<StreamTransportOptions, 'endWritable'> = {}): StreamTransport {
  return new StreamTransport(process.stdin, process.stdout, { ...options, endWritable: false });
}
