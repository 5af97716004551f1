/** Model prices and exact costs. */
export { resolvePrice, type PriceOverride } from './resolve.js';
export { catalogPrice } from './catalog.js';
export {
  costMicroUsd,
  costPicoUsd,
  costUsd,
  ratesFor,
  worstCaseMicroUsd,
  type ModelPrice,
  type PriceTier,
  type Rates,
  type TokenUsage,
} from './price.js';
export { formatMicroUsd, microToUsd, picoPerToken, picoToMicro, usdToMicro } from './money.js';
