/** `codex fleet watch`: the live overlay of a fleet that runs elsewhere, over its control socket. */
import type { Command } from 'commander';
import { ControlClient, NoFleetError } from '../../control/client.js';
import { Subscribe } from '../../control/methods.js';
import { RpcError } from '../../rpc/errors.js';
import { LiveFleet } from '../../tui/live-fleet.js';
import { showOverlay } from '../../tui/run.js';
import { clientSource } from '../../tui/source.js';
import { CliError } from '../errors.js';
import { addStateDirOption, statePaths, type StateDirOption } from '../fleet-client.js';
import { eventPrinter, outputMode } from '../output-mode.js';

interface WatchOptions extends StateDirOption {
  json?: boolean;
  tui?: boolean;
}

export function registerWatchCommand(fleet: Command): void {
  addStateDirOption(
    fleet
      .command('watch')
      .description('Show the live overlay of the running fleet (or, off a terminal, follow its events); the fleet runs on when you leave.')
      .option('--json', 'print one JSON event per line')
      .option('--no-tui', 'print one plain line per event instead of the overlay')
      .addHelpText(
        'after',
        '\n"q" leaves the overlay; the fleet keeps running. Plain and JSON output end when the fleet stops (or on Ctrl-C).\n\n' +
          'Examples:\n  $ codex fleet watch\n  $ codex fleet watch --json | jq -c \'select(.type == "agent.budget")\'',
      ),
  ).action(async (options: WatchOptions) => {
    let client: ControlClient;
    try {
      client = await ControlClient.connect(statePaths(options), 'codex-fleet-watch');
    } catch (error) {
      if (error instanceof NoFleetError || error instanceof RpcError) throw new CliError(error.message);
      throw error;
    }
    const closed = client.closed();
    const mode = outputMode(options);
    if (mode !== 'tui') {
      client.onEvent(eventPrinter(mode));
      await client.request(Subscribe, {});
      const onSignal = (): void => client.close();
      process.once('SIGINT', onSignal);
      await closed;
      process.off('SIGINT', onSignal);
      return;
    }
    const live = new LiveFleet();
    const source = await clientSource(client);
    let detach!: () => void;
    const detached = new Promise<void>((resolve) => (detach = resolve));
    const overlay = showOverlay({ live, source, mode: 'watch', onQuit: () => detach() });
    void closed.then(() => live.markStopped());
    try {
      await live.attach(source);
    } catch (error) {
      await overlay.close();
      client.close();
      throw new CliError(`The fleet did not answer: ${(error as Error).message}`);
    }
    // The fleet stopping does not close the view: its last state stays until the user leaves.
    await detached;
    live.close();
    await overlay.close();
    client.close();
  });
}
