/** The role plugins that ship with codex fleet, named in specs as `plugin: builtin:<name>`. */
import { fileURLToPath } from 'node:url';

export const BUILTIN_PLUGINS = Object.freeze(['patch-bot', 'test-writer-bot', 'doc-bot'] as const);
export type BuiltinPlugin = (typeof BUILTIN_PLUGINS)[number];

export function isBuiltinPlugin(name: string): name is BuiltinPlugin {
  return (BUILTIN_PLUGINS as readonly string[]).includes(name);
}

/** Absolute path of a built-in plugin's compiled module. */
export function builtinPluginPath(name: BuiltinPlugin): string {
  return fileURLToPath(new URL(`../bots/${name}.js`, import.meta.url));
}
