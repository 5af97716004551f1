/**
 * The worker protocol (docs/protocol.md): the single source of its types, schemas, methods and error
 * codes. Pure: imports nothing from Node, so any side (and any tool) can load it.
 *
 * @example
 * ```ts
 * import { TaskRun, PROTOCOL_VERSION, ErrorCodes } from './index.js';
 * console.log(TaskRun.method, PROTOCOL_VERSION, ErrorCodes.TaskFailed);
 * ```
 */
export * from './version.js';
export * from './error-codes.js';
export * from './jsonrpc.js';
export * from './method.js';
export * from './lifecycle.js';
export * from './task.js';
export * from './services.js';
export * from './repo.js';
export * from './methods.js';
export * from './validate.js';
