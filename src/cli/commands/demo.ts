/** `codex fleet demo`: the whole idea in one offline command, no API key (the run is in src/demo/). */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runDemo, DemoError, BUDGET_RAISE_USD, type DemoOutcome } from '../../demo/run.js';
import { formatSummary } from '../../demo/summary.js';
import { BUDGET_AGENT } from '../../demo/plan.js';
import { SandboxUserError } from '../../sandbox/identity.js';
import { formatEvent, type FleetEvent } from '../../supervisor/events.js';
import { SlotRootError } from '../../supervisor/fleet-sandbox.js';
import { SupervisorLockedError } from '../../supervisor/lock.js';
import { UnsafeStateDirError } from '../../supervisor/state-dir-check.js';
import { LiveFleet } from '../../tui/live-fleet.js';
import { showOverlay } from '../../tui/run.js';
import { inProcessSource } from '../../tui/source.js';
import { CliError } from '../errors.js';
import { addStateDirOption, type StateDirOption } from '../fleet-client.js';
import { outputMode } from '../output-mode.js';
import { addSandboxUserOption, sandboxIdentity, type SandboxUserOption } from '../sandbox-user.js';
import { packageVersion } from '../version.js';

interface DemoCommandOptions extends StateDirOption, SandboxUserOption {
  dir?: string;
  tui?: boolean;
}

function where(places: { repo?: string; stateDir?: string; logs?: string }): string {
  const parts: string[] = [];
  if (places.repo) parts.push(`the repository is kept in ${places.repo}`);
  if (places.logs) parts.push(`the fleet's state in ${places.stateDir}, its events and model requests in ${places.logs} (events.jsonl, model-requests.jsonl)`);
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

export function registerDemoCommand(fleet: Command): void {
  const command = fleet
    .command('demo')
    .description('Run the whole fleet offline on a small bundled project, without an API key, and check the outcome (well under a minute).')
    .option('--dir <dir>', 'make the demo repository here (a new or empty directory) and keep it; default: a new temporary directory')
    .option('--no-tui', 'print one plain line per event instead of the live overlay')
    .addHelpText(
      'after',
      '\nWhat happens:\n' +
        '  1. A small project (npm test = node --test, no dependencies) becomes a fresh git repository, printed at the start.\n' +
        '     Its cart test fails.\n' +
        '  2. A local model server answers every model call from recorded replies (no network, no API key), and a\n' +
        '     fleet starts on it: patch-bot, test-writer-bot and doc-bot from agents/, and notes-bot, an agent\n' +
        '     of the demo with a tiny budget. Every worker and command runs in the kernel sandbox.\n' +
        '  3. patch-bot repairs the cart (its first patch fails the test, the second passes) and its fix lands on main;\n' +
        '     test-writer-bot writes failing test scaffolds for the newest commit, on a fleet/… branch;\n' +
        '     doc-bot adds doc comments to src/format.js, on main;\n' +
        `     ${BUDGET_AGENT} runs out of budget and is paused; the demo raises its budget by $${BUDGET_RAISE_USD.toFixed(2)}\n` +
        `     (as "codex fleet resume ${BUDGET_AGENT} --add ${BUDGET_RAISE_USD.toFixed(2)}" does) and it finishes.\n` +
        '  4. A summary per agent (tasks, commits, spend) and the checks: the tests pass on main, the scaffolds wait on\n' +
        '     their branch, the paused agent finished. The exit status is 0 only if every check holds.\n\n' +
        'On a terminal the live overlay shows the fleet (as in "codex fleet start"); otherwise, or with --no-tui, one line\n' +
        'per event. The fleet\'s state, the model requests and every event stay in the state directory (printed at the end).\n\n' +
        'Examples:\n  $ codex fleet demo\n  $ codex fleet demo --dir /tmp/demo-shop && cd /tmp/demo-shop && git log --oneline --all',
    );
  addSandboxUserOption(addStateDirOption(command)).action(async (options: DemoCommandOptions) => {
    const mode = outputMode({ tui: options.tui !== false }) === 'tui' ? 'tui' : 'plain';
    const slotRoot = process.env['CODEX_FLEET_SLOT_ROOT'];
    const identity = sandboxIdentity(options);
    const live = mode === 'tui' ? new LiveFleet() : undefined;
    const stopped = new AbortController();
    const clock = (): string => new Date().toISOString().slice(11, 19);
    // In the overlay, console output is shown above it (Ink patches the console).
    const say = (line: string): void => {
      if (live) console.log(`demo: ${line}`);
      else process.stdout.write(`${clock()} demo ${line}\n`);
    };
    const onEvent = live ? (event: FleetEvent) => live.push(event) : (event: FleetEvent) => process.stdout.write(`${formatEvent(event)}\n`);
    const onSignal = (): void => stopped.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let outcome: DemoOutcome;
    try {
      outcome = await runDemo({
        ...(options.dir === undefined ? {} : { dir: resolve(options.dir) }),
        ...(options.stateDir === undefined ? {} : { stateDir: resolve(options.stateDir) }),
        ...(identity !== undefined ? { sandboxUser: identity } : {}),
        ...(slotRoot ? { slotRoot: resolve(slotRoot) } : {}),
        version: packageVersion(),
        // The price catalog is large: loaded only when the fleet starts.
        modelSettings: (await import('../model-settings.js')).modelSettingsFrom,
        onEvent,
        say,
        pauseShownMs: live ? 2500 : 200,
        signal: stopped.signal,
        attach: async (supervisor) => {
          if (!live) return undefined;
          const source = { ...inProcessSource(supervisor), subscribe: () => () => undefined };
          const overlay = showOverlay({ live, source, mode: 'start', onQuit: () => stopped.abort() });
          await live.attach(source);
          return async () => {
            live.close();
            await overlay.close();
          };
        },
      });
    } catch (error) {
      if (error instanceof DemoError) throw new CliError(`The demo failed: ${error.message}${where(error.places)}`);
      if (error instanceof SupervisorLockedError || error instanceof SlotRootError || error instanceof SandboxUserError || error instanceof UnsafeStateDirError) {
        throw new CliError(error.message);
      }
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    process.stdout.write(`\n${formatSummary(outcome).join('\n')}\n`);
    const failed = outcome.checks.filter((c) => !c.ok);
    if (failed.length > 0) {
      throw new CliError(`The demo did not do what it should: ${failed.map((c) => c.name).join('; ')}${where(outcome.places)}`);
    }
  });
}
