/**
 * `codex fleet conformance -- CMD ARGS…`: runs any worker program through the conformance kit (the
 * whole protocol against a supervisor stub), one PASS/FAIL line per check, exit 0 only if all pass.
 */
import type { Command } from 'commander';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeKernel } from '../../sandbox/check.js';
import { formatExplain, parseExplain } from '../../sandbox/explain.js';
import { buildSandboxedSpawn } from '../../sandbox/launcher.js';
import { compilePolicy } from '../../sandbox/policy.js';
import { loadAgentSpecs } from '../../spec/load.js';
import { workerArgv } from '../../supervisor/worker-program.js';
import { escapeLine } from '../../terminal/escape.js';
import { CliError } from '../errors.js';

/** The kit against an agent's worker program, launched exactly as the supervisor launches it. */
async function runUnderSandbox(name: string, agentsDir: string, stepMs: number, explain: boolean): Promise<void> {
  const { agents, diagnostics } = await loadAgentSpecs([agentsDir]);
  if (diagnostics.length > 0) {
    throw new CliError(`Invalid agent specs (run "codex fleet validate ${agentsDir}"):\n${diagnostics.map(String).join('\n')}`);
  }
  const agent = agents.find((a) => a.name === name);
  if (!agent) throw new CliError(`No agent "${name}" in ${agentsDir}: known agents are ${agents.map((a) => `"${a.name}"`).join(', ') || 'none'}`);
  const slot = mkdtempSync(join(tmpdir(), `codex-fleet-conformance-${name}-`));
  // Outside the slot, so the worker cannot write its own refusal records.
  const explainDir = explain ? mkdtempSync(join(tmpdir(), 'codex-fleet-explain-')) : undefined;
  const explainFile = explainDir === undefined ? undefined : join(explainDir, 'refusals');
  try {
    const launch = buildSandboxedSpawn(
      compilePolicy(agent, { kind: 'worker', slotDir: slot }),
      workerArgv(agent),
      explainFile === undefined ? {} : { explainFile },
    );
    const { runConformance } = await import('../../conformance/kit.js');
    process.stdout.write(`running ${agent.name}'s worker under its sandbox (workspace ${slot})\n`);
    const report = await runConformance({
      command: workerArgv(agent),
      launch,
      workspace: slot,
      stepMs,
      print: (line) => process.stdout.write(`${escapeLine(line)}\n`),
    });
    process.exitCode = report.failed === 0 ? 0 : 1;
    if (explainFile !== undefined) {
      const text = existsSync(explainFile) ? readFileSync(explainFile, 'utf8') : '';
      const kernel = await probeKernel();
      for (const line of formatExplain(parseExplain(text), kernel.landlock_abi)) process.stdout.write(`${line}\n`);
    }
  } finally {
    rmSync(slot, { recursive: true, force: true });
    if (explainDir !== undefined) rmSync(explainDir, { recursive: true, force: true });
  }
}

export function registerConformanceCommand(fleet: Command): void {
  fleet
    .command('conformance')
    .description('Check that a worker program speaks the worker protocol (docs/protocol.md) correctly.')
    .argument('[command...]', 'the worker program and its arguments, after "--"')
    .option('--agent <name>', "run that agent's worker command under that agent's sandbox (needs the sandbox launcher)")
    .option('--agents-dir <dir>', 'with --agent: where the agent specs are', 'agents')
    .option('--step-timeout <ms>', 'time each step may take, in ms', '10000')
    .option('--explain', "with --agent: afterwards, list every syscall the sandbox refused and the allowed_syscalls entry that would allow it")
    .addHelpText(
      'after',
      '\nPrints one PASS/FAIL line per check and a summary. Exit status: 0 if every check passed, 1 otherwise.\n' +
        'What a worker must do to pass: docs/protocol.md, "Passing the conformance kit".\n\n' +
        'Examples:\n' +
        '  $ codex fleet conformance -- codex fleet worker --plugin examples/echo-bot/plugin.js\n' +
        '  $ codex fleet conformance -- /usr/bin/python3 examples/python-worker/worker.py\n' +
        '  $ codex fleet conformance --agent python-worker --agents-dir examples/python-worker/agents\n' +
        '  $ codex fleet conformance --agent python-worker --agents-dir examples/python-worker/agents --explain',
    )
    .action(async (command: string[], options: { agent?: string; agentsDir: string; stepTimeout: string; explain?: boolean }) => {
      const stepMs = Number(options.stepTimeout);
      if (!Number.isFinite(stepMs) || stepMs <= 0) {
        throw new CliError(`Invalid --step-timeout "${options.stepTimeout}": expected a number of milliseconds > 0`, 2);
      }
      if (options.agent !== undefined) {
        if (command.length > 0) throw new CliError('Give either --agent NAME or a command after "--", not both', 2);
        await runUnderSandbox(options.agent, options.agentsDir, stepMs, options.explain === true);
        return;
      }
      if (options.explain === true) throw new CliError('--explain needs --agent NAME: only a sandboxed worker has refusals to explain', 2);
      if (command.length === 0) {
        throw new CliError('Give the worker command after "--", e.g. codex fleet conformance -- /usr/bin/python3 worker.py', 2);
      }
      const { runConformance } = await import('../../conformance/kit.js');
      const report = await runConformance({ command, stepMs, print: (line) => process.stdout.write(`${escapeLine(line)}\n`) });
      process.exitCode = report.failed === 0 ? 0 : 1;
    });
}
