/** `codex fleet start`: runs the supervisor in the foreground, with the live overlay on a terminal. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadAgentSpecs } from '../../spec/load.js';
import { SandboxUserError } from '../../sandbox/identity.js';
import { SlotRootError } from '../../supervisor/fleet-sandbox.js';
import type { FleetEvent } from '../../supervisor/events.js';
import { SupervisorLockedError } from '../../supervisor/lock.js';
import { Supervisor } from '../../utils/agent/supervisor.js';
import { LiveFleet } from '../../tui/live-fleet.js';
import { showOverlay, type OverlayHandle } from '../../tui/run.js';
import { inProcessSource } from '../../tui/source.js';
import { CliError } from '../errors.js';
import { nonNegativeOption } from '../options.js';
import { addStateDirOption, statePaths, type StateDirOption } from '../fleet-client.js';
import { addSandboxUserOption, sandboxIdentity, type SandboxUserOption } from '../sandbox-user.js';
import { eventPrinter, outputMode } from '../output-mode.js';
import { packageVersion } from '../version.js';

interface StartOptions extends StateDirOption, SandboxUserOption {
  json?: boolean;
  tui?: boolean;
  config?: string;
  unsafeNoSandbox?: boolean;
  keepDays?: string;
  keepTasks?: string;
  recoverJournal?: boolean;
  slotRoot?: string;
}

export function registerStartCommand(fleet: Command): void {
  const command = fleet
    .command('start')
    .description('Start the fleet in the foreground: every agent in agents/ as a supervised pool of sandboxed workers.')
    .argument('[paths...]', 'spec files or directories', ['agents'])
    .option('--json', 'print one JSON event per line')
    .option('--no-tui', 'print one plain line per event instead of the live overlay')
    .option('--config <file>', 'the fleet config file (default: ./codex-fleet.yaml if it exists)')
    .option('--unsafe-no-sandbox', 'run workers WITHOUT the kernel sandbox (never do this with untrusted plugins)')
    .option('--keep-days <days>', 'retention: delete finished tasks older than this many days (default 30)')
    .option('--keep-tasks <n>', 'retention: keep at most this many finished tasks, the newest (default 10000)')
    .option('--recover-journal', 'start even if the journal is damaged or lost tasks: move it aside and keep what is readable')
    .option(
      '--slot-root <dir>',
      'when run as root: where worker slots live, reachable by the sandbox user (default: $CODEX_FLEET_SLOT_ROOT, else /var/tmp/codex-fleet-slots/<state dir>-<hash>)',
    )
    .addHelpText(
      'after',
      '\nOn a terminal the fleet shows a live overlay (agents, tasks, spend against budget; "?" lists its keys);\n' +
        'otherwise, or with --no-tui, one line per event. "codex fleet watch" shows the same overlay from another terminal.\n' +
        'The fleet runs until "q" in the overlay, "codex fleet stop" or Ctrl-C (drains running tasks; a second Ctrl-C stops at once).\n' +
        'Tasks, results and paused agents are kept in the state directory and survive a restart.\n\n' +
        'Examples:\n  $ codex fleet start\n  $ codex fleet start --json > fleet.log\n' +
        '  $ codex fleet start examples/echo-bot/agents --state-dir /tmp/fleet --no-tui',
    );
  addSandboxUserOption(addStateDirOption(command)).action(async (paths: string[], options: StartOptions) => {
    const slotRoot = options.slotRoot ?? process.env['CODEX_FLEET_SLOT_ROOT'];
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
    const mode = outputMode(options);
    // The overlay hears the start-up's events too: they go to its store until it attaches.
    const live = mode === 'tui' ? new LiveFleet() : undefined;
    const onEvent = live ? (event: FleetEvent) => live.push(event) : eventPrinter(mode === 'json' ? 'json' : 'plain');
    // The price catalog is large: loaded only when a fleet starts.
    const { loadFleetSettings } = await import('../model-settings.js');
    const { models, sandboxUser } = await loadFleetSettings(loaded.agents, options.config);
    const identity = sandboxIdentity(options, sandboxUser);
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
        ...(identity !== undefined ? { sandboxUser: identity } : {}),
        ...(slotRoot ? { slotRoot: resolve(slotRoot) } : {}),
        onEvent,
        models,
      });
    } catch (error) {
      if (error instanceof SupervisorLockedError || error instanceof SlotRootError || error instanceof SandboxUserError) throw new CliError(error.message);
      throw error;
    }
    let signals = 0;
    const stop = (now: boolean): void => {
      signals += 1;
      void supervisor.stop(now || signals > 1);
    };
    const onSignal = (): void => stop(false);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let overlay: OverlayHandle | undefined;
    if (live) {
      // Events reach the store through onEvent already; the source is for status and commands.
      const source = { ...inProcessSource(supervisor), subscribe: () => () => undefined };
      overlay = showOverlay({ live, source, mode: 'start', onQuit: (kind) => stop(kind === 'now') });
      await live.attach(source);
    }
    await supervisor.done;
    live?.close();
    await overlay?.close();
    if (overlay) process.stdout.write('fleet stopped\n');
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (supervisor.fatal) throw new CliError(`The fleet stopped after a fatal error: ${supervisor.fatal}`);
  });
}
