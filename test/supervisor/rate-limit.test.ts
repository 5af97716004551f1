import { describe, expect, it } from 'vitest';
import { LineRateLimit } from '../../src/supervisor/rate-limit.js';

describe('LineRateLimit', () => {
  it('forwards up to the budget per second, then counts, and reports the count when the next second begins', () => {
    let now = 10_000;
    const limit = new LineRateLimit(3, () => now);
    const dropped: number[] = [];
    const taken = Array.from({ length: 10 }, () => limit.take((n) => dropped.push(n)));
    expect(taken).toEqual([true, true, true, false, false, false, false, false, false, false]);
    expect(dropped).toEqual([]);
    now += 1000;
    expect(limit.take((n) => dropped.push(n))).toBe(true);
    expect(dropped).toEqual([7]);
  });
});

describe('LineRateLimit at the end of a flood', () => {
  it('reports the lines held back in the last second when that second is over, though no line follows', () => {
    let now = 10_000;
    const scheduled: { fn: () => void; ms: number; cancelled: boolean }[] = [];
    const limit = new LineRateLimit(3, () => now, (fn, ms) => {
      const entry = { fn, ms, cancelled: false };
      scheduled.push(entry);
      return { cancel: () => (entry.cancelled = true) };
    });
    const dropped: number[] = [];
    now += 200;
    for (let i = 0; i < 10; i++) limit.take((n) => dropped.push(n));
    expect(dropped).toEqual([]);
    // One timer for the end of the window the flood began in, not one per line.
    expect(scheduled.map((s) => s.ms)).toEqual([1000]);
    now += 1000;
    scheduled[0]!.fn();
    expect(dropped).toEqual([7]);
    // Nothing is reported twice.
    limit.flush();
    expect(limit.take((n) => dropped.push(n))).toBe(true);
    expect(dropped).toEqual([7]);
  });

  it('reports at once when flushed, e.g. when the worker exits, and cancels its timer', () => {
    const scheduled: { cancelled: boolean }[] = [];
    const limit = new LineRateLimit(1, () => 5_000, () => {
      const entry = { cancelled: false };
      scheduled.push(entry);
      return { cancel: () => (entry.cancelled = true) };
    });
    const dropped: number[] = [];
    for (let i = 0; i < 4; i++) limit.take((n) => dropped.push(n));
    limit.flush();
    expect(dropped).toEqual([3]);
    expect(scheduled).toEqual([{ cancelled: true }]);
  });
});
