/** What a model costs, in dollars per million tokens, and what a call with known usage costs. */
import { picoPerToken, picoToMicro } from './money.js';

/** Dollars per million tokens. */
export interface Rates {
  readonly input: number;
  /** Input tokens read from the provider's cache; equals `input` when the model has no discount. */
  readonly cached_input: number;
  readonly output: number;
  /** Reasoning tokens, when priced apart from output (OpenAI bills them as output: absent). */
  readonly reasoning?: number;
}

/** Higher rates for a call whose input tokens exceed `above_input_tokens` (the whole call is priced so). */
export interface PriceTier extends Rates {
  readonly above_input_tokens: number;
}

export interface ModelPrice extends Rates {
  /** The model name asked about. */
  readonly model: string;
  /** `catalog` (the price catalog), `override` (the fleet config) or both (an override on top of the catalog). */
  readonly source: 'catalog' | 'override' | 'catalog+override';
  /** The catalog's provider and model id, when the catalog knows the model. */
  readonly catalog?: { readonly provider: string; readonly model: string };
  /** Ascending by `above_input_tokens`; empty for a flat price. */
  readonly tiers: readonly PriceTier[];
}

/** Tokens as the providers report them: cached ⊆ input, reasoning ⊆ output. */
export interface TokenUsage {
  readonly input_tokens: number;
  readonly cached_input_tokens?: number;
  readonly output_tokens: number;
  readonly reasoning_tokens?: number;
}

/** The rates in force for a call with `inputTokens` of input. */
export function ratesFor(price: ModelPrice, inputTokens: number): Rates {
  let rates: Rates = price;
  for (const tier of price.tiers) if (inputTokens > tier.above_input_tokens) rates = tier;
  return rates;
}

const count = (name: string, value: number | undefined): bigint => {
  const n = value ?? 0;
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`"${name}" must be a whole number of tokens >= 0, got ${n}`);
  return BigInt(n);
};

/** The exact cost of `usage` in pico-dollars. */
export function costPicoUsd(usage: TokenUsage, price: ModelPrice): bigint {
  const input = count('input_tokens', usage.input_tokens);
  const output = count('output_tokens', usage.output_tokens);
  // A provider that reports more cached than input tokens (or more reasoning than output) is not
  // believed past the total: never price below what the totals say.
  const cached = [count('cached_input_tokens', usage.cached_input_tokens), input].reduce((a, b) => (a < b ? a : b));
  const reasoning = [count('reasoning_tokens', usage.reasoning_tokens), output].reduce((a, b) => (a < b ? a : b));
  const rates = ratesFor(price, usage.input_tokens);
  return (
    (input - cached) * picoPerToken(rates.input) +
    cached * picoPerToken(rates.cached_input) +
    (output - reasoning) * picoPerToken(rates.output) +
    reasoning * picoPerToken(rates.reasoning ?? rates.output)
  );
}

/** The cost of `usage` in whole micro-dollars (exact, rounded up to the next micro-dollar). */
export function costMicroUsd(usage: TokenUsage, price: ModelPrice): number {
  return picoToMicro(costPicoUsd(usage, price));
}

/** The cost of `usage` in dollars, for display: {@link costMicroUsd} / 1e6. Add micro-dollars, not these. */
export function costUsd(usage: TokenUsage, price: ModelPrice): number {
  return costMicroUsd(usage, price) / 1e6;
}

/**
 * The most a call can cost with at most `inputTokens` of input and `outputTokens` of output: no cache
 * discount, the tier for that input, every output token at the dearer of the output and reasoning rates.
 */
export function worstCaseMicroUsd(price: ModelPrice, bounds: { inputTokens: number; outputTokens: number }): number {
  const rates = ratesFor(price, bounds.inputTokens);
  const outputRate = Math.max(rates.output, rates.reasoning ?? 0);
  const pico = count('inputTokens', bounds.inputTokens) * picoPerToken(rates.input) + count('outputTokens', bounds.outputTokens) * picoPerToken(outputRate);
  return picoToMicro(pico);
}
