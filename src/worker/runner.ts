/**
 * The worker runner: serves the supervisor-to-worker half of docs/protocol.md on a transport and hands
 * tasks to a role plugin. It opens no socket, starts no process and loads nothing from the supervisor,
 * the CLI or the UI (test/worker/module-graph.test.ts guards that).
 *
 * Lifecycle: `new` → (initialize) → `ready` → (shutdown) → `shut-down` → (exit). Closing stdin without
 * `shutdown` also ends it (status 1), after cancelling running tasks and calling the plugin's `shutdown`.
 *
 * @example
 * ```ts
 * const worker = startWorker({ transport: stdioTransport(), pluginPath: 'bot.js' });
 * process.exitCode = await worker.done;
 * ```
 */
import { basename } from 'node:path';
import { ErrorCodes } from '../protocol/error-codes.js';
import { Exit, Initialize, Ping, Shutdown, type InitializeParams, type InitializeResult } from '../protocol/lifecycle.js';
import { TaskDeadline, TaskRun, type TaskResult } from '../protocol/task.js';
import { KILL_GRACE, PROTOCOL_VERSION, isCompatibleVersion } from '../protocol/version.js';
import { Connection, type RequestContext } from '../rpc/connection.js';
import { RpcError } from '../rpc/errors.js';
import type { Transport } from '../rpc/transport.js';
import { isConformanceTask, runConformanceTask } from './conformance-tasks.js';
import { TaskCancellation, TaskContextImpl, WorkerContextImpl } from './context.js';
import { loadPlugin } from './load-plugin.js';
import type { WorkerPlugin } from './plugin.js';

export type WorkerState = 'new' | 'initializing' | 'ready' | 'shutting-down' | 'shut-down' | 'exited';

export interface RunnerOptions {
  readonly transport: Transport;
  /** Plugin module path (from `--plugin`); wins over `initialize`'s `plugin`. */
  readonly pluginPath?: string;
  /** An already loaded plugin (tests, embedding). */
  readonly plugin?: WorkerPlugin;
  /** Where diagnostics go. Default: stderr. */
  readonly diagnostics?: (line: string) => void;
  /** How long `shutdown` waits for cancelled tasks and the plugin's `shutdown()`. Default 5 s. */
  readonly shutdownGraceMs?: number;
}

export interface RunningWorker {
  readonly connection: Connection;
  readonly state: () => WorkerState;
  /** Resolves with the exit status once the worker is done: 0 after `shutdown` + `exit`, else 1. */
  readonly done: Promise<number>;
}

interface RunningTask {
  readonly ctx: TaskContextImpl;
  readonly cancellation: TaskCancellation;
  readonly work: Promise<unknown>;
}

const RUNNER_NAME = 'codex-fleet-node-runner';

/** Serves the protocol on `options.transport` until `exit` or the end of input. */
export function startWorker(options: RunnerOptions): RunningWorker {
  const say = options.diagnostics ?? ((line: string) => process.stderr.write(`${line}\n`));
  const graceMs = options.shutdownGraceMs ?? KILL_GRACE.shutdownMs;
  const conn = new Connection(options.transport);
  let state: WorkerState = 'new';
  let plugin: WorkerPlugin | undefined = options.plugin;
  let init: InitializeParams | undefined;
  const running = new Map<string | number, RunningTask>();
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let pluginShutdown: Promise<void> | undefined;
  let initializing: Promise<unknown> | undefined;

  const stopPlugin = (): Promise<void> =>
    (pluginShutdown ??= (async () => {
      for (const t of running.values()) t.cancellation.abort(new RpcError(ErrorCodes.ShuttingDown, 'The worker is shutting down'));
      await withTimeout(Promise.allSettled([...running.values()].map((t) => t.work)), graceMs);
      if (plugin?.shutdown !== undefined && init !== undefined) {
        try {
          await withTimeout(Promise.resolve(plugin.shutdown()), graceMs);
        } catch (err) {
          say(`worker: plugin shutdown failed: ${(err as Error).message ?? String(err)}`);
        }
      }
    })());

  const exit = (code: number): void => {
    if (state === 'exited') return;
    state = 'exited';
    finish(code);
    void conn.close('the worker exited');
  };

  conn.onRequest(Ping, () => ({}));

  conn.onRequest(Initialize, async (params): Promise<InitializeResult> => {
    if (state !== 'new') throw new RpcError(ErrorCodes.InvalidRequest, '"initialize" was already received');
    if (!isCompatibleVersion(params.protocol_version)) {
      throw new RpcError(
        ErrorCodes.UnsupportedProtocolVersion,
        `Unsupported protocol version "${params.protocol_version}": this worker speaks ${PROTOCOL_VERSION}`,
        { supported: [PROTOCOL_VERSION] },
      );
    }
    state = 'initializing';
    let initDone: () => void = () => undefined;
    initializing = new Promise<void>((resolve) => (initDone = resolve));
    try {
      const path = options.pluginPath ?? params.plugin;
      if (plugin === undefined) {
        if (path === undefined) throw new Error('no plugin: pass --plugin FILE or "plugin" in the initialize params');
        plugin = await loadPlugin(path);
      }
      init = params;
      await plugin.init?.(new WorkerContextImpl(conn, params));
    } catch (err) {
      state = 'new';
      plugin = options.plugin;
      init = undefined;
      throw new RpcError(ErrorCodes.PluginFailed, `Plugin failed: ${(err as Error).message ?? String(err)}`, {
        message: (err as Error).message ?? String(err),
      });
    } finally {
      // Tasks queued behind the handshake resume after its response has been written.
      setImmediate(initDone);
    }
    state = 'ready';
    const name = plugin.name ?? (options.pluginPath ?? params.plugin ? basename(options.pluginPath ?? params.plugin ?? '') : 'plugin');
    return {
      protocol_version: PROTOCOL_VERSION,
      worker: { name: `${RUNNER_NAME}/${name}`, ...(plugin.version === undefined ? {} : { version: plugin.version }), language: 'node' },
      capabilities: { concurrency: plugin.concurrency ?? 1, cancellation: true, conformance: true },
    };
  });

  conn.onRequest(TaskRun, async (params, request: RequestContext): Promise<TaskResult> => {
    // A task sent right behind `initialize` waits for the handshake to finish.
    if (state === 'initializing') await initializing;
    if (state === 'new' || state === 'initializing') throw new RpcError(ErrorCodes.NotInitialized, 'Not initialized: send "initialize" first');
    if (state !== 'ready' || plugin === undefined || init === undefined) {
      throw new RpcError(ErrorCodes.ShuttingDown, 'The worker is shutting down');
    }
    const limit = plugin.concurrency ?? 1;
    if (running.size >= limit) throw new RpcError(ErrorCodes.Busy, `Busy: already running ${running.size} of ${limit} tasks`);
    const { task } = params;
    const cancellation = new TaskCancellation();
    request.onCancel(() => cancellation.abort(new RpcError(ErrorCodes.RequestCancelled, 'Request cancelled')));
    const ctx = new TaskContextImpl(conn, init, task, request, cancellation);
    let work: Promise<unknown>;
    try {
      work = isConformanceTask(task) ? runConformanceTask(task, ctx) : Promise.resolve(plugin.onTask(task, ctx));
    } catch (err) {
      work = Promise.reject(err as Error);
    }
    running.set(request.id, { ctx, cancellation, work });
    try {
      const output = await work;
      return ctx.summary === undefined ? { output: output ?? null } : { output: output ?? null, summary: ctx.summary };
    } catch (err) {
      throw taskError(err, cancellation);
    } finally {
      running.delete(request.id);
    }
  });

  conn.onRequest(Shutdown, async () => {
    if (state === 'new') throw new RpcError(ErrorCodes.NotInitialized, 'Not initialized: send "initialize" first');
    if (state === 'initializing') await initializing;
    if (state === 'shut-down') return null;
    state = 'shutting-down';
    await stopPlugin();
    state = 'shut-down';
    return null;
  });

  conn.onNotification(Exit, () => exit(state === 'shut-down' ? 0 : 1));

  conn.onNotification(TaskDeadline, (params) => {
    for (const t of running.values()) if (t.ctx.task.id === params.task_id) t.ctx.deadlineMs = params.deadline_ms;
  });

  conn.on('close', () => {
    if (state === 'exited') return;
    // The supervisor closed our input: finish what is in flight (tasks are cancelled), answer, leave.
    void (async () => {
      if (state === 'initializing') await initializing;
      await stopPlugin();
      await withTimeout(conn.drain(), graceMs);
      exit(state === 'shut-down' ? 0 : 1);
    })();
  });
  conn.on('error', (err) => say(`worker: ${err.message}`));

  conn.start().catch((err: Error) => {
    say(`worker: cannot start: ${err.message}`);
    exit(1);
  });
  return { connection: conn, state: () => state, done };
}

/**
 * An `RpcError` from another copy of the RPC module (a plugin loaded beside the bundled runner, such as
 * the built-in bots, has its own) as this module's class; anything else as it is.
 */
function asRpcError(err: unknown): unknown {
  if (err instanceof RpcError || !(err instanceof Error) || err.name !== 'RpcError') return err;
  const { code, data } = err as Error & { code?: unknown; data?: unknown };
  return Number.isInteger(code) ? new RpcError(code as number, err.message, data) : err;
}

/** The wire error for a failed task. */
function taskError(thrown: unknown, cancellation: TaskCancellation): RpcError {
  const err = asRpcError(thrown);
  if (err instanceof RpcError) {
    // Our own range passes through (BudgetExceeded, ExecNotAllowed, …); a standard code would be misread
    // as a problem with the task/run request itself.
    if (err.code <= -32000 && err.code >= -32099) return err;
    return new RpcError(ErrorCodes.TaskFailed, `Task failed: ${err.message}`, { message: err.message, code: err.code });
  }
  if (cancellation.cancelled) {
    const reason: unknown = cancellation.reason;
    if (reason instanceof RpcError) return reason;
    return new RpcError(ErrorCodes.RequestCancelled, 'Request cancelled');
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return new RpcError(ErrorCodes.TaskFailed, `Task failed: ${e.message}`, {
    message: e.message,
    name: e.name,
    ...(e.stack === undefined ? {} : { stack: e.stack.split('\n').slice(0, 12).join('\n') }),
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    timer.unref?.();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e as Error);
      },
    );
  });
}
