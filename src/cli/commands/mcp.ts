/** `codex fleet mcp`: the fleet as an MCP server over stdio, for a main agent (Codex CLI, Claude Code, …). */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { FleetLink } from '../../mcp/fleet-link.js';
import { startOwnFleet } from '../../mcp/own-fleet.js';
import { createFleetMcpServer, serve } from '../../mcp/server.js';
import { SupervisorLockedError } from '../../supervisor/lock.js';
import { projectRoot, resolveStateDir, StatePaths } from '../../supervisor/state-dir.js';
import type { Supervisor } from '../../utils/agent/supervisor.js';
import { CliError } from '../errors.js';
import { addStateDirOption, type StateDirOption } from '../fleet-client.js';
import { packageVersion } from '../version.js';

interface McpOptions extends StateDirOption {
  project?: string;
  start?: boolean;
  allowBudgetRaise?: boolean;
}

export function registerMcpCommand(fleet: Command): void {
  const command = fleet
    .command('mcp')
    .description('Serve the running fleet to a main agent as an MCP server over stdio (list agents, submit and follow tasks, spend).')
    .argument('[paths...]', 'with --start: spec files or directories, relative to the project', ['agents'])
    .option('--project <dir>', 'the project whose fleet to serve (default: the repository of the current directory)')
    .option('--start', 'start the fleet in this process, and stop it when the client disconnects')
    .option('--allow-budget-raise', 'let the client raise an agent\'s budget with resume_agent (off: only the user can)')
    .addHelpText(
      'after',
      '\nstdout carries MCP messages; logs and, with --start, fleet events go to stderr.\n\n' +
        'Examples:\n  $ codex fleet mcp\n  $ codex fleet mcp --project ~/src/my-app\n  $ codex fleet mcp --start examples/echo-bot/agents\n' +
        '  Codex CLI, ~/.codex/config.toml:  [mcp_servers.fleet]  command = "npx"  args = ["codex-fleet", "mcp"]\n' +
        '  Claude Code:  claude mcp add fleet -- npx codex-fleet mcp',
    );
  addStateDirOption(command).action(async (paths: string[], options: McpOptions) => {
    const project = projectRoot(resolve(options.project ?? process.cwd()));
    const stateDir = resolveStateDir({ stateDir: options.stateDir === undefined ? undefined : resolve(options.stateDir), cwd: project });
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    let supervisor: Supervisor | undefined;
    if (options.start) {
      try {
        supervisor = await startOwnFleet({ specPaths: paths.map((p) => resolve(project, p)), stateDir, projectDir: project, version: packageVersion(), log });
      } catch (error) {
        if (error instanceof SupervisorLockedError) {
          throw new CliError(`${error.message}; to use that fleet, run "codex fleet mcp" without --start`);
        }
        throw new CliError((error as Error).message);
      }
    }
    const link = new FleetLink(new StatePaths(stateDir));
    const server = createFleetMcpServer({ link, version: packageVersion(), allowBudgetRaise: options.allowBudgetRaise === true });
    log(`codex fleet mcp: serving the fleet of ${project} (state ${stateDir})${supervisor ? ', started here' : ''}`);
    // A signal ends the session like a client that goes away: the fleet started here is stopped first.
    const endInput = (): void => void process.stdin.destroy();
    process.once('SIGTERM', endInput);
    process.once('SIGINT', endInput);
    await serve(server, new StdioServerTransport(), process.stdin);
    process.off('SIGTERM', endInput);
    process.off('SIGINT', endInput);
    link.close();
    if (supervisor) {
      log('codex fleet mcp: the client went away; stopping the fleet');
      await supervisor.stop(true);
      await supervisor.done;
    }
  });
}
