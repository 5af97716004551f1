/**
 * The highest task number (the journal's rowid) ever acknowledged, kept in a small file beside the
 * journal, apart from its WAL. SQLite ignores a damaged or missing WAL without a word (the frames after
 * the first bad checksum are dropped), and acknowledged tasks would be gone silently; comparing this
 * mark with the journal at start tells.
 *
 * It is written after each commit that added tasks, before they are acknowledged, without an fsync of
 * its own: after a power loss it can only be lower than the truth (no false alarm); while the machine
 * runs, a damaged or deleted WAL is always noticed.
 */
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';

const WIDTH = 20;

export class HighWaterMark {
  private readonly fd: number;
  private written: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    this.written = this.read();
  }

  /** The mark on disk (0 when none was written). */
  read(): number {
    const buffer = Buffer.alloc(WIDTH + 1);
    const n = readSync(this.fd, buffer, 0, buffer.length, 0);
    const value = Number.parseInt(buffer.subarray(0, n).toString('utf8'), 10);
    return Number.isSafeInteger(value) && value > 0 ? value : 0;
  }

  /** Raises the mark to `seq` (never lowers it; see {@link reset}). */
  raise(seq: number): void {
    if (seq <= this.written) return;
    this.write(seq);
  }

  /** Sets the mark to `seq`, after the user accepted a journal with fewer tasks. */
  reset(seq: number): void {
    this.write(seq);
  }

  private write(seq: number): void {
    writeSync(this.fd, `${String(seq).padStart(WIDTH, '0')}\n`, 0);
    this.written = seq;
  }

  close(): void {
    closeSync(this.fd);
  }
}
