/** The role plugins that ship with codex fleet, named in specs as `plugin: builtin:<name>`. */
import { join } from 'node:path';
import { packageRoot } from '../sandbox/paths.js';

export const BUILTIN_PLUGINS = Object.freeze(['patch-bot', 'test-writer-bot', 'doc-bot'] as const);
export type BuiltinPlugin = (typeof BUILTIN_PLUGINS)[number];

export function isBuiltinPlugin(name: string): name is BuiltinPlugin {
  return (BUILTIN_PLUGINS as readonly string[]).includes(name);
}

/**
 * Absolute path of a built-in plugin: its one-file bundle in the package's `dist/bots/` (made by
 * `npm run build`, scripts/bundle-worker.mjs; also when codex fleet runs from source, as the worker
 * runner does: workers always run built code).
 */
export function builtinPluginPath(name: BuiltinPlugin): string {
  return join(packageRoot(), 'dist', 'bots', `${name}.js`);
}
