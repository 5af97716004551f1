// Bundles the Node worker runner (dist/scripts/agent-worker.js and everything it imports) into one
// file, dist/scripts/agent-worker.bundle.js, which is what the supervisor starts in each sandbox. One
// file instead of a few hundred modules halves a worker's start-up time. Run by `npm run build`.
//
// The built-in bots are bundled the same way, each into one file, dist/bots/<bot>.js (what
// `plugin: builtin:<bot>` loads): one file loads faster, and a plugin the sandbox user cannot read where
// it is installed is copied for it as that one file (src/sandbox/stage.ts), which must hold all its code.
import { build } from 'esbuild';

const BOTS = ['patch-bot', 'test-writer-bot', 'doc-bot'];

const started = Date.now();
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', legalComments: 'inline' };
await build({ ...common, entryPoints: ['dist/scripts/agent-worker.js'], outfile: 'dist/scripts/agent-worker.bundle.js' });
await build({
  ...common,
  entryPoints: Object.fromEntries(BOTS.map((bot) => [bot, `dist/src/bots/${bot}.js`])),
  outdir: 'dist/bots',
  // Runtime dependencies the sandbox grants (RUNNER_DEPENDENCIES in src/sandbox/policy.ts) stay imports.
  packages: 'external',
});
console.log(`codex-fleet: bundled the worker runner and the built-in bots in ${Date.now() - started} ms`);
