/**
 * Splits a byte stream into lines, never holding more than the maximum line size. A line that grows
 * past the limit is reported once (when it passes the limit) and its bytes are dropped up to the next
 * newline; reading goes on after it.
 *
 * @example
 * ```ts
 * const reader = new LineReader(1024, (line) => console.log(line), (bytes) => console.warn('too long', bytes));
 * reader.push(Buffer.from('{"a":1}\n{"b"'));
 * reader.push(Buffer.from(':2}\n'));   // logs both lines
 * ```
 */

const NEWLINE = 0x0a;
const CR = 0x0d;

export class LineReader {
  #parts: Buffer[] = [];
  #size = 0;
  #discarding = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversize: (bytesSoFar: number) => void,
  ) {}

  /** Bytes currently held for an unfinished line (at most the maximum line size). */
  get buffered(): number {
    return this.#size;
  }

  /** Feeds a chunk; calls `onLine` for every complete line in it. */
  push(chunk: Buffer): void {
    let start = 0;
    const end = chunk.length;
    while (start < end) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) {
        this.#hold(chunk, start, end);
        return;
      }
      if (this.#discarding) {
        this.#discarding = false;
      } else if (this.#size + (nl - start) > this.maxLineBytes) {
        this.#overflow(this.#size + (nl - start));
        this.#discarding = false;
      } else if (this.#size === 0) {
        this.#emit(chunk, start, nl);
      } else {
        this.#parts.push(chunk.subarray(start, nl));
        const whole = Buffer.concat(this.#parts, this.#size + (nl - start));
        this.#parts = [];
        this.#size = 0;
        this.#emit(whole, 0, whole.length);
      }
      start = nl + 1;
    }
  }

  /** The stream ended: a last line without a newline is delivered as a line. */
  end(): void {
    if (this.#discarding || this.#size === 0) {
      this.#discarding = false;
      return;
    }
    const whole = Buffer.concat(this.#parts, this.#size);
    this.#parts = [];
    this.#size = 0;
    this.#emit(whole, 0, whole.length);
  }

  #hold(chunk: Buffer, start: number, end: number): void {
    if (this.#discarding) return;
    const rest = end - start;
    if (this.#size + rest > this.maxLineBytes) {
      this.#overflow(this.#size + rest);
      return;
    }
    this.#parts.push(start === 0 ? chunk : chunk.subarray(start, end));
    this.#size += rest;
  }

  #overflow(bytesSoFar: number): void {
    this.#parts = [];
    this.#size = 0;
    this.#discarding = true;
    this.onOversize(bytesSoFar);
  }

  #emit(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) return; // blank lines are ignored
    this.onLine(buf.toString('utf8', start, end));
  }
}
