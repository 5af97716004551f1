/** `codex fleet start`: runs the supervisor in the foreground. */
import type { Command } from 'commander';
import { loadAgentSpecs } from '../../spec/load.js';
import { formatEvent, type FleetEvent } from '../../supervisor/events.js';
import { SupervisorLockedError } from '../../supervisor/lock.js';
import { Supervisor } from '../../utils/agent/supervisor.js';
import { CliError } from '../errors.js';
import { nonNegativeOption } from '../options.js';
import { addStateDirOption, statePaths, type StateDirOption } from '../fleet-client.js';
import { packageVersion } from '../version.js';

interface StartOptions extends StateDirOption {
  json?: boolean;
  config?: string;
  unsafeNoSandbox?: boolean;
  keepDays?: string;
  keepTasks?: string;
  recoverJournal?: boolean;
}


export function registerStartCommand(fleet: Command): void {
  const command = fleet
    .command('start')
    .description('Start the fleet in the foreground: every agent in agents/ as a supervised pool of sandboxed workers.')
    .argument('[paths...]', 'spec files or directories', ['agents'])
    .option('--json', 'print one JSON event per line')
    .option('--config <file>', 'the fleet config file (default: ./codex-fleet.yaml if it exists)')
    .option('--unsafe-no-sandbox', 'run workers WITHOUT the kernel sandbox (never do this with untrusted plugins)')
    .option('--keep-days <days>', 'retention: delete finished tasks older than this many days (default 30)')
    .option('--keep-tasks <n>', 'retention: keep at most this many finished tasks, the newest (default 10000)')
    .option('--recover-journal', 'start even if the journal is damaged or lost tasks: move it aside and keep what is readable')
    .addHelpText(
      'after',
      '\nThe fleet runs until "codex fleet stop" or Ctrl-C (drains running tasks; a second Ctrl-C stops at once).\n' +
        'Tasks, results and paused agents are kept in the state directory and survive a restart.\n\n' +
        'Examples:\n  $ codex fleet start\n  $ codex fleet start --json > fleet.log\n' +
        '  $ codex fleet start examples/echo-bot/agents --state-dir /tmp/fleet',
    );
  addStateDirOption(command).action(async (paths: string[], options: StartOptions) => {
    const loaded = await loadAgentSpecs(paths);
    if (loaded.diagnostics.length > 0) {
      for (const d of loaded.diagnostics) process.stderr.write(`${d.toString()}\n`);
      throw new CliError(`Not starting: fix the agent specs above (check them with "codex fleet validate ${paths.join(' ')}")`);
    }
    if (loaded.agents.length === 0) {
      throw new CliError(`No agent specs (*.yaml) found in ${paths.join(', ')}: create samples with "codex fleet init"`);
    }
    const keepDays = nonNegativeOption(options.keepDays, '--keep-days', false);
    const keepTasks = nonNegativeOption(options.keepTasks, '--keep-tasks', true);
    const print = (event: FleetEvent): void => {
      process.stdout.write(`${options.json ? JSON.stringify(event) : formatEvent(event)}\n`);
    };
    // The price catalog is large: loaded only when a fleet starts.
    const { loadModelSettings } = await import('../model-settings.js');
    const models = await loadModelSettings(loaded.agents, options.config);
    let supervisor: Supervisor;
    try {
      supervisor = await Supervisor.start({
        agents: loaded.agents,
        stateDir: statePaths(options).dir,
        projectDir: process.cwd(),
        version: packageVersion(),
        ...(options.unsafeNoSandbox ? { unsafeNoSandbox: true } : {}),
        ...(options.recoverJournal ? { recoverJournal: true } : {}),
        retention: { ...(keepDays === undefined ? {} : { keepDays }), ...(keepTasks === undefined ? {} : { keepTasks }) },
        onEvent: print,
        models,
      });
    } catch (error) {
      if (error instanceof SupervisorLockedError) throw new CliError(error.message);
      throw error;
    }
    let signals = 0;
    const onSignal = (): void => {
      signals += 1;
      void supervisor.stop(signals > 1);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await supervisor.done;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (supervisor.fatal) throw new CliError(`The fleet stopped after a fatal error: ${supervisor.fatal}`);
  });
}
