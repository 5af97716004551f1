/** What the config says for one model call: which provider, at what price. */
import { resolvePrice, type PriceOverride } from '../pricing/resolve.js';
import type { ModelPrice } from '../pricing/price.js';
import type { FleetConfig, ProviderConfig } from './types.js';

/** The price overrides of every model in the config, for {@link resolvePrice}. */
export function priceOverrides(config: FleetConfig): Record<string, PriceOverride> {
  const out: Record<string, PriceOverride> = {};
  for (const [model, settings] of Object.entries(config.models)) if (settings.price) out[model] = settings.price;
  return out;
}

/** The price of `model` under this config (catalog + overrides), or undefined when nothing prices it. */
export function priceFor(config: FleetConfig, model: string): ModelPrice | undefined {
  return resolvePrice(model, priceOverrides(config));
}

/**
 * The provider of a call: the agent spec's `provider` if it names one, else the model's in `models`,
 * else `default_provider`. Undefined only for a name that is not configured (validate reports it).
 */
export function providerFor(config: FleetConfig, call: { readonly model: string; readonly provider?: string }): ProviderConfig | undefined {
  const name = call.provider ?? config.models[call.model]?.provider ?? config.default_provider;
  return Object.hasOwn(config.providers, name) ? config.providers[name] : undefined;
}
