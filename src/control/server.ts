/**
 * The supervisor's end of the control socket: a Unix socket (mode 0600) in the state directory. Each
 * connection must first prove it can read `control.token` (mode 0600, in a directory no sandbox can
 * read) with `fleet/hello`; sandboxed workers have no sockets at all, and commands run for them cannot
 * read the token, so nothing sandboxed can drive the fleet.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, lstatSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { RequestType, ParamsOf, ResultOf } from '../protocol/method.js';
import { Connection } from '../rpc/connection.js';
import { RpcError } from '../rpc/errors.js';
import { StreamTransport } from '../rpc/stream-transport.js';
import type { StatePaths } from '../supervisor/state-dir.js';
import { writeFreshFile } from '../supervisor/state-dir-check.js';
import {
  CancelTask,
  CONTROL_MAX_DEPTH,
  ControlErrorCodes,
  EventNotification,
  GetTask,
  Hello,
  KillAgent,
  ListTasks,
  PauseAgent,
  ResumeAgent,
  Cost,
  Status,
  StopFleet,
  Submit,
  Subscribe,
  WaitTask,
  type AgentStatus,
  type FleetEvent,
  type FleetStatus,
  type TaskView,
  PruneTasks,
  ReadTask,
} from './methods.js';

/** What the supervisor provides to the control API. */
export interface ControlHandlers {
  readonly version: string;
  status(): FleetStatus;
  submit(agent: string, input: unknown, kind?: string): Promise<ResultOf<typeof Submit>>;
  getTask(id: string): TaskView;
  listTasks(filter: ParamsOf<typeof ListTasks>): ResultOf<typeof ListTasks>;
  readTask(params: ParamsOf<typeof ReadTask>): ResultOf<typeof ReadTask>;
  prune(params: ParamsOf<typeof PruneTasks>): ResultOf<typeof PruneTasks>;
  waitTask(id: string, timeoutMs: number | undefined, signal: AbortSignal): Promise<TaskView>;
  cancelTask(id: string): Promise<TaskView>;
  pause(agent: string): AgentStatus;
  resume(agent: string, budget?: { budget_usd?: number; add_usd?: number }): AgentStatus;
  cost(by: 'agent' | 'model' | 'task', agent: string | undefined): ResultOf<typeof Cost>;
  kill(agent: string): Promise<AgentStatus>;
  stop(now: boolean): void;
  /** Calls `listener` for every fleet event until the returned function is called. */
  subscribe(listener: (event: FleetEvent) => void): () => void;
}

/** A client that sends this many bad messages is disconnected. */
const MAX_VIOLATIONS = 20;
/** A client that sends this many requests without authenticating is disconnected. */
const MAX_UNAUTHORIZED = 10;
/**
 * Replies and events that may wait for a client that does not read them, beyond the one reply that filled
 * the socket; past this the client is dropped (with a log line), so clients that never read cannot grow
 * the supervisor's memory.
 */
export const MAX_QUEUED_BYTES = 1024 * 1024;

export class ControlServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private token = '';

  constructor(
    private readonly paths: StatePaths,
    private readonly handlers: ControlHandlers,
    /** Where the server says what it did to a client (e.g. dropped one that does not read). */
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** Writes a fresh token and listens. Call only while holding the supervisor lock. */
  async listen(): Promise<void> {
    this.token = randomBytes(32).toString('hex');
    writeFreshFile(this.paths.token, `${this.token}\n`);
    // Any socket file left here belongs to a dead supervisor: we hold the lock.
    rmSync(this.paths.socket, { force: true });
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.paths.socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(this.paths.socket, 0o600);
    this.files = { token: inode(this.paths.token), socket: inode(this.paths.socket) };
  }

  /** The inodes of the token and socket this server created (see {@link stillOurs}). */
  private files: { token: number | undefined; socket: number | undefined } = { token: undefined, socket: undefined };

  /** Whether the token and socket files in the state directory are still the ones this server made. */
  stillOurs(): boolean {
    return this.files.token !== undefined && inode(this.paths.token) === this.files.token && inode(this.paths.socket) === this.files.socket;
  }

  /**
   * Removes the token and the socket file first, then drops the connections: a client that sees its
   * connection close can tell a clean stop (no token left) from a supervisor that died.
   */
  async close(): Promise<void> {
    // Only our own files: after the state directory was replaced they may be another supervisor's.
    if (this.files.token !== undefined && inode(this.paths.token) === this.files.token) rmSync(this.paths.token, { force: true });
    if (this.files.socket !== undefined && inode(this.paths.socket) === this.files.socket) rmSync(this.paths.socket, { force: true });
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const connection = new Connection(new StreamTransport(socket, socket, { maxQueuedBytes: MAX_QUEUED_BYTES, maxDepth: CONTROL_MAX_DEPTH }));
    connection.on('close', () => socket.destroy());
    let authed = false;
    let unauthorized = 0;
    let unsubscribe: (() => void) | undefined;
    connection.on('violation', (violation) => {
      if (violation.total >= MAX_VIOLATIONS) socket.destroy();
    });
    connection.on('close', () => unsubscribe?.());
    connection.on('error', (error) => {
      // The transport failed, e.g. more than MAX_QUEUED_BYTES wait for a client that does not read.
      if (/not reading/.test(error.message)) this.log(`dropped a control client that does not read its replies: ${error.message}`);
      socket.destroy();
    });

    const guarded = <T extends RequestType>(type: T, handler: (params: ParamsOf<T>, signal: AbortSignal) => ResultOf<T> | Promise<ResultOf<T>>): void => {
      connection.onRequest(type, (params, ctx) => {
        if (!authed) {
          unauthorized += 1;
          if (unauthorized > MAX_UNAUTHORIZED) socket.destroy();
          throw new RpcError(ControlErrorCodes.Unauthorized, 'Send fleet/hello with the token from the state directory first');
        }
        return handler(params, ctx.signal);
      });
    };

    connection.onRequest(Hello, (params) => {
      const given = Buffer.from(params.token);
      const expected = Buffer.from(this.token);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new RpcError(ControlErrorCodes.Unauthorized, 'Wrong control token');
      }
      authed = true;
      return { pid: process.pid, version: this.handlers.version, state_dir: this.paths.dir };
    });
    guarded(Status, () => this.handlers.status());
    guarded(Submit, (p) => this.handlers.submit(p.agent, p.input, p.kind));
    guarded(ReadTask, (p) => this.handlers.readTask(p));
    guarded(PruneTasks, (p) => this.handlers.prune(p));
    guarded(GetTask, (p) => ({ task: this.handlers.getTask(p.id) }));
    guarded(ListTasks, (p) => this.handlers.listTasks(p));
    guarded(WaitTask, async (p, signal) => ({
      task: await this.handlers.waitTask(p.id, p.timeout_s === undefined ? undefined : p.timeout_s * 1000, signal),
    }));
    guarded(CancelTask, async (p) => ({ task: await this.handlers.cancelTask(p.id) }));
    guarded(PauseAgent, (p) => ({ agent: this.handlers.pause(p.agent) }));
    guarded(ResumeAgent, (p) => ({
      agent: this.handlers.resume(p.agent, {
        ...(p.budget_usd === undefined ? {} : { budget_usd: p.budget_usd }),
        ...(p.add_usd === undefined ? {} : { add_usd: p.add_usd }),
      }),
    }));
    guarded(Cost, (p) => this.handlers.cost(p.by ?? 'agent', p.agent));
    guarded(KillAgent, async (p) => ({ agent: await this.handlers.kill(p.agent) }));
    guarded(StopFleet, (p) => {
      // Answer first, then stop: the client hears that the request was taken.
      setImmediate(() => this.handlers.stop(p.now ?? false));
      return {};
    });
    guarded(Subscribe, () => {
      unsubscribe ??= this.handlers.subscribe((event) => {
        connection.sendNotification(EventNotification.method, { event }).catch(() => socket.destroy());
      });
      return {};
    });
    connection.start().catch(() => socket.destroy());
  }
}

function inode(path: string): number | undefined {
  try {
    return lstatSync(path).ino;
  } catch {
    return undefined;
  }
}
