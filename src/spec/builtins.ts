/** The role plugins that ship with codex fleet, named in specs as `plugin: builtin:<name>`. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BUILTIN_PLUGINS = Object.freeze(['patch-bot', 'test-writer-bot', 'doc-bot'] as const);
export type BuiltinPlugin = (typeof BUILTIN_PLUGINS)[number];

export function isBuiltinPlugin(name: string): name is BuiltinPlugin {
  return (BUILTIN_PLUGINS as readonly string[]).includes(name);
}

/**
 * Absolute path of a built-in plugin's compiled module: next to this module in dist/, or, when codex
 * fleet runs from its TypeScript sources (its own tests), the compiled copy under dist/.
 */
export function builtinPluginPath(name: BuiltinPlugin): string {
  const compiled = fileURLToPath(new URL(`../bots/${name}.js`, import.meta.url));
  if (existsSync(compiled)) return compiled;
  return fileURLToPath(new URL(`../../dist/src/bots/${name}.js`, import.meta.url));
}
