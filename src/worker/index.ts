/**
 * The worker side: the plugin API and the runner. Loaded inside the sandbox; imports only the protocol
 * and the RPC layer.
 *
 * @example
 * ```ts
 * import { startWorker, stdioTransport } from './index.js';
 * ```
 */
export * from './plugin.js';
export { startWorker, type RunnerOptions, type RunningWorker, type WorkerState } from './runner.js';
export { loadPlugin, PluginLoadError } from './load-plugin.js';
export { stdioTransport } from '../rpc/stream-transport.js';
