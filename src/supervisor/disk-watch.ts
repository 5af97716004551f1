/**
 * The supervisor-side half of `limits.disk_mb`. RLIMIT_FSIZE bounds each file a worker writes, but not
 * how many files, nor space taken by `fallocate(FALLOC_FL_KEEP_SIZE)`; so the supervisor measures the
 * slot (allocated blocks, not apparent sizes, symlinks never followed) every second and reports a slot
 * past the limit once. The walk stops as soon as the limit is passed, so a slot stuffed with millions of
 * files costs at most one limit's worth of directory reads per tick.
 *
 * A fleet starts all its workers at once; each watch takes its first measurement at a random point of
 * the first interval, so a hundred slots are measured spread over the second instead of in one turn of
 * the supervisor's event loop (which would stall everything else it does for tens of milliseconds).
 */
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';

/** How often a slot is measured, in ms. */
export const DISK_CHECK_INTERVAL_MS = 1000;

/** Bytes allocated beneath `dir` (st_blocks × 512), stopping early once past `stopAbove`. */
export async function diskUsage(dir: string, stopAbove = Number.POSITIVE_INFINITY): Promise<number> {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0 && total <= stopAbove) {
    const current = pending.pop()!;
    let handle;
    try {
      handle = await opendir(current);
    } catch {
      continue; // removed meanwhile, or not a directory any more
    }
    for await (const entry of handle) {
      const path = join(current, entry.name);
      try {
        const st = await lstat(path);
        total += st.blocks * 512;
        if (st.isDirectory()) pending.push(path);
      } catch {
        // removed meanwhile
      }
      if (total > stopAbove) break;
    }
  }
  return total;
}

export class DiskWatch {
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private busy = false;
  private fired = false;

  constructor(
    private readonly dir: string,
    private readonly limitBytes: number,
    private readonly onExceeded: (usedBytes: number) => void,
    private readonly intervalMs = DISK_CHECK_INTERVAL_MS,
  ) {}

  /** Measures every interval, the first time after a random part of one (see above). */
  start(): void {
    if (this.timer !== undefined || this.first !== undefined) return;
    this.first = setTimeout(() => {
      this.first = undefined;
      this.timer = setInterval(() => void this.check(), this.intervalMs);
      this.timer.unref();
      void this.check();
    }, Math.floor(Math.random() * this.intervalMs));
    this.first.unref();
  }

  stop(): void {
    clearTimeout(this.first);
    this.first = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private get running(): boolean {
    return this.timer !== undefined || this.first !== undefined;
  }

  /** Measures once; calls `onExceeded` (only the first time) when the slot is past the limit. */
  async check(): Promise<void> {
    if (this.busy || this.fired) return;
    this.busy = true;
    try {
      const used = await diskUsage(this.dir, this.limitBytes);
      if (used > this.limitBytes && !this.fired && this.running) {
        this.fired = true;
        this.stop();
        this.onExceeded(used);
      }
    } finally {
      this.busy = false;
    }
  }
}
