import { describe, expect, it } from 'vitest';
import { BACKOFF, RestartTracker } from '../../src/supervisor/restart-policy.js';

describe('RestartTracker', () => {
  it('backs off exponentially up to the cap, and resets after a stable run', () => {
    let now = 0;
    const tracker = new RestartTracker({ max_restarts: 100, window_s: 1 }, () => now);
    const delays: number[] = [];
    for (let i = 0; i < 14; i++) {
      now += 2000; // outside the window: only the backoff matters
      const decision = tracker.onCrash(10);
      if (decision.restart) delays.push(decision.delayMs);
    }
    expect(delays.slice(0, 4)).toEqual([100, 150, 225, 338]);
    expect(Math.max(...delays)).toBe(BACKOFF.maxMs);
    now += 2000;
    expect(tracker.onCrash(BACKOFF.stableMs)).toEqual({ restart: true, delayMs: BACKOFF.initialMs });
  });

  it('gives up after max_restarts within the window, and counts only crashes inside it', () => {
    let now = 0;
    const tracker = new RestartTracker({ max_restarts: 2, window_s: 10 }, () => now);
    expect(tracker.onCrash(0).restart).toBe(true);
    now += 1000;
    expect(tracker.onCrash(0).restart).toBe(true);
    now += 1000;
    expect(tracker.onCrash(0)).toEqual({
      restart: false,
      reason: '3 abnormal exits within 10s (restart.max_restarts is 2)',
    });
    now += 20_000; // the old crashes fall out of the window
    expect(tracker.onCrash(0).restart).toBe(true);
  });
});
