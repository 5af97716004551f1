/**
 * One run of a worker program under the conformance kit: the child process, a supervisor-side
 * connection with the stub, and a tap for raw lines (messages the kit sends on purpose outside the
 * connection, with ids starting `raw-`).
 *
 * @example
 * ```ts
 * const s = await Session.spawn(['python3', 'worker.py']);
 * const reply = await s.raw('{"jsonrpc":"2.0","id":"raw-1","method":"nope"}', 'raw-1');
 * await s.dispose();
 * ```
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** A fully prepared process launch (program, argv, environment, working directory). */
export interface SessionLaunch {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}
import { Connection } from '../rpc/connection.js';
import { StreamTransport } from '../rpc/stream-transport.js';
import { serveStub, type StubRecord } from './stub.js';

/** Environment variables passed to the worker; everything else is withheld. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'NODE_OPTIONS', 'PYTHONPATH', 'SYSTEMROOT'];

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class Session {
  readonly conn: Connection;
  readonly stub: StubRecord;
  readonly exited: Promise<Exit>;
  #stderr = '';
  #rawWaiters = new Map<string, (msg: unknown) => void>();
  #nullErrors: unknown[] = [];
  #nullWaiters: ((msg: unknown) => void)[] = [];
  #rawReplies: unknown[] = [];

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly transport: StreamTransport,
  ) {
    this.conn = new Connection(transport);
    this.stub = serveStub(this.conn);
    const deliver = transport.onmessage;
    transport.onmessage = (msg) => {
      if (this.#tap(msg)) return;
      deliver?.(msg);
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      this.#stderr = (this.#stderr + d).slice(-8192);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Starts the worker program: `command` bare with a small inherited environment, or exactly as `launch`
   * says (e.g. under the sandbox launcher). Rejects when it cannot be started.
   */
  static async spawn(command: readonly string[], launch?: SessionLaunch): Promise<Session> {
    const [program, ...args] = command;
    if (program === undefined && launch === undefined) throw new Error('No worker command given');
    const env: NodeJS.ProcessEnv = {};
    for (const key of INHERITED_ENV) if (process.env[key] !== undefined) env[key] = process.env[key];
    const child = launch
      ? spawn(launch.file, [...launch.args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...launch.env }, cwd: launch.cwd })
      : spawn(program!, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) => reject(err));
    });
    child.on('error', () => undefined);
    const session = new Session(child, new StreamTransport(child.stdout, child.stdin));
    await session.conn.start();
    return session;
  }

  /** The last 8 KiB the worker wrote to stderr. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Raw replies the tap saw that were neither awaited nor id-null errors (should stay empty). */
  get strayReplies(): readonly unknown[] {
    return this.#rawReplies;
  }

  /** Sends a raw line and waits for the response with `id`. */
  raw(line: string, id: string): Promise<unknown> {
    const reply = new Promise<unknown>((resolve) => this.#rawWaiters.set(id, resolve));
    void this.transport.sendLine(`${line}\n`).catch(() => undefined);
    return reply;
  }

  /** Sends raw text without waiting for anything. */
  send(text: string): Promise<void> {
    return this.transport.sendLine(text);
  }

  /** The next error response with `id: null` (waits for it). */
  nextNullError(): Promise<unknown> {
    const queued = this.#nullErrors.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => this.#nullWaiters.push(resolve));
  }

  /** Id-null errors received and not yet taken. */
  takeNullErrors(): unknown[] {
    return this.#nullErrors.splice(0);
  }

  /** Stops the worker (SIGKILL if still running) and waits for it. */
  async dispose(): Promise<void> {
    await this.conn.close('the conformance kit is done');
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** True when the message was for the kit's raw traffic. */
  #tap(msg: unknown): boolean {
    if (Array.isArray(msg)) {
      for (const m of msg) {
        const key = `batch:${String((m as { id?: unknown } | null)?.id)}`;
        const waiter = this.#rawWaiters.get(key);
        if (waiter !== undefined) {
          this.#rawWaiters.delete(key);
          waiter(msg);
          return true;
        }
      }
      this.#rawReplies.push(msg);
      return true;
    }
    if (typeof msg !== 'object' || msg === null || 'method' in msg) return false;
    const id = (msg as { id?: unknown }).id;
    if (id === null && 'error' in msg) {
      const waiter = this.#nullWaiters.shift();
      if (waiter !== undefined) waiter(msg);
      else this.#nullErrors.push(msg);
      return true;
    }
    if (typeof id === 'string' && id.startsWith('raw-')) {
      const waiter = this.#rawWaiters.get(id);
      if (waiter !== undefined) {
        this.#rawWaiters.delete(id);
        waiter(msg);
      } else {
        this.#rawReplies.push(msg);
      }
      return true;
    }
    return false;
  }

  /** Sends a raw batch line and waits for the array reply that contains a response with id `anyId`. */
  rawBatch(line: string, anyId: string): Promise<unknown> {
    const reply = new Promise<unknown>((resolve) => this.#rawWaiters.set(`batch:${anyId}`, resolve));
    void this.transport.sendLine(`${line}\n`).catch(() => undefined);
    return reply;
  }
}
