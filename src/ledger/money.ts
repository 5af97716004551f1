/**
 * Money in the ledger: whole pico-dollars (1e-12 USD) in a JavaScript number. Every price in the
 * catalog is a whole number of pico-dollars per token, so token × price is exact, and sums stay exact
 * up to about $9,000 (2^53 pico-dollars): far beyond any agent's budget.
 *
 * @example
 * ```ts
 * usdToPico(0.5);          // 500_000_000_000
 * picoToUsd(1_250_000);    // 0.00000125
 * ```
 */

/** Whole pico-dollars. */
export type Pico = number;

export const PICO_PER_USD = 1e12;

/** Dollars (as written in a spec or a flag) to pico-dollars, rounded to the nearest pico-dollar. */
export function usdToPico(usd: number): Pico {
  return Math.round(usd * PICO_PER_USD);
}

/** Pico-dollars to dollars, for people and JSON (exact to 1e-12). */
export function picoToUsd(pico: Pico): number {
  return Number((pico / PICO_PER_USD).toFixed(12));
}

/** `$0.012345` style: at least 2 decimals, up to 6, for messages. */
export function formatUsd(pico: Pico): string {
  const usd = pico / PICO_PER_USD;
  const fixed = usd.toFixed(6).replace(/0{1,4}$/, '');
  return `$${fixed}`;
}
