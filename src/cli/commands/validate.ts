/** `codex fleet validate [DIR|FILE…]`: checks agent specs and the fleet config, and reports every problem. */
import { isAbsolute, relative } from 'node:path';
import type { Command } from 'commander';
import { FLEET_CONFIG_DEFAULTS, FLEET_CONFIG_FILE } from '../../fleet-config/schema.js';
import type { FleetConfig } from '../../fleet-config/types.js';
import type { SpecDiagnostic } from '../../spec/diagnostic.js';
import { loadAgentSpecs } from '../../spec/load.js';
import type { AgentSpec } from '../../spec/types.js';
import { CliError } from '../errors.js';

function describeWorker(agent: AgentSpec): string {
  return agent.worker.kind === 'plugin' ? agent.worker.plugin : agent.worker.argv.join(' ');
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function describeConfig(config: FleetConfig): string {
  const providers = Object.keys(config.providers).join(', ');
  return `providers: ${providers}; default ${config.default_provider}` + (config.budget_usd !== undefined ? `; fleet budget $${config.budget_usd.toFixed(2)}` : '');
}

export function registerValidateCommand(fleet: Command): void {
  fleet
    .command('validate')
    .description(`Check agent specs (agents/*.yaml) and the fleet config (${FLEET_CONFIG_FILE}); report every problem with file:line:col.`)
    .argument('[paths...]', 'spec files or directories of *.yaml files', ['agents'])
    .option('--config <file>', `the fleet config file (default: ./${FLEET_CONFIG_FILE} if it exists)`)
    .option('--json', 'print one machine-readable JSON report')
    .addHelpText(
      'after',
      '\nBesides each spec on its own, it checks that every agent\'s provider is configured, its model has a price\n' +
        `(the price catalog or ${FLEET_CONFIG_FILE}), and one call with its max_tokens of output plus ` +
        `${FLEET_CONFIG_DEFAULTS.validate_input_tokens} input tokens fits its cost_budget.\n` +
        '\nExit status: 0 if everything is valid, 1 otherwise.\n\nExamples:\n' +
        '  $ codex fleet validate\n  $ codex fleet validate agents/patch-bot.yaml examples/echo-bot/agents\n' +
        '  $ codex fleet validate --json | jq .errors',
    )
    .action(async (paths: string[], options: { json?: boolean; config?: string }) => {
      // The price catalog is large: load it when validating, not for every command's start-up.
      const { checkAgentsAgainstConfig } = await import('../../fleet-config/agents.js');
      const { readFleetConfig } = await import('../../fleet-config/load.js');
      const result = await loadAgentSpecs(paths);
      const fleetConfig = await readFleetConfig(process.cwd(), options.config !== undefined ? { file: options.config } : {});
      const diagnostics: SpecDiagnostic[] = [...result.diagnostics, ...fleetConfig.diagnostics];
      const failed = new Set<string>();
      if (fleetConfig.config) {
        for (const agent of result.agents) {
          const found = await checkAgentsAgainstConfig([agent], fleetConfig.config, { display: (a) => display(a.file) });
          if (found.length > 0) failed.add(agent.name);
          diagnostics.push(...found);
        }
      }
      const files = [...result.files, ...(fleetConfig.file !== undefined ? [fleetConfig.file] : [])];
      const agents = result.agents.filter((a) => !failed.has(a.name));
      const valid = diagnostics.length === 0 && result.agents.length > 0;
      if (options.json) {
        process.stdout.write(
          JSON.stringify({
            valid,
            files,
            agents: agents.map((a) => ({
              name: a.name,
              file: a.file,
              model: a.model,
              cost_budget: a.cost_budget,
              concurrency: a.concurrency,
              worker: describeWorker(a),
            })),
            config: fleetConfig.config
              ? {
                  file: fleetConfig.file ?? null,
                  providers: Object.values(fleetConfig.config.providers).map((p) => ({ name: p.name, base_url: p.base_url, api: p.api })),
                  default_provider: fleetConfig.config.default_provider,
                  budget_usd: fleetConfig.config.budget_usd ?? null,
                }
              : null,
            errors: diagnostics.map((d) => d.toJSON()),
          }) + '\n',
        );
        process.exitCode = valid ? 0 : 1;
        return;
      }
      if (fleetConfig.config && fleetConfig.file !== undefined) {
        process.stdout.write(`ok ${fleetConfig.file} (${describeConfig(fleetConfig.config)})\n`);
      }
      for (const agent of agents) {
        process.stdout.write(
          `ok ${agent.name} (${describeWorker(agent)}, model ${agent.model}, budget $${agent.cost_budget.toFixed(2)})\n`,
        );
      }
      for (const diagnostic of diagnostics) process.stderr.write(`${diagnostic.toString()}\n`);
      if (result.files.length === 0 && result.diagnostics.length === 0) {
        throw new CliError(`No agent specs (*.yaml) found in ${paths.join(', ')}: create samples with "codex fleet init"`);
      }
      if (diagnostics.length > 0) {
        const bad = new Set(diagnostics.map((d) => d.file)).size;
        throw new CliError(
          `${diagnostics.length} ${diagnostics.length === 1 ? 'problem' : 'problems'} in ` +
            `${bad} of ${Math.max(bad, files.length)} ${files.length === 1 ? 'file' : 'files'}`,
        );
      }
      process.stdout.write(`${result.agents.length} ${result.agents.length === 1 ? 'agent' : 'agents'} valid\n`);
    });
}
