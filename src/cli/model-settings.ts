/**
 * The supervisor's model settings for `codex fleet start`: providers, prices (the catalog plus the fleet
 * config's overrides), the fleet budget and the notify command. Every agent's model must have a price
 * before anything starts.
 */
import type { AgentSpec } from '../spec/types.js';
import { resolvePrice, type ModelPrice, type PriceOverride } from '../pricing/index.js';
import { pricingOf } from '../supervisor/model-meter.js';
import { defaultProvider, type ModelSettings } from '../utils/agent/supervisor.js';
import type { Provider } from '../gateway/types.js';
import { CliError } from './errors.js';

export interface FleetModelConfig {
  /** The provider per agent; default: the default provider (OPENAI_BASE_URL / OPENAI_API_KEY). */
  provider?(agent: AgentSpec): Provider;
  readonly priceOverrides?: Readonly<Record<string, PriceOverride>>;
  readonly budgetUsd?: number;
  readonly notify?: readonly string[];
}

/** Resolves every agent's price now, so an unpriced model stops the start with one clear message. */
export function modelSettings(agents: readonly AgentSpec[], config: FleetModelConfig = {}): ModelSettings {
  const prices = new Map<string, ModelPrice>();
  const missing: string[] = [];
  for (const agent of agents) {
    const price = resolvePrice(agent.model, config.priceOverrides ?? {});
    if (price) prices.set(agent.model, price);
    else missing.push(`${agent.name} (${agent.file}): model "${agent.model}" has no known price`);
  }
  if (missing.length > 0) {
    throw new CliError(
      `Not starting: ${missing.join('; ')}. Give it a price under "models" in codex-fleet.yaml ` +
        '(input and output, US dollars per million tokens), or use a model the price catalog knows',
    );
  }
  return {
    provider: (agent) => config.provider?.(agent) ?? defaultProvider(),
    pricing: (model) => {
      const price = prices.get(model) ?? resolvePrice(model, config.priceOverrides ?? {});
      if (!price) throw new Error(`No price for model "${model}"`);
      return pricingOf(price);
    },
    ...(config.budgetUsd === undefined ? {} : { budgetUsd: config.budgetUsd }),
    ...(config.notify === undefined ? {} : { notify: config.notify }),
  };
}
