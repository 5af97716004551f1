/**
 * The MCP server's way to the fleet: one control-socket connection, opened on first use and opened
 * again after the fleet restarts, so the server can be started before the fleet and outlive it.
 */
import { ControlClient } from '../control/client.js';
import { Subscribe, type FleetEvent } from '../control/methods.js';
import type { ParamsOf, RequestType, ResultOf } from '../protocol/method.js';
import type { RequestOptions } from '../rpc/connection.js';
import type { StatePaths } from '../supervisor/state-dir.js';

const CLIENT_NAME = 'codex-fleet-mcp';

export class FleetLink {
  private client: Promise<ControlClient> | undefined;

  constructor(readonly paths: StatePaths) {}

  /** The connection, opened now if there is none (rejects with `NoFleetError` when no fleet runs). */
  private connection(): Promise<ControlClient> {
    if (this.client === undefined) {
      const opening = ControlClient.connect(this.paths, CLIENT_NAME);
      this.client = opening;
      opening.then(
        (client) => void client.closed().then(() => { if (this.client === opening) this.client = undefined; }),
        () => { if (this.client === opening) this.client = undefined; },
      );
    }
    return this.client;
  }

  async request<T extends RequestType>(type: T, params: ParamsOf<T>, options?: RequestOptions): Promise<ResultOf<T>> {
    return (await this.connection()).request(type, params, options);
  }

  /**
   * A connection of its own that receives every fleet event (for progress while a client waits);
   * close it with the returned function.
   */
  async subscribe(listener: (event: FleetEvent) => void): Promise<() => void> {
    const client = await ControlClient.connect(this.paths, `${CLIENT_NAME}-events`);
    client.onEvent(listener);
    await client.request(Subscribe, {});
    return () => client.close();
  }

  close(): void {
    const client = this.client;
    this.client = undefined;
    void client?.then((c) => c.close(), () => undefined);
  }
}
