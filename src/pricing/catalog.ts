/**
 * The price catalog: `@pydantic/genai-prices`, a maintained catalog of published model prices that
 * ships its data inside the package (nothing is fetched at run time). OpenAI's models are looked up
 * first, then any provider's, by the catalog's own name matching (dated snapshots such as
 * `gpt-4.1-mini-2025-04-14` find their model).
 */
import { calcPrice } from '@pydantic/genai-prices';
import type { ModelPrice, PriceTier, Rates } from './price.js';

type CatalogRate = number | { base: number; tiers: { start: number; price: number }[] } | undefined;

/** The rate at an input size, for a flat or tiered catalog rate. */
function rateAt(rate: CatalogRate, inputTokens: number): number | undefined {
  if (rate === undefined || typeof rate === 'number') return rate;
  let price = rate.base;
  for (const tier of rate.tiers) if (inputTokens > tier.start) price = tier.price;
  return price;
}

function ratesAt(prices: Record<string, CatalogRate>, inputTokens: number): Rates | undefined {
  const input = rateAt(prices['input_mtok'], inputTokens);
  const output = rateAt(prices['output_mtok'], inputTokens);
  if (input === undefined || output === undefined) return undefined;
  return { input, cached_input: rateAt(prices['cache_read_mtok'], inputTokens) ?? input, output };
}

const cache = new Map<string, ModelPrice | undefined>();

/** The catalog's price for `model` now, or undefined when the catalog does not know it (or has no token price). */
export function catalogPrice(model: string): ModelPrice | undefined {
  if (cache.has(model)) return cache.get(model);
  const found = calcPrice({ input_tokens: 1 }, model, { providerId: 'openai' }) ?? calcPrice({ input_tokens: 1 }, model);
  let price: ModelPrice | undefined;
  if (found) {
    const prices = found.model_price as Record<string, CatalogRate>;
    const base = ratesAt(prices, 0);
    if (base) {
      const starts = new Set<number>();
      for (const key of ['input_mtok', 'cache_read_mtok', 'output_mtok']) {
        const rate = prices[key];
        if (rate !== undefined && typeof rate !== 'number') for (const tier of rate.tiers) starts.add(tier.start);
      }
      const tiers: PriceTier[] = [...starts]
        .sort((a, b) => a - b)
        .flatMap((start) => {
          const rates = ratesAt(prices, start + 1);
          return rates ? [{ above_input_tokens: start, ...rates }] : [];
        });
      price = Object.freeze({
        model,
        source: 'catalog',
        catalog: Object.freeze({ provider: found.provider.id, model: found.model.id }),
        ...base,
        tiers: Object.freeze(tiers),
      });
    }
  }
  cache.set(model, price);
  return price;
}
