/**
 * When to restart a worker that exited abnormally, the OTP/PM2 way: a capped exponential backoff that
 * resets after a stable period, and at most `max_restarts` restarts within `window_s` seconds; past
 * that the agent is marked errored and the rest of the fleet goes on.
 */
import type { RestartPolicy } from '../spec/types.js';

export const BACKOFF = Object.freeze({
  /** First delay, in ms. */
  initialMs: 100,
  factor: 1.5,
  maxMs: 15_000,
  /** A worker up this long without crashing has its backoff reset. */
  stableMs: 30_000,
});

export type RestartDecision = { readonly restart: true; readonly delayMs: number } | { readonly restart: false; readonly reason: string };

export class RestartTracker {
  private crashes: number[] = [];
  private delayMs = 0;

  constructor(
    private readonly policy: RestartPolicy,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Call when a worker exits abnormally after running `uptimeMs`. */
  onCrash(uptimeMs: number): RestartDecision {
    const now = this.clock();
    const windowMs = this.policy.window_s * 1000;
    this.crashes = this.crashes.filter((t) => now - t < windowMs);
    this.crashes.push(now);
    if (this.crashes.length > this.policy.max_restarts) {
      return {
        restart: false,
        reason: `${this.crashes.length} abnormal exits within ${this.policy.window_s}s (restart.max_restarts is ${this.policy.max_restarts})`,
      };
    }
    this.delayMs =
      uptimeMs >= BACKOFF.stableMs || this.delayMs === 0
        ? BACKOFF.initialMs
        : Math.min(BACKOFF.maxMs, Math.round(this.delayMs * BACKOFF.factor));
    return { restart: true, delayMs: this.delayMs };
  }

  /** Forget past crashes (after the user resumes an errored agent). */
  reset(): void {
    this.crashes = [];
    this.delayMs = 0;
  }
}
