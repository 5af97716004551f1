/**
 * The supervisor's model settings for `codex fleet start`, from the fleet config (`codex-fleet.yaml`):
 * each agent's provider (its key read from the environment variable the config names), prices (the
 * catalog plus the config's overrides), the fleet budget and the notify command. Every agent must have a
 * configured provider, a known price and an affordable worst-case call before anything starts.
 */
import { isAbsolute, relative } from 'node:path';
import { checkAgentsAgainstConfig } from '../fleet-config/agents.js';
import { readFleetConfig } from '../fleet-config/load.js';
import { priceFor, providerFor } from '../fleet-config/resolve.js';
import type { FleetConfig, ProviderConfig } from '../fleet-config/types.js';
import type { Provider } from '../gateway/types.js';
import type { AgentSpec } from '../spec/types.js';
import { pricingOf } from '../supervisor/model-meter.js';
import type { ModelSettings } from '../utils/agent/supervisor.js';
import { CliError } from './errors.js';

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** A configured provider as the gateway takes it. */
export function gatewayProvider(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): Provider {
  const key = config.api_key_env === undefined ? undefined : env[config.api_key_env];
  return { name: config.name, api: config.api, baseURL: config.base_url, ...(key ? { apiKey: key } : {}) };
}

/** The model settings of `config` for `agents`; throws a CliError listing every problem. */
export function modelSettingsFrom(config: FleetConfig, env: NodeJS.ProcessEnv = process.env): ModelSettings {
  return {
    provider: (agent) => {
      const provider = providerFor(config, { model: agent.model, ...(agent.provider === undefined ? {} : { provider: agent.provider }) });
      if (!provider) throw new Error(`${agent.name}: provider "${agent.provider ?? config.default_provider}" is not configured`);
      return gatewayProvider(provider, env);
    },
    pricing: (model) => {
      const price = priceFor(config, model);
      if (!price) throw new Error(`No price is known for model "${model}"`);
      return pricingOf(price);
    },
    ...(config.budget_usd === undefined ? {} : { budgetUsd: config.budget_usd }),
    ...(config.notify === undefined ? {} : { notify: config.notify }),
  };
}

/** Reads `./codex-fleet.yaml` (or `file`) and checks the agents against it. */
export async function loadModelSettings(agents: readonly AgentSpec[], file?: string): Promise<ModelSettings> {
  const result = await readFleetConfig(process.cwd(), file === undefined ? {} : { file });
  const problems = [...result.diagnostics];
  if (result.config) problems.push(...(await checkAgentsAgainstConfig(agents, result.config, { display: (a) => display(a.file) })));
  if (problems.length > 0 || !result.config) {
    for (const d of problems) process.stderr.write(`${d.toString()}\n`);
    throw new CliError('Not starting: fix the problems above (check them with "codex fleet validate")');
  }
  return modelSettingsFrom(result.config);
}
