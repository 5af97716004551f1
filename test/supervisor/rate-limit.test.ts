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
