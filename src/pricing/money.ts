/**
 * Money without floating-point drift. Prices are held as whole pico-dollars per token
 * (1 $/Mtok = 1 µ$/token = 1,000,000 p$/token); a call's cost is computed exactly in pico-dollars
 * (bigint), then charged as whole micro-dollars, rounded up. Ledgers add micro-dollars as integers;
 * dollars appear only at the edges (config in, display out).
 */

/** pico-dollars per micro-dollar */
const PICO_PER_MICRO = 1_000_000n;

/**
 * A catalog or config price in dollars per million tokens as whole pico-dollars per token. A price with
 * more precision than that (none of OpenAI's has any) is rounded up, so a cost is never under-counted.
 */
export function picoPerToken(dollarsPerMillion: number): bigint {
  if (!Number.isFinite(dollarsPerMillion) || dollarsPerMillion < 0) {
    throw new RangeError(`A price must be a finite number of dollars >= 0, got ${dollarsPerMillion}`);
  }
  // 0.275 * 1e6 is 275000.00000000006 in binary floating point: settle such noise first, then round up.
  const scaled = Math.round(dollarsPerMillion * 1e6 * 1000) / 1000;
  return BigInt(Math.ceil(scaled));
}

/** Exact pico-dollars as whole micro-dollars, rounded up (at most 1 µ$ more per call). */
export function picoToMicro(pico: bigint): number {
  const micro = (pico + PICO_PER_MICRO - 1n) / PICO_PER_MICRO;
  return Number(micro);
}

/** Dollars (a budget from a spec or config) as whole micro-dollars, to the nearest one. */
export function usdToMicro(usd: number): number {
  if (!Number.isFinite(usd) || usd < 0) throw new RangeError(`An amount must be a finite number of dollars >= 0, got ${usd}`);
  return Math.round(usd * 1e6);
}

/** Whole micro-dollars as dollars, for display and JSON. */
export function microToUsd(micro: number): number {
  return micro / 1e6;
}

/** `$0.001140`: six decimals, so every micro-dollar shows. */
export function formatMicroUsd(micro: number): string {
  const sign = micro < 0 ? '-' : '';
  const abs = Math.abs(micro);
  return `${sign}$${Math.floor(abs / 1e6)}.${String(abs % 1e6).padStart(6, '0')}`;
}
