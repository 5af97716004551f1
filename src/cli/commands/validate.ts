/** `codex fleet validate [DIR|FILE…]`: checks agent specs and reports every problem. */
import type { Command } from 'commander';
import { loadAgentSpecs } from '../../spec/load.js';
import type { AgentSpec } from '../../spec/types.js';
import { CliError } from '../errors.js';

function describeWorker(agent: AgentSpec): string {
  return agent.worker.kind === 'plugin' ? agent.worker.plugin : agent.worker.argv.join(' ');
}

export function registerValidateCommand(fleet: Command): void {
  fleet
    .command('validate')
    .description('Check agent specs (agents/*.yaml) and report every problem with file:line:col.')
    .argument('[paths...]', 'spec files or directories of *.yaml files', ['agents'])
    .option('--json', 'print one machine-readable JSON report')
    .addHelpText(
      'after',
      '\nExit status: 0 if every spec is valid, 1 otherwise.\n\nExamples:\n' +
        '  $ codex fleet validate\n  $ codex fleet validate agents/patch-bot.yaml examples/echo-bot/agents\n' +
        '  $ codex fleet validate --json | jq .errors',
    )
    .action(async (paths: string[], options: { json?: boolean }) => {
      const result = await loadAgentSpecs(paths);
      const valid = result.diagnostics.length === 0 && result.agents.length > 0;
      if (options.json) {
        process.stdout.write(
          JSON.stringify({
            valid,
            files: result.files,
            agents: result.agents.map((a) => ({
              name: a.name,
              file: a.file,
              model: a.model,
              cost_budget: a.cost_budget,
              concurrency: a.concurrency,
              worker: describeWorker(a),
            })),
            errors: result.diagnostics.map((d) => d.toJSON()),
          }) + '\n',
        );
        process.exitCode = valid ? 0 : 1;
        return;
      }
      for (const agent of result.agents) {
        process.stdout.write(
          `ok ${agent.name} (${describeWorker(agent)}, model ${agent.model}, budget $${agent.cost_budget.toFixed(2)})\n`,
        );
      }
      for (const diagnostic of result.diagnostics) process.stderr.write(`${diagnostic.toString()}\n`);
      if (result.files.length === 0 && result.diagnostics.length === 0) {
        throw new CliError(`No agent specs (*.yaml) found in ${paths.join(', ')}: create samples with "codex fleet init"`);
      }
      if (result.diagnostics.length > 0) {
        const files = new Set(result.diagnostics.map((d) => d.file)).size;
        throw new CliError(
          `${result.diagnostics.length} ${result.diagnostics.length === 1 ? 'problem' : 'problems'} in ` +
            `${files} of ${Math.max(files, result.files.length)} ${result.files.length === 1 ? 'file' : 'files'}`,
        );
      }
      process.stdout.write(`${result.agents.length} ${result.agents.length === 1 ? 'agent' : 'agents'} valid\n`);
    });
}
