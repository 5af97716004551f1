/**
 * The Node worker runner: `node dist/scripts/agent-worker.js --plugin FILE`.
 *
 * Speaks docs/protocol.md on stdin/stdout and writes diagnostics to stderr. Runs inside the agent's
 * sandbox: it opens no socket and starts no process. Exit status: 0 after `shutdown` then `exit`, 1 when
 * the supervisor went away without them, 2 for bad arguments, 143 on SIGTERM.
 */
import { parseArgs } from 'node:util';
import { stdioTransport } from '../src/rpc/stream-transport.js';
import { startWorker } from '../src/worker/runner.js';

const USAGE = `Usage: agent-worker --plugin FILE

Runs a codex fleet role plugin as a worker speaking JSON-RPC 2.0 on stdio (docs/protocol.md).

Example:
  $ node dist/scripts/agent-worker.js --plugin examples/echo-bot/plugin.js
`;

function main(): void {
  let pluginPath: string | undefined;
  try {
    const { values } = parseArgs({ options: { plugin: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help === true) {
      process.stdout.write(USAGE);
      return;
    }
    pluginPath = values.plugin;
  } catch (err) {
    process.stderr.write(`agent-worker: ${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const worker = startWorker({ transport: stdioTransport(), ...(pluginPath === undefined ? {} : { pluginPath }) });
  process.once('SIGTERM', () => {
    process.stderr.write('agent-worker: SIGTERM, exiting\n');
    process.exit(143);
  });
  void worker.done.then((code) => {
    // Let stdout flush, then leave even if the plugin left timers or handles behind.
    process.stdout.write('', () => process.exit(code));
  });
}

main();
