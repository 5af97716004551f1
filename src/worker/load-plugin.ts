/**
 * Loads a role plugin module: its default export (or `plugin` export) is a {@link WorkerPlugin} or a
 * function returning one.
 *
 * @example
 * ```ts
 * const plugin = await loadPlugin('/abs/path/examples/echo-bot/plugin.js');
 * ```
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkerPlugin } from './plugin.js';

export class PluginLoadError extends Error {
  override readonly name = 'PluginLoadError';
  readonly code = 'CODEX_FLEET_PLUGIN_LOAD';
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot load plugin ${JSON.stringify(path)}: ${detail}`, options);
  }
}

export async function loadPlugin(path: string): Promise<WorkerPlugin> {
  const file = isAbsolute(path) ? path : resolve(path);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new PluginLoadError(path, (err as Error).message ?? String(err), { cause: err });
  }
  let candidate = mod.default ?? mod.plugin;
  if (typeof candidate === 'function') candidate = await (candidate as () => unknown)();
  if (typeof candidate !== 'object' || candidate === null || typeof (candidate as WorkerPlugin).onTask !== 'function') {
    throw new PluginLoadError(path, 'its default export must be a plugin object with an onTask(task, ctx) method (see definePlugin)');
  }
  return candidate as WorkerPlugin;
}
