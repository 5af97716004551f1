/**
 * `codex fleet worker --plugin FILE`: runs the Node worker runner on this process's stdio, the same
 * runner the supervisor starts (`scripts/agent-worker.ts`), so anyone can talk to a plugin by hand or
 * point the conformance kit at it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../errors.js';

export function registerWorkerCommand(fleet: Command): void {
  fleet
    .command('worker')
    .description('Run a role plugin as a worker speaking JSON-RPC 2.0 on stdin/stdout (docs/protocol.md).')
    .requiredOption('--plugin <file>', 'the plugin module (a JavaScript ES module)')
    .addHelpText(
      'after',
      '\nDiagnostics go to stderr. Exit status: 0 after "shutdown" then "exit", 1 when stdin closes first.\n\n' +
        'Examples:\n' +
        '  $ codex fleet worker --plugin examples/echo-bot/plugin.js\n' +
        '  $ codex fleet conformance -- codex fleet worker --plugin examples/echo-bot/plugin.js',
    )
    .action(async (options: { plugin: string }) => {
      const pluginPath = resolve(options.plugin);
      if (!existsSync(pluginPath)) throw new CliError(`Cannot find plugin "${options.plugin}": no such file (looked at ${pluginPath})`);
      // Loaded lazily: the rest of the CLI does not pay for the runner, and the runner loads no CLI code.
      const [{ startWorker }, { stdioTransport }] = await Promise.all([
        import('../../worker/runner.js'),
        import('../../rpc/stream-transport.js'),
      ]);
      const worker = startWorker({ transport: stdioTransport(), pluginPath });
      const onTerm = (): void => process.exit(143);
      process.once('SIGTERM', onTerm);
      const code = await worker.done;
      process.off('SIGTERM', onTerm);
      await new Promise<void>((done) => process.stdout.write('', () => done()));
      process.exit(code);
    });
}
