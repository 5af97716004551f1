/** `codex fleet serve-model --script FILE`: a local OpenAI-compatible server that answers from a script. */
import { InvalidArgumentError, type Command } from 'commander';
import type { ModelServer } from '../../model-server/index.js';
import { CliError } from '../errors.js';

interface ServeOptions {
  script: string;
  port: number;
  host: string;
  log?: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  return port;
}

export function registerServeModelCommand(fleet: Command): void {
  fleet
    .command('serve-model')
    .description('Serve recorded model replies over the OpenAI API (chat completions, responses, models) for tests and offline use.')
    .requiredOption('--script <file>', 'the replies to serve, YAML or JSON (see docs/model-server.md)')
    .option('--port <n>', 'port to listen on; 0 picks a free one', parsePort, 0)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--log <file>', 'write one JSON line per request served (emptied at start)')
    .addHelpText(
      'after',
      '\nThe first line printed is OPENAI_BASE_URL=<url>; the server runs until Ctrl-C or SIGTERM.\n\n' +
        'Examples:\n  $ codex fleet serve-model --script replies.yaml --port 8931\n' +
        '  $ codex fleet serve-model --script replies.json --log /tmp/model-requests.jsonl',
    )
    .action(async (options: ServeOptions) => {
      // Loaded here, not at the top: every other command's start-up stays as fast as before.
      const { ModelScriptError, startModelServer } = await import('../../model-server/index.js');
      let server: ModelServer;
      try {
        server = await startModelServer({
          script: options.script,
          port: options.port,
          host: options.host,
          ...(options.log !== undefined && { logFile: options.log }),
        });
      } catch (error) {
        if (error instanceof ModelScriptError) {
          for (const d of error.diagnostics) process.stderr.write(`${d.toString()}\n`);
          throw new CliError(`Not serving: fix the script above (${error.diagnostics.length} ${error.diagnostics.length === 1 ? 'problem' : 'problems'})`);
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
          throw new CliError(`Cannot listen on ${options.host}:${options.port} (${code}): pick another --port or --host`);
        }
        throw error;
      }
      const replies = server.script.replies.length;
      process.stdout.write(`OPENAI_BASE_URL=${server.url}\n`);
      process.stdout.write(
        `Serving ${replies} ${replies === 1 ? 'reply' : 'replies'} from ${server.script.file}` +
          (server.script.models.length > 0 ? ` (models: ${server.script.models.join(', ')})` : '') +
          (options.log !== undefined ? `; logging requests to ${options.log}` : '') +
          '\n',
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
      const served = server.requests().length;
      const unused = server.unusedReplies();
      process.stdout.write(
        `Stopped after ${served} ${served === 1 ? 'request' : 'requests'}` +
          (unused.length > 0 ? `; replies never used: ${unused.join(', ')}` : '') +
          '\n',
      );
    });
}
