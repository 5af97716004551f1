/**
 * The `codex fleet` command tree. Each command lives in `commands/<name>.ts` and registers itself on
 * the `fleet` command; this file only assembles them.
 */
import { Command } from 'commander';
import { registerConformanceCommand } from './commands/conformance.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerAdminCommands } from './commands/fleet-admin.js';
import { registerInitCommand } from './commands/init.js';
import { registerMcpCommand } from './commands/mcp.js';
import { registerPruneCommand } from './commands/prune.js';
import { registerSandboxCommand } from './commands/sandbox.js';
import { registerServeModelCommand } from './commands/serve-model.js';
import { registerStartCommand } from './commands/start.js';
import { registerTaskCommands } from './commands/tasks.js';
import { registerBranchCommands } from './commands/branches.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerWatchCommand } from './commands/watch.js';
import { registerWorkerCommand } from './commands/worker.js';
import { packageVersion } from './version.js';

export function buildProgram(): Command {
  const root = new Command('codex')
    .description('codex fleet: a supervised, sandboxed, budgeted fleet of specialist coding agents.')
    .version(packageVersion(), '-V, --version')
    .showSuggestionAfterError()
    .addHelpText('after', '\nAny command takes --debug (or CODEX_FLEET_DEBUG=1) to show the stack trace of an error.\n\nExample:\n  $ codex fleet validate agents/\n  $ codex fleet --help');

  const fleet = root
    .command('fleet')
    .description('Run and manage a fleet of specialist agents (see "codex fleet <command> --help").')
    .showSuggestionAfterError()
    .addHelpText('after', '\nExamples:\n  $ codex fleet init\n  $ codex fleet validate\n  $ codex-fleet validate agents/');

  registerInitCommand(fleet);
  registerValidateCommand(fleet);
  registerDemoCommand(fleet);
  registerStartCommand(fleet);
  registerWatchCommand(fleet);
  registerTaskCommands(fleet);
  registerBranchCommands(fleet);
  registerAdminCommands(fleet);
  registerPruneCommand(fleet);
  registerSandboxCommand(fleet);
  registerWorkerCommand(fleet);
  registerConformanceCommand(fleet);
  registerServeModelCommand(fleet);
  registerMcpCommand(fleet);
  return root;
}
