/**
 * A per-second budget for noisy event sources (a worker writing its stderr in a loop): past the budget
 * lines are counted, not forwarded, and the count is reported once the next second begins.
 */
export class LineRateLimit {
  private windowStart = 0;
  private sent = 0;
  private dropped = 0;

  constructor(
    private readonly perSecond: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Whether to forward a line now. `onDropped(n)` is called first when a new second begins after `n`
   * lines were held back.
   */
  take(onDropped: (count: number) => void): boolean {
    const now = this.clock();
    if (now - this.windowStart >= 1000) {
      if (this.dropped > 0) onDropped(this.dropped);
      this.windowStart = now;
      this.sent = 0;
      this.dropped = 0;
    }
    if (this.sent < this.perSecond) {
      this.sent += 1;
      return true;
    }
    this.dropped += 1;
    return false;
  }
}
