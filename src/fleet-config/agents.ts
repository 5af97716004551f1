/**
 * The checks that need both the agents and the fleet config: every agent's provider exists, its model
 * has a price, and it can afford its own worst-case call.
 */
import { formatMicroUsd, usdToMicro } from '../pricing/money.js';
import { ratesFor, worstCaseMicroUsd } from '../pricing/price.js';
import { SpecDiagnostic } from '../spec/diagnostic.js';
import { SpecSource, type FieldPath } from '../spec/source.js';
import { closest } from '../spec/suggest.js';
import type { AgentSpec } from '../spec/types.js';
import { priceFor, providerFor } from './resolve.js';
import { FLEET_CONFIG_DEFAULTS, FLEET_CONFIG_FILE } from './schema.js';
import type { FleetConfig } from './types.js';

/** The agent's spec file shown to the user. */
type Shown = (agent: AgentSpec) => string;

async function locate(agent: AgentSpec, shown: string): Promise<(path: FieldPath, message: string) => SpecDiagnostic> {
  const source = await SpecSource.read(agent.file, shown);
  if (Array.isArray(source)) return (_path, message) => new SpecDiagnostic(shown, 0, 0, '', message);
  return (path, message) => source.at(path, message);
}

const dollars = (perMillion: number): string => `$${perMillion}/M`;

/**
 * Problems between `agents` and `config`, each at the spec field it concerns. `inputTokens` is the input
 * assumed for the worst-case check (default {@link FLEET_CONFIG_DEFAULTS.validate_input_tokens}).
 */
export async function checkAgentsAgainstConfig(
  agents: readonly AgentSpec[],
  config: FleetConfig,
  options: { display: Shown; inputTokens?: number },
): Promise<SpecDiagnostic[]> {
  const inputTokens = options.inputTokens ?? FLEET_CONFIG_DEFAULTS.validate_input_tokens;
  const where = config.file === undefined ? 'the built-in provider list' : FLEET_CONFIG_FILE;
  const out: SpecDiagnostic[] = [];
  for (const agent of agents) {
    const at = await locate(agent, options.display(agent));
    if (agent.provider !== undefined && !providerFor(config, { model: agent.model, provider: agent.provider })) {
      const hint = closest(agent.provider, Object.keys(config.providers));
      out.push(
        at(
          ['provider'],
          `"provider" names "${agent.provider}", which is not in ${where}: ` +
            (hint ? `did you mean "${hint}"?` : `the providers are ${Object.keys(config.providers).map((n) => `"${n}"`).join(', ')}`),
        ),
      );
    }
    const price = priceFor(config, agent.model);
    if (!price) {
      out.push(
        at(
          ['model'],
          `No price is known for model "${agent.model}": add one to ${FLEET_CONFIG_FILE} under ` +
            `models: { "${agent.model}": { price: { input: …, output: … } } } (dollars per million tokens)`,
        ),
      );
      continue;
    }
    const worst = worstCaseMicroUsd(price, { inputTokens, outputTokens: agent.max_tokens });
    const rates = ratesFor(price, inputTokens);
    const detail =
      `${agent.max_tokens} output tokens at ${dollars(Math.max(rates.output, rates.reasoning ?? 0))} plus ` +
      `${inputTokens} input tokens at ${dollars(rates.input)}`;
    const budget = usdToMicro(agent.cost_budget);
    if (worst > budget) {
      out.push(
        at(
          ['max_tokens'],
          `One call of "${agent.name}" can cost ${formatMicroUsd(worst)} (${detail}), more than its whole cost_budget ` +
            `${formatMicroUsd(budget)}: raise "cost_budget" or lower "max_tokens"`,
        ),
      );
    } else if (config.budget_usd !== undefined && worst > usdToMicro(config.budget_usd)) {
      out.push(
        at(
          ['max_tokens'],
          `One call of "${agent.name}" can cost ${formatMicroUsd(worst)} (${detail}), more than the fleet's whole budget_usd ` +
            `${formatMicroUsd(usdToMicro(config.budget_usd))} in ${FLEET_CONFIG_FILE}: raise it or lower "max_tokens"`,
        ),
      );
    }
  }
  return out;
}
