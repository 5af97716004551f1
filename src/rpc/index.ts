/**
 * The RPC layer: transports (moving framed messages) and the JSON-RPC 2.0 connection on top.
 *
 * @example
 * ```ts
 * import { Connection, createLinkedPair } from './index.js';
 * const [a, b] = createLinkedPair();
 * const client = new Connection(a);
 * ```
 */
export * from './errors.js';
export * from './transport.js';
export * from './line-reader.js';
export * from './stream-transport.js';
export * from './memory-transport.js';
export * from './connection.js';
export * from './depth.js';
