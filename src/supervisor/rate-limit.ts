/**
 * A per-second budget for noisy event sources (a worker writing its stderr in a loop): past the budget
 * lines are counted, not forwarded, and the count is reported when its second is over, whether or not
 * another line comes (so the count of the last second of a flood is reported too).
 */
export class LineRateLimit {
  private windowStart = 0;
  private sent = 0;
  private dropped = 0;
  private report: ((count: number) => void) | undefined;
  private flushTimer: { cancel(): void } | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly clock: () => number = Date.now,
    /** Runs `fn` after `ms`; returns a way to cancel it. Injected by tests. */
    private readonly schedule: (fn: () => void, ms: number) => { cancel(): void } = (fn, ms) => {
      const timer = setTimeout(fn, ms);
      timer.unref();
      return { cancel: () => clearTimeout(timer) };
    },
  ) {}

  /**
   * Whether to forward a line now. `onDropped(n)` is called once the second in which `n` lines were held
   * back is over (at the next line, or by a timer if none comes).
   */
  take(onDropped: (count: number) => void): boolean {
    const now = this.clock();
    if (now - this.windowStart >= 1000) {
      this.flush();
      this.windowStart = now;
      this.sent = 0;
    }
    if (this.sent < this.perSecond) {
      this.sent += 1;
      return true;
    }
    this.dropped += 1;
    this.report = onDropped;
    this.flushTimer ??= this.schedule(() => {
      this.flushTimer = undefined;
      this.flush();
    }, Math.max(0, this.windowStart + 1000 - now));
    return false;
  }

  /** Reports the lines held back so far, if any (e.g. when the source ends). */
  flush(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    if (this.dropped > 0) {
      const count = this.dropped;
      this.dropped = 0;
      this.report?.(count);
    }
  }
}
