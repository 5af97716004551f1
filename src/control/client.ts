/**
 * The client end of the control socket: what the CLI uses, and what any program driving a fleet can use.
 *
 * @example
 * ```ts
 * const client = await ControlClient.connect(new StatePaths(resolveStateDir()));
 * const { task } = await client.request(Submit, { agent: 'echo-bot', input: { text: 'hi' } });
 * client.close();
 * ```
 */
import { connect } from 'node:net';
import type { ParamsOf, RequestType, ResultOf } from '../protocol/method.js';
import { Connection, type RequestOptions } from '../rpc/connection.js';
import { StreamTransport } from '../rpc/stream-transport.js';
import type { StatePaths } from '../supervisor/state-dir.js';
import { checkStateDir, readStateFile, UnsafeStateDirError } from '../supervisor/state-dir-check.js';
import { CONTROL_MAX_DEPTH, EventNotification, Hello, type FleetEvent } from './methods.js';

/** No supervisor answers on the state directory's socket. */
export class NoFleetError extends Error {
  readonly code = 'CODEX_FLEET_NOT_RUNNING';
  constructor(readonly stateDir: string) {
    super(`No fleet is running on ${stateDir}: start one with "codex fleet start" (in the same project, or with the same --state-dir)`);
    this.name = 'NoFleetError';
  }
}

export class ControlClient {
  private constructor(private readonly connection: Connection) {}

  static async connect(paths: StatePaths, clientName = 'codex-fleet'): Promise<ControlClient> {
    let token: string;
    try {
      checkStateDir(paths.dir); // a token or socket planted by someone else must not be trusted
      token = readStateFile(paths.token).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NoFleetError(paths.dir);
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new Error(`Refusing the control token ${paths.token}: it is a symbolic link`);
      if (error instanceof UnsafeStateDirError) throw error;
      throw new Error(`Cannot read the fleet's control token ${paths.token}: ${(error as Error).message}`);
    }
    const socket = connect(paths.socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? new NoFleetError(paths.dir) : error),
      );
    });
    socket.on('error', () => socket.destroy());
    const connection = new Connection(new StreamTransport(socket, socket, { maxDepth: CONTROL_MAX_DEPTH }));
    await connection.start();
    const client = new ControlClient(connection);
    await client.request(Hello, { token, client: clientName });
    return client;
  }

  request<T extends RequestType>(type: T, params: ParamsOf<T>, options?: RequestOptions): Promise<ResultOf<T>> {
    return this.connection.request(type, params, options);
  }

  /** Calls `listener` for each `fleet/event` (after `events/subscribe`). */
  onEvent(listener: (event: FleetEvent) => void): void {
    this.connection.onNotification(EventNotification, (params) => listener(params.event));
  }

  /** Resolves when the supervisor closes the connection (e.g. it stopped). */
  closed(): Promise<void> {
    return new Promise((resolve) => {
      if (this.connection.closed) resolve();
      else this.connection.on('close', () => resolve());
    });
  }

  close(): void {
    void this.connection.close();
  }
}
