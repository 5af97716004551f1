/** What the commands that talk to a running fleet share: `--state-dir`, connecting, error mapping. */
import type { Command } from 'commander';
import { ControlClient } from '../control/client.js';
import { RpcError } from '../rpc/errors.js';
import { resolveStateDir, StatePaths } from '../supervisor/state-dir.js';
import { CliError } from './errors.js';

export interface StateDirOption {
  stateDir?: string;
}

export function addStateDirOption(command: Command): Command {
  return command.option(
    '--state-dir <dir>',
    'the fleet\'s state directory (default: $CODEX_FLEET_STATE_DIR, else $XDG_STATE_HOME/codex-fleet/<project>-<hash>, ' +
      'with ~/.local/state when XDG_STATE_HOME is unset)',
  );
}

export function statePaths(options: StateDirOption): StatePaths {
  return new StatePaths(resolveStateDir({ stateDir: options.stateDir }));
}

/** Connects to the running fleet, runs `fn`, closes; maps errors to messages a user can act on. */
export async function withFleet<T>(options: StateDirOption, fn: (client: ControlClient) => Promise<T>): Promise<T> {
  let client: ControlClient | undefined;
  try {
    client = await ControlClient.connect(statePaths(options), 'codex-fleet-cli');
    return await fn(client);
  } catch (error) {
    if (error instanceof RpcError) throw new CliError(error.message);
    throw error; // NoFleetError and the others carry a code of their own: shown as one line with it
  } finally {
    client?.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
