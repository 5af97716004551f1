/** The one place that answers "what does this model cost": the catalog, with the fleet config's overrides on top. */
import { catalogPrice } from './catalog.js';
import type { ModelPrice } from './price.js';

/** A price given in the fleet config, in dollars per million tokens. */
export interface PriceOverride {
  readonly input?: number;
  readonly cached_input?: number;
  readonly output?: number;
  readonly reasoning?: number;
}

/**
 * The price of `model`: the catalog's, with `overrides[model]` laid over it (an override gives a flat
 * price: the catalog's input-size tiers are dropped). A model the catalog does not know needs an override
 * with at least `input` and `output` (`cached_input` then defaults to `input`). Undefined when neither
 * source prices the model.
 */
export function resolvePrice(
  model: string,
  overrides: Readonly<Record<string, PriceOverride | undefined>> = {},
): ModelPrice | undefined {
  const catalog = catalogPrice(model);
  const override = Object.hasOwn(overrides, model) ? overrides[model] : undefined;
  if (!override) return catalog;
  const input = override.input ?? catalog?.input;
  const output = override.output ?? catalog?.output;
  if (input === undefined || output === undefined) return undefined;
  const reasoning = override.reasoning ?? catalog?.reasoning;
  return Object.freeze({
    model,
    source: catalog ? 'catalog+override' : 'override',
    ...(catalog?.catalog && { catalog: catalog.catalog }),
    input,
    cached_input: override.cached_input ?? (override.input === undefined ? catalog?.cached_input : undefined) ?? input,
    output,
    ...(reasoning !== undefined && { reasoning }),
    tiers: Object.freeze([]),
  });
}
