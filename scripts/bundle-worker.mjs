// Bundles the Node worker runner (dist/scripts/agent-worker.js and everything it imports) into one
// file, dist/scripts/agent-worker.bundle.js, which is what the supervisor starts in each sandbox. One
// file instead of a few hundred modules halves a worker's start-up time. Run by `npm run build`.
import { build } from 'esbuild';

const started = Date.now();
await build({
  entryPoints: ['dist/scripts/agent-worker.js'],
  outfile: 'dist/scripts/agent-worker.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'inline',
});
console.log(`codex-fleet: bundled the worker runner in ${Date.now() - started} ms`);
