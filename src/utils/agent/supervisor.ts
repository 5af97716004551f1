/**
 * The supervisor: reads the agents, spawns each agent's
 * pool of sandboxed workers, routes tasks from the durable journal to them, serves the control socket,
 * and keeps the fleet alive. One per state directory.
 *
 * @example
 * ```ts
 * const { agents } = await loadAgentSpecs(['agents']);
 * const supervisor = await Supervisor.start({ agents, stateDir: resolveStateDir(), projectDir: process.cwd() });
 * supervisor.events.subscribe((event) => console.log(formatEvent(event)));
 * await supervisor.done;
 * ```
 */
import { ControlErrorCodes, type AgentStatus, type FleetStatus, type TaskView } from '../../control/methods.js';
import { ControlServer, type ControlHandlers } from '../../control/server.js';
import { RpcError } from '../../rpc/errors.js';
import { checkPolicy, probeKernel, refusalMessage, type KernelReport } from '../../sandbox/check.js';
import type { SandboxIdentity } from '../../sandbox/identity.js';
import type { AgentSpec } from '../../spec/types.js';
import { AgentPool, clip, STDERR_LINES_PER_SECOND } from '../../supervisor/agent-pool.js';
import { LineRateLimit } from '../../supervisor/rate-limit.js';
import { FleetEvents, type FleetEvent } from '../../supervisor/events.js';
import { SqliteJournal } from '../../supervisor/journal.js';
import { SupervisorLock } from '../../supervisor/lock.js';
import { StatePaths } from '../../supervisor/state-dir.js';
import { DEFAULT_TASK_KIND, FINAL_STATES, type TaskRecord, type TaskStore } from '../../supervisor/task-store.js';
import { serveWorker } from '../../supervisor/services.js';
import { FleetSandbox, type PreparedAgent } from '../../supervisor/fleet-sandbox.js';
import { closest } from '../../spec/suggest.js';

export interface SupervisorOptions {
  readonly agents: readonly AgentSpec[];
  readonly stateDir: string;
  /** The directory the fleet serves (shown in status). */
  readonly projectDir: string;
  readonly version?: string;
  /** Runs workers without any sandbox. Only for `--unsafe-no-sandbox`; logged loudly. */
  readonly unsafeNoSandbox?: boolean;
  /** Testing: the launcher's own Landlock detection sees at most this ABI. */
  readonly landlockAbiOverride?: number;
  /**
   * Who workers run as when the supervisor is root (never root itself). Default 65534:65534. Ignored
   * (workers run as the user) when the supervisor is not root; asking for another uid then is an error.
   */
  readonly sandboxUser?: SandboxIdentity;
  /**
   * Where worker slots live when workers run as another user (the state directory is 0700 and
   * theirs is not). Default: /var/tmp/codex-fleet-slots/<state dir name>-<hash>.
   */
  readonly slotRoot?: string;
  /** Receives every event, from the first one of the start-up on. */
  readonly onEvent?: (event: FleetEvent) => void;
}

export class Supervisor implements ControlHandlers {
  readonly events = new FleetEvents();
  readonly version: string;
  readonly paths: StatePaths;
  readonly startedAt = Date.now();
  /** Resolves when the fleet has stopped and released its state directory. */
  readonly done: Promise<void>;

  private readonly pools = new Map<string, AgentPool>();
  /** Per-worker budget of `log` events (a worker that logs in a loop stalls nothing). */
  private readonly logLimits = new WeakMap<object, LineRateLimit>();
  private readonly waiters = new Map<string, Set<(task: TaskRecord) => void>>();
  private store!: TaskStore;
  private sandbox!: FleetSandbox;
  private readonly prepared = new Map<string, PreparedAgent>();
  private lock!: SupervisorLock;
  private control!: ControlServer;
  private stopping: Promise<void> | undefined;
  private stoppingNow = false;
  private resolveDone!: () => void;

  private constructor(private readonly options: SupervisorOptions) {
    this.version = options.version ?? '0.0.0';
    this.paths = new StatePaths(options.stateDir);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    if (options.onEvent) this.events.subscribe(options.onEvent);
  }

  /** Takes the state directory, recovers the journal, starts every agent and the control socket. */
  static async start(options: SupervisorOptions): Promise<Supervisor> {
    const supervisor = new Supervisor(options);
    await supervisor.boot();
    return supervisor;
  }

  private async boot(): Promise<void> {
    this.paths.ensure();
    this.lock = SupervisorLock.acquire(this.paths);
    try {
      this.sandbox = new FleetSandbox({
        paths: this.paths,
        agents: this.options.agents,
        ...(this.options.sandboxUser ? { sandboxUser: this.options.sandboxUser } : {}),
        ...(this.options.slotRoot ? { slotRoot: this.options.slotRoot } : {}),
        ...(this.options.unsafeNoSandbox ? { unsafeNoSandbox: true } : {}),
        ...(this.options.landlockAbiOverride === undefined ? {} : { landlockAbiOverride: this.options.landlockAbiOverride }),
      });
      const leftovers = this.sandbox.sweepLeftovers();
      if (leftovers.length > 0) {
        this.events.emit({
          type: 'log',
          message: `killed ${leftovers.length} process(es) the previous supervisor of this state directory left running (pids ${leftovers.join(', ')})`,
          data: { leftovers },
        });
      }
      this.sandbox.prepareSlotRoot();
      this.store = new SqliteJournal(this.paths.journal);
      const retries = new Map(this.options.agents.map((a) => [a.name, a.limits.retries]));
      const recovered = this.store.recover((task) => task.attempts <= (retries.get(task.agent) ?? 0));
      for (const task of recovered.requeued) {
        this.events.emit({ type: 'task.retry', agent: task.agent, task: task.id, message: `task ${task.id} was running when the last supervisor stopped: queued again` });
      }
      for (const task of recovered.failed) {
        this.events.emit({ type: 'task.failed', agent: task.agent, task: task.id, message: `task ${task.id} failed: ${task.error}` });
      }
      const kernel = this.options.unsafeNoSandbox ? undefined : await this.probe();
      if (this.options.unsafeNoSandbox) {
        this.events.emit({
          type: 'log',
          message: 'WARNING: --unsafe-no-sandbox: workers run WITHOUT seccomp, Landlock or dropped capabilities; they can read your files, use the network and start processes',
        });
      }
      for (const spec of this.options.agents) this.pools.set(spec.name, this.createPool(spec));
      this.control = new ControlServer(this.paths, this);
      await this.control.listen();
      this.events.emit({
        type: 'fleet.started',
        message: `fleet started (pid ${process.pid}, ${this.pools.size} agents, state ${this.paths.dir})`,
        data: { pid: process.pid, state_dir: this.paths.dir },
      });
      const paused = this.store.paused();
      if (this.sandbox.identity !== undefined) {
        const { uid, gid } = this.sandbox.identity;
        this.events.emit({
          type: 'log',
          message: `workers run as uid ${uid} gid ${gid} (the supervisor is root); slots in ${this.sandbox.slotsDir}; ` +
            (this.sandbox.cgroup ? `threads bounded per worker by pids cgroups (v${this.sandbox.cgroup.version})` : `threads bounded by RLIMIT_NPROC ${this.sandbox.nproc} for uid ${uid} as a whole (no pids cgroup here)`),
        });
      }
      const owners = new Map<string, number>();
      for (const spec of this.options.agents) {
        const prepared = this.sandbox.prepare(spec, owners);
        this.prepared.set(spec.name, prepared);
        for (const copy of prepared.staged) this.events.emit({ type: 'log', agent: spec.name, message: `the sandbox user cannot read the program; using a read-only copy: ${copy}` });
      }
      for (const [name, pool] of this.pools) {
        const prepared = this.prepared.get(name);
        const refusal = (kernel === undefined ? undefined : this.sandboxRefusal(prepared?.spec ?? pool.spec, kernel)) ?? prepared?.refusal;
        if (refusal) pool.refuse(refusal);
        else pool.start(paused.get(name));
      }
    } catch (error) {
      this.store?.close();
      this.sandbox?.close();
      this.lock.release();
      throw error;
    }
  }

  private async probe(): Promise<KernelReport> {
    return probeKernel(this.options.landlockAbiOverride === undefined ? {} : { landlockAbiOverride: this.options.landlockAbiOverride });
  }

  private sandboxRefusal(spec: AgentSpec, kernel: KernelReport): string | undefined {
    try {
      const prepared = this.prepared.get(spec.name) ?? { spec, staged: [] };
      const policy = this.sandbox.policy(prepared, this.sandbox.slot(spec.name, 0));
      const verdict = checkPolicy(kernel, policy);
      return verdict.ok ? undefined : refusalMessage(spec.name, 'worker', verdict);
    } catch (error) {
      return (error as Error).message;
    }
  }

  private createPool(spec: AgentSpec): AgentPool {
    const serve = serveWorker(spec, {
      log: (worker, level, message, taskId) => {
        let limit = this.logLimits.get(worker);
        if (!limit) this.logLimits.set(worker, (limit = new LineRateLimit(STDERR_LINES_PER_SECOND)));
        const emit = (text: string): void =>
          this.events.emit({ type: 'log', agent: spec.name, worker: worker.index, ...(taskId ? { task: taskId } : {}), message: text });
        if (limit.take((n) => emit(`(${n} more log lines not shown)`))) emit(`${level}: ${clip(message)}`);
      },
    });
    return new AgentPool(spec, {
      store: this.store,
      events: this.events,
      onTaskFinal: (task) => this.settle(task),
      onJournalFailure: (error) => {
        this.events.emit({
          type: 'fleet.error',
          message: `the journal cannot be written (${error.message}): stopping now; everything acknowledged before is on disk`,
        });
        void this.stop(true);
      },
      workerOptions: (index) => {
        const prepared = this.prepared.get(spec.name) ?? { spec, staged: [] };
        const { spawn, slotDir, lifecycle } = this.sandbox.spawn(prepared, index);
        const program = prepared.spec.worker;
        return {
          agent: spec,
          index,
          spawn,
          workspace: slotDir,
          lifecycle,
          diskLimitBytes: spec.limits.disk_mb * 1024 * 1024,
          ...(program.kind === 'plugin' ? { pluginPath: program.pluginPath } : {}),
          supervisorVersion: this.version,
          serve,
        };
      },
    });
  }

  private pool(agent: string): AgentPool {
    const pool = this.pools.get(agent);
    if (!pool) {
      const names = [...this.pools.keys()];
      const hint = closest(agent, names);
      throw new RpcError(
        ControlErrorCodes.UnknownAgent,
        `No agent "${agent}" in this fleet` + (hint ? `: did you mean "${hint}"?` : `; agents: ${names.join(', ') || 'none'}`),
      );
    }
    return pool;
  }

  private task(id: string): TaskRecord {
    const task = this.store.get(id);
    if (!task) throw new RpcError(ControlErrorCodes.UnknownTask, `No task "${id}" in the journal (see "codex fleet tasks")`);
    return task;
  }

  /** A task reached a final state: wake its waiters. */
  private settle(task: TaskRecord): void {
    const waiting = this.waiters.get(task.id);
    if (!waiting) return;
    this.waiters.delete(task.id);
    for (const wake of waiting) wake(task);
  }

  // ---- ControlHandlers ----

  status(): FleetStatus {
    const counts = this.store.counts();
    const zero = { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
    return {
      pid: process.pid,
      version: this.version,
      state_dir: this.paths.dir,
      project: this.options.projectDir,
      started_at: this.startedAt,
      sandbox: this.options.unsafeNoSandbox ? 'disabled' : 'enforced',
      agents: [...this.pools.values()].map((pool) => pool.status(counts.get(pool.spec.name) ?? zero)),
    };
  }

  async submit(agent: string, input: unknown, kind: string = DEFAULT_TASK_KIND): Promise<TaskView> {
    const pool = this.pool(agent);
    if (this.stopping) throw new RpcError(ControlErrorCodes.NotAccepting, 'The fleet is stopping and takes no new tasks');
    const task = await this.store.submit(agent, kind, input);
    this.events.emit({ type: 'task.queued', agent, task: task.id, message: `task ${task.id} queued` });
    pool.pump();
    return task;
  }

  getTask(id: string): TaskView {
    return this.task(id);
  }

  listTasks(filter: { agent?: string; state?: TaskRecord['state']; limit?: number }): TaskView[] {
    return this.store.list(filter);
  }

  waitTask(id: string, timeoutMs: number | undefined, signal: AbortSignal): Promise<TaskView> {
    const task = this.task(id);
    if (FINAL_STATES.has(task.state)) return Promise.resolve(task);
    return new Promise((resolve, reject) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => finish(() => reject(new RpcError(ControlErrorCodes.WaitTimeout, `Task ${id} is not finished after ${timeoutMs / 1000}s; it goes on`))), timeoutMs);
      const onAbort = (): void => finish(() => reject(signal.reason));
      const wake = (done: TaskRecord): void => finish(() => resolve(done));
      const finish = (then: () => void): void => {
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        then();
      };
      set.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async cancelTask(id: string): Promise<TaskView> {
    const task = this.task(id);
    if (FINAL_STATES.has(task.state)) return task;
    const cancelled = this.store.cancel(id, 'cancelled by the user');
    if (!cancelled) return this.task(id);
    await this.store.durable();
    this.events.emit({ type: 'task.cancelled', agent: task.agent, task: id, message: `task ${id} cancelled` });
    if (task.state === 'running') await this.pools.get(task.agent)?.cancelRunning(id, `task ${id} was cancelled`);
    this.settle(cancelled);
    return cancelled;
  }

  private agentStatus(pool: AgentPool): AgentStatus {
    return pool.status(this.store.counts().get(pool.spec.name) ?? { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0 });
  }

  pause(agent: string): AgentStatus {
    const pool = this.pool(agent);
    this.store.setPaused(agent, true, 'paused by the user');
    pool.pause('paused by the user');
    return this.agentStatus(pool);
  }

  resume(agent: string): AgentStatus {
    const pool = this.pool(agent);
    this.store.setPaused(agent, false);
    pool.resume();
    return this.agentStatus(pool);
  }

  async kill(agent: string): Promise<AgentStatus> {
    const pool = this.pool(agent);
    const reason = `killed by the user; start it again with "codex fleet resume ${agent}"`;
    this.store.setPaused(agent, true, reason);
    await pool.kill(reason);
    return this.agentStatus(pool);
  }

  subscribe(listener: Parameters<FleetEvents['subscribe']>[0]): () => void {
    return this.events.subscribe(listener);
  }

  /** Drains (default) or kills the workers, then closes the control socket, the journal and the lock. */
  stop(now = false): Promise<void> {
    if (this.stopping && now && !this.stoppingNow) {
      // A drain is under way: cut it short. The drain resolves once the killed workers' tasks are re-queued.
      this.stoppingNow = true;
      this.events.emit({ type: 'fleet.stopping', message: 'stopping now: workers are killed, running tasks queued again' });
      for (const pool of this.pools.values()) void pool.stopNow();
      return this.stopping;
    }
    this.stoppingNow ||= now;
    this.stopping ??= (async () => {
      this.events.emit({ type: 'fleet.stopping', message: now ? 'stopping now: workers are killed, running tasks queued again' : 'stopping: waiting for running tasks to finish' });
      await Promise.all([...this.pools.values()].map((pool) => (now ? pool.stopNow() : pool.drain())));
      await this.control.close();
      for (const [id, waiting] of this.waiters) {
        const task = this.store.get(id);
        if (task) for (const wake of waiting) wake(task);
      }
      this.store.close();
      this.sandbox.close();
      this.lock.release();
      this.events.emit({ type: 'fleet.stopped', message: 'fleet stopped' });
      this.resolveDone();
    })();
    return this.stopping;
  }
}
