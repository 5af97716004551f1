/**
 * One worker process: spawned through the sandbox launcher, spoken to over JSON-RPC on its stdio, with
 * an explicit state machine:
 *
 *   starting → ready ⇄ busy → stopping → stopped
 *        ↘ errored (it could not start or crashed; the pool decides about a restart)
 *
 * Stopping follows the protocol's kill sequence: cancel the running task, `shutdown`, `exit`, SIGTERM to
 * the worker's process group, SIGKILL. After a wall-time cancel the sequence is short: one grace period
 * for the whole of it, then SIGKILL (`stopQuickly`). Every timer is unref'd; every pending call is rejected when the
 * process exits.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { ErrorCodes } from '../protocol/error-codes.js';
import { Exit, Initialize, Shutdown } from '../protocol/lifecycle.js';
import { KILL_GRACE, PROTOCOL_VERSION, MAX_LINE_BYTES, negotiatedMinor } from '../protocol/version.js';
import { TaskDeadline, TaskRun, TaskProgress, type TaskProgressParams, type TaskResult } from '../protocol/task.js';
import type { Task } from '../protocol/task.js';
import { Connection } from '../rpc/connection.js';
import { ConnectionClosedError, RequestCancelledError, RpcError } from '../rpc/errors.js';
import { StreamTransport } from '../rpc/stream-transport.js';
import type { SandboxedSpawn } from '../sandbox/launcher.js';
import { describeLauncherExit } from '../sandbox/launcher.js';
import type { AgentSpec } from '../spec/types.js';
import { DiskWatch } from './disk-watch.js';
import { StderrTail } from './stderr-tail.js';
import { foreignTask } from './task-claim.js';

export type WorkerState = 'starting' | 'ready' | 'busy' | 'stopping' | 'stopped' | 'errored';

/** Grace periods of the kill sequence, in ms: the protocol's (docs/protocol.md, "kill"). */
export const KILL_SEQUENCE = KILL_GRACE;

/**
 * After a task passed its wall time: how long its worker has, from the `$/cancelRequest`, to answer
 * `shutdown` and exit before its process group is killed (docs/protocol.md, "kill").
 */
export const WALL_TIME_GRACE_MS = KILL_GRACE.cancelMs;

/**
 * Workers run at this niceness (the supervisor at its own): on a small machine a hundred busy workers
 * would otherwise preempt the supervisor on every pipe write, and its control socket would lag.
 */
export const WORKER_NICE = 10;

function lowerPriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, Math.min(19, getPriority(process.pid) + WORKER_NICE));
  } catch {
    // Gone already, or not permitted: it runs at the supervisor's priority.
  }
}

/** The handshake must complete within this. */
export const INITIALIZE_TIMEOUT_MS = 30_000;

/** A worker that breaks the protocol this often is killed. */
export const MAX_VIOLATIONS = 100;

export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the supervisor asked it to stop. */
  readonly requested: boolean;
  /** One sentence: why it ended. */
  readonly reason: string;
  /** The last lines of its stderr. */
  readonly stderr: string;
  readonly uptimeMs: number;
}

/** How a task run ended. */
export type RunOutcome =
  | { readonly kind: 'done'; readonly result: TaskResult }
  | { readonly kind: 'failed'; readonly error: string }
  /**
   * The worker died, was stopped or passed the wall time while running it: the pool may retry. After a
   * timeout (`timedOut`) the worker may still be running the task: it stays busy until the pool stops it.
   */
  | { readonly kind: 'lost'; readonly error: string; readonly timedOut?: true };

export interface WorkerOptions {
  readonly agent: AgentSpec;
  readonly index: number;
  readonly spawn: SandboxedSpawn;
  readonly workspace: string;
  readonly pluginPath?: string;
  readonly supervisorVersion: string;
  /** Registers the worker → supervisor services (model, exec, commit, log) on its connection. */
  readonly serve: (connection: Connection, worker: WorkerHandle) => void;
  readonly onStateChange: (worker: WorkerHandle, state: WorkerState) => void;
  readonly onExit: (worker: WorkerHandle, exit: WorkerExit) => void;
  readonly onStderrLine: (worker: WorkerHandle, line: string) => void;
  readonly onProgress: (worker: WorkerHandle, taskId: string, message: string | undefined, fraction: number | undefined) => void;
  /** `limits.disk_mb` in bytes: the worker is killed, and its task fails, when its workspace grows past it. */
  readonly diskLimitBytes?: number;
  /** Told when the process exists and when it is gone (the supervisor records it, see leftovers.ts). */
  readonly lifecycle?: WorkerLifecycle;
}

export interface WorkerLifecycle {
  spawned(pid: number): void;
  /** `overLimit`: it was killed for passing a limit (e.g. its slot holds too much). */
  closed(overLimit: string | undefined): void;
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal === 'SIGSYS') return 'killed by the sandbox (SIGSYS: a syscall outside its allow-list)';
  if (signal === 'SIGXFSZ') return 'killed by SIGXFSZ: it wrote a file larger than limits.disk_mb';
  if (signal) return `killed by ${signal}`;
  const launcher = describeLauncherExit(code);
  if (launcher) return `the sandbox launcher refused to start it (exit ${code}: ${launcher})`;
  return `exited with code ${code}`;
}

export class WorkerHandle {
  private _state: WorkerState = 'starting';
  private child: ChildProcessByStdio<Writable, Readable, Readable> | undefined;
  private connection: Connection | undefined;
  private readonly stderr = new StderrTail();
  private startedAt = 0;
  private stopRequested = false;
  private exited: Promise<void> | undefined;
  private current: { task: Task; abort: AbortController } | undefined;
  private diskWatch: DiskWatch | undefined;
  /** Set when the supervisor killed it for passing a limit: why. */
  private overLimit: string | undefined;
  /** Model calls made by the current task. */
  turns = 0;
  /** The protocol minor version the worker answered `initialize` with (0 until then): 1.1 fields only for 1+. */
  minor = 0;
  /** The running task's wall-time clock (stopped while it waits for budget). */
  private wallClock: { deadline: number; timer: NodeJS.Timeout | undefined; holds: number; heldAt: number; fire: () => void } | undefined;

  constructor(readonly options: WorkerOptions) {}

  get state(): WorkerState {
    return this._state;
  }
  get index(): number {
    return this.options.index;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get currentTaskId(): string | undefined {
    return this.current?.task.id;
  }

  private setState(state: WorkerState): void {
    if (this._state === state) return;
    this._state = state;
    this.options.onStateChange(this, state);
  }

  /** Spawns and initializes; resolves when ready, rejects (state errored) if it could not start. */
  async start(): Promise<void> {
    const { spawn: how } = this.options;
    this.startedAt = Date.now();
    // stdin, stdout and stderr are always pipes; descriptor 3 does not change that.
    const child = spawn(how.file, [...how.args], {
      cwd: how.cwd,
      env: { ...how.env },
      // Descriptor 3: the shared fchmod handler's socket, which the launcher closes before the worker runs.
      stdio: how.handoff === undefined ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', how.handoff],
      // The launcher gives a sandboxed worker its own process group; an unsandboxed one gets it here, so
      // signals and the next supervisor's sweep of leftovers (leftovers.ts) reach what it started.
      detached: !how.sandboxed,
    }) as ChildProcessByStdio<Writable, Readable, Readable>;
    this.child = child;
    lowerPriority(child.pid);
    if (child.pid !== undefined) this.options.lifecycle?.spawned(child.pid);
    const diskLimit = this.options.diskLimitBytes;
    if (diskLimit !== undefined) {
      const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
      this.diskWatch = new DiskWatch(this.options.workspace, diskLimit, (used) =>
        this.killForLimit(`its slot holds ${mib(used)} MiB, more than limits.disk_mb (${mib(diskLimit)} MiB)`),
      );
      this.diskWatch.start();
    }
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      for (const line of this.stderr.push(chunk)) this.options.onStderrLine(this, line);
    });
    this.exited = new Promise((resolve) => {
      child.once('error', () => undefined);
      child.once('close', (code, signal) => {
        this.onClose(code, signal);
        resolve();
      });
    });
    const connection = new Connection(new StreamTransport(child.stdout, child.stdin));
    this.connection = connection;
    connection.on('violation', (violation) => {
      if (violation.total === MAX_VIOLATIONS) {
        this.options.onStderrLine(this, `codex fleet: killing the worker after ${violation.total} protocol violations (last: ${violation.message})`);
        this.signalGroup('SIGKILL');
      }
    });
    // Progress tied to a task/run in flight arrives through that request's onStream (see run()).
    connection.onNotification(TaskProgress, (p) => this.onTaskProgress(p));
    this.options.serve(connection, this);
    await connection.start();
    try {
      const answer = await connection.request(
        Initialize,
        {
          protocol_version: PROTOCOL_VERSION,
          supervisor: { name: 'codex-fleet', version: this.options.supervisorVersion },
          agent: {
            name: this.options.agent.name,
            role: this.options.agent.role,
            model: this.options.agent.model,
            max_tokens: this.options.agent.max_tokens,
            cost_budget: this.options.agent.cost_budget,
            allowed_syscalls: [...this.options.agent.allowed_syscalls],
            exec: this.options.agent.exec.map((rule) => ({ ...rule, command: [...rule.command] })),
          },
          workspace: this.options.workspace,
          ...(this.options.pluginPath ? { plugin: this.options.pluginPath } : {}),
          limits: {
            max_line_bytes: MAX_LINE_BYTES,
            max_turns: this.options.agent.limits.max_turns,
            wall_time_s: this.options.agent.limits.wall_time_s,
            memory_mb: this.options.agent.limits.memory_mb,
            exec_output_bytes: 1024 * 1024,
          },
          capabilities: { model_streaming: true, exec: true, commit: true },
        },
        { timeoutMs: INITIALIZE_TIMEOUT_MS },
      );
      this.minor = negotiatedMinor(answer.protocol_version);
    } catch (error) {
      // The worker's own words (e.g. "Plugin failed: …") are the reason, not the SIGKILL that follows.
      // A worker that died by itself reports its own exit; one that answered with an error or never
      // answered is killed here, and its answer is why it ended.
      if (error instanceof ConnectionClosedError) await this.exited;
      const why = this.failureText(error);
      if (this.child.exitCode === null && this.child.signalCode === null) this.startFailure = why;
      this.setState('errored');
      this.signalGroup('SIGKILL');
      await this.exited;
      throw new Error(`${this.options.agent.name}[${this.index}] did not start: ${why}`);
    }
    if (this._state === 'starting') this.setState('ready');
  }

  private failureText(error: unknown): string {
    if (error instanceof ConnectionClosedError && this.child?.exitCode !== undefined) {
      const tail = this.stderr.text();
      return `${describeExit(this.child?.exitCode ?? null, this.child?.signalCode ?? null)}${tail ? `; stderr: ${tail}` : ''}`;
    }
    return error instanceof Error ? error.message : String(error);
  }

  /** Runs one task to its end. Only in state ready. */
  async run(task: Task, timeoutMs: number): Promise<RunOutcome> {
    if (this._state !== 'ready' || !this.connection) throw new Error(`worker ${this.index} is ${this._state}, not ready`);
    const abort = new AbortController();
    this.current = { task, abort };
    this.turns = 0;
    this.setState('busy');
    let timedOut = false;
    const fire = (): void => {
      timedOut = true;
      abort.abort(new Error(`wall time of ${timeoutMs / 1000}s exceeded`));
    };
    const timer = setTimeout(fire, timeoutMs);
    timer.unref();
    this.wallClock = { deadline: task.deadline_ms ?? Date.now() + timeoutMs, timer, holds: 0, heldAt: 0, fire };
    try {
      const result = await this.connection.request(
        TaskRun,
        { task },
        { signal: abort.signal, onStream: (n) => this.onTaskProgress(n.params as TaskProgressParams) },
      );
      return { kind: 'done', result };
    } catch (error) {
      if (abort.signal.aborted) {
        const why = abort.signal.reason instanceof Error ? abort.signal.reason.message : 'cancelled';
        return timedOut ? { kind: 'lost', error: why, timedOut: true } : { kind: 'lost', error: why };
      }
      if (error instanceof RpcError && error.code !== ErrorCodes.InternalError) {
        return { kind: 'failed', error: error.message };
      }
      if (error instanceof ConnectionClosedError || error instanceof RequestCancelledError) {
        await this.exited;
        if (this.overLimit !== undefined) return { kind: 'failed', error: `the worker was killed: ${this.overLimit}` };
        return { kind: 'lost', error: `the worker ${this.lastExitReason ?? 'went away'}` };
      }
      return { kind: 'failed', error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(this.wallClock?.timer);
      this.wallClock = undefined;
      this.current = undefined;
      // A cancelled or timed-out task may still be running in the worker (a plugin can ignore the
      // cancel): such a worker is never handed another task; it stays busy until it is stopped.
      if ((this._state as WorkerState) === 'busy' && !abort.signal.aborted) this.setState('ready');
    }
  }

  /** A `task/progress` from the worker: reported when it names the worker's own task, else counted. */
  private onTaskProgress(p: TaskProgressParams): void {
    const issue = foreignTask(this.current?.task.id, p.task_id);
    if (issue === undefined) this.options.onProgress(this, p.task_id, p.message, p.fraction);
    else this.connection?.reportViolation(ErrorCodes.InvalidParams, `task/progress: ${issue}; dropped`);
  }

/** Stops the running task's wall-time clock (it waits for budget; waiting does not count). Nests. */
  holdClock(): void {
    const clock = this.wallClock;
    if (!clock || clock.holds++ > 0) return;
    clearTimeout(clock.timer);
    clock.timer = undefined;
    clock.heldAt = Date.now();
  }

  /** Runs the clock again, its deadline moved by the time held; a 1.1 worker is told the new deadline. */
  releaseClock(): void {
    const clock = this.wallClock;
    if (!clock || clock.holds === 0 || --clock.holds > 0) return;
    clock.deadline += Date.now() - clock.heldAt;
    clock.timer = setTimeout(clock.fire, Math.max(0, clock.deadline - Date.now()));
    clock.timer.unref();
    const taskId = this.current?.task.id;
    if (this.minor >= 1 && taskId !== undefined && this.connection && !this.connection.closed) {
      this.connection
        .notify(TaskDeadline, { task_id: taskId, deadline_ms: clock.deadline, reason: 'the task waited for budget; waiting does not count' })
        .catch(() => undefined);
    }
  }

  /** The running task's deadline (Unix ms) as it stands, moved by waits for budget. */
  get deadlineMs(): number | undefined {
    return this.wallClock?.deadline;
  }

  /** Cancels the running task (sends `$/cancelRequest`); the run resolves as lost with `reason`. */
  cancelCurrent(reason: string): void {
    this.current?.abort.abort(new Error(reason));
  }

  private lastExitReason: string | undefined;
  /** Why the handshake failed, when it did: the reason its exit reports. */
  private startFailure: string | undefined;

  private stopped: Promise<void> | undefined;

  /** The kill sequence. Resolves once the process is gone. Calling it again joins the first call. */
  stop(reason = 'stopped by the supervisor'): Promise<void> {
    this.stopped ??= this.killSequence(reason);
    return this.stopped;
  }

  /**
   * The short kill sequence, for a worker whose task passed its wall time: the task is cancelled, the
   * worker gets `graceMs` in all to answer `shutdown` and exit, then its process group gets SIGKILL.
   */
  stopQuickly(reason: string, graceMs = WALL_TIME_GRACE_MS): Promise<void> {
    this.stopped ??= this.quickKill(reason, graceMs);
    return this.stopped;
  }

  private async quickKill(reason: string, graceMs: number): Promise<void> {
    this.stopRequested = true;
    if (!this.child || this._state === 'stopped') return;
    if (this._state !== 'errored') this.setState('stopping');
    this.cancelCurrent(reason);
    const gone = this.exited!;
    const connection = this.connection;
    const polite = (async (): Promise<void> => {
      if (connection && !connection.closed) {
        const answered = await connection.request(Shutdown, {}).then(() => true, () => false);
        if (answered) await connection.notify(Exit, {}).catch(() => undefined);
      }
      await gone; // exited by itself within the grace, or not at all
    })();
    const exited = await Promise.race([
      polite.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref()),
    ]);
    if (exited) return;
    this.signalGroup('SIGKILL');
    await gone;
  }

  private async killSequence(reason: string): Promise<void> {
    this.stopRequested = true;
    if (!this.child || this._state === 'stopped') return;
    if (this._state !== 'errored') this.setState('stopping');
    this.cancelCurrent(reason);
    const connection = this.connection;
    const gone = this.exited!;
    const within = (ms: number): Promise<boolean> =>
      Promise.race([gone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    if (connection && !connection.closed && this.child.exitCode === null && this.child.signalCode === null) {
      const answered = await Promise.race([
        connection.request(Shutdown, {}).then(() => true, () => false),
        new Promise<boolean>((r) => setTimeout(() => r(false), KILL_SEQUENCE.shutdownMs).unref()),
      ]);
      if (answered) {
        await connection.notify(Exit, {}).catch(() => undefined);
        if (await within(KILL_SEQUENCE.exitMs)) return;
      }
    }
    this.signalGroup('SIGTERM');
    if (await within(KILL_SEQUENCE.termMs)) return;
    this.signalGroup('SIGKILL');
    await gone;
  }

  /** Kills it for passing a limit: its running task fails with `reason` (no retry). */
  killForLimit(reason: string): void {
    this.overLimit ??= reason;
    this.options.onStderrLine(this, `codex fleet: killing the worker: ${reason}`);
    this.signalGroup('SIGKILL');
  }

  /** Kills at once (SIGKILL to the process group). */
  async kill(): Promise<void> {
    this.stopRequested = true;
    this.signalGroup('SIGKILL');
    await this.exited;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null || this.child?.signalCode !== null) return;
    try {
      process.kill(-pid, signal); // the launcher puts the worker in its own process group
    } catch {
      try {
        this.child?.kill(signal);
      } catch {
        // already gone
      }
    }
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    this.diskWatch?.stop();
    this.options.lifecycle?.closed(this.overLimit);
    const reason =
      this.overLimit !== undefined
        ? `was killed: ${this.overLimit}`
        : this.startFailure === undefined
          ? describeExit(code, signal)
          : `did not start: ${this.startFailure}`;
    this.lastExitReason = reason;
    void this.connection?.close(`the worker ${reason}`);
    const abnormal = !this.stopRequested;
    this.setState(abnormal ? 'errored' : 'stopped');
    this.options.onExit(this, {
      code,
      signal,
      requested: !abnormal,
      reason,
      stderr: this.stderr.text(),
      uptimeMs: Date.now() - this.startedAt,
    });
  }
}
