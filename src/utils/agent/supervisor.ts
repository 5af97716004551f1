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
import {
  ControlErrorCodes,
  type AgentStatus,
  type FleetStatus,
  type ListBranches,
  type ListTasks,
  type PruneTasks,
  type ReadTask,
  type Submit,
  type TaskSummary,
  type TaskView,
} from '../../control/methods.js';
import { MAX_LIST_BYTES, MAX_READ_CHARS, MAX_TASK_INPUT_BYTES, formatBytes } from '../../control/task-limits.js';
import type { ParamsOf, ResultOf } from '../../protocol/method.js';
import { ControlServer, type ControlHandlers } from '../../control/server.js';
import { ErrorCodes } from '../../protocol/error-codes.js';
import { MAX_JSON_DEPTH } from '../../protocol/version.js';
import { tooDeepAt } from '../../rpc/depth.js';
import { clipPointer, RpcError } from '../../rpc/errors.js';
import { checkPolicy, probeKernel, refusalMessage, type KernelReport } from '../../sandbox/check.js';
import type { SandboxIdentity } from '../../sandbox/identity.js';
import type { AgentSpec } from '../../spec/types.js';
import { AgentPool, clip, STDERR_LINES_PER_SECOND, type MoneyField } from '../../supervisor/agent-pool.js';
import { LineRateLimit } from '../../supervisor/rate-limit.js';
import { FleetEvents, type FleetEvent } from '../../supervisor/events.js';
import { SqliteJournal } from '../../supervisor/journal.js';
import { SupervisorLock } from '../../supervisor/lock.js';
import { StatePaths } from '../../supervisor/state-dir.js';
import { StateDirWatch } from '../../supervisor/state-dir-watch.js';
import { DAY_MS, DEFAULT_RETENTION, RETENTION_INTERVAL_MS, type RetentionPolicy } from '../../supervisor/retention.js';
import { DEFAULT_TASK_KIND, FINAL_STATES, type TaskRecord, type TaskStore } from '../../supervisor/task-store.js';
import { serveWorker } from '../../supervisor/services.js';
import { FleetSandbox, type PreparedAgent } from '../../supervisor/fleet-sandbox.js';
import { closest } from '../../spec/suggest.js';
import { LocalCommitQueue } from '../../git/commit-queue.js';
import { CommitRefusal, DEFAULT_IDENTITY, type GitIdentity } from '../../git/commit.js';
import { WorkspaceStore } from '../../git/workspace-store.js';
import { BaseError, findRepository } from '../../git/worktrees.js';
import { Workspaces } from '../../supervisor/workspaces.js';
import { join } from 'node:path';
import type { Cost } from '../../control/methods.js';
import { OpenAiGateway } from '../../gateway/openai-gateway.js';
import type { ModelGateway, Provider } from '../../gateway/types.js';
import { budgetInForce } from '../../ledger/budget.js';
import type { BudgetLimit, Ledger } from '../../ledger/ledger.js';
import { formatMicroUsd as formatUsd, microToUsd as picoToUsd, usdToMicro as usdToPico } from '../../pricing/money.js';
import { createLedgerTables, SqliteLedger } from '../../ledger/sqlite-ledger.js';
import { ModelMeter, type MeterDeps, type ModelPricing } from '../../supervisor/model-meter.js';
import { checkBotInput } from '../../supervisor/bot-input.js';
import { runNotify } from '../../supervisor/notify.js';
import { builtInProvider } from '../../fleet-config/providers.js';

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
  /** Author and committer of the fleet's commits. Default: "codex fleet <codex-fleet@localhost>". */
  readonly gitIdentity?: GitIdentity;
  /** Receives every event, from the first one of the start-up on. */
  readonly onEvent?: (event: FleetEvent) => void;
  /** How long finished tasks are kept (default {@link DEFAULT_RETENTION}). */
  readonly retention?: Partial<RetentionPolicy>;
  /**
   * Start even though the journal is damaged or lost acknowledged tasks: the files are moved aside and
   * what is readable is copied into a new journal (`--recover-journal`). Without it such a journal
   * stops the start with a message saying so.
   */
  readonly recoverJournal?: boolean;
  /** How model calls are sent and priced (from codex-fleet.yaml and the price catalog). */
  readonly models?: ModelSettings;
}

/** Model providers, prices and fleet-wide money settings. */
export interface ModelSettings {
  /** The provider an agent's calls go to. Default: OpenAI's Responses API, `OPENAI_BASE_URL` / `OPENAI_API_KEY`. */
  provider?(agent: AgentSpec): Provider;
  /** Prices of a model; throws for a model without a known price. */
  pricing(model: string): ModelPricing;
  /** The fleet-wide budget, US dollars. */
  readonly budgetUsd?: number;
  /** Run with the pause message as its last argument when an agent is paused for budget (e.g. notify-send). */
  readonly notify?: readonly string[];
  /** Default: the `openai` SDK. */
  readonly gateway?: ModelGateway;
}

/** The default provider: OpenAI itself, or whatever OPENAI_BASE_URL points at (as codex-fleet.yaml's default). */
export function defaultProvider(env: NodeJS.ProcessEnv = process.env): Provider {
  const builtIn = builtInProvider(env);
  const key = builtIn.api_key_env === undefined ? undefined : env[builtIn.api_key_env];
  return { name: builtIn.name, api: builtIn.api, baseURL: builtIn.base_url, ...(key ? { apiKey: key } : {}) };
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
  /** Task worktrees, commits and repository facts. */
  workspaces!: Workspaces;
  private ledger!: Ledger;
  private meter!: ModelMeter;
  private sandbox!: FleetSandbox;
  private readonly prepared = new Map<string, PreparedAgent>();
  private lock!: SupervisorLock;
  private control!: ControlServer;
  private stopping: Promise<void> | undefined;
  private stoppingNow = false;
  private resolveDone!: () => void;
  private watch: StateDirWatch | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  readonly retention: RetentionPolicy;
  private _fatal: string | undefined;

  /** Why the fleet stopped on its own (the journal failed, the state directory went away); else undefined. */
  get fatal(): string | undefined {
    return this._fatal;
  }

  /** Stops the fleet at once because it cannot go on; `fatal` tells why. */
  private failFleet(message: string): void {
    this._fatal ??= message;
    this.events.emit({ type: 'fleet.error', message });
    void this.stop(true);
  }

  private constructor(private readonly options: SupervisorOptions) {
    this.version = options.version ?? '0.0.0';
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
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
    this.lock = await SupervisorLock.acquire(this.paths);
    try {
      this.sandbox = new FleetSandbox({
        paths: this.paths,
        agents: this.options.agents,
        ...(this.options.sandboxUser ? { sandboxUser: this.options.sandboxUser } : {}),
        ...(this.options.slotRoot ? { slotRoot: this.options.slotRoot } : {}),
        ...(this.options.unsafeNoSandbox ? { unsafeNoSandbox: true } : {}),
        ...(this.options.landlockAbiOverride === undefined ? {} : { landlockAbiOverride: this.options.landlockAbiOverride }),
        onNotice: (message) => this.events.emit({ type: 'log', message }),
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
      const journal = new SqliteJournal(this.paths.journal, {
        highWaterPath: this.paths.highWater,
        onDamage: this.options.recoverJournal ? 'recover' : 'refuse',
        extraSchema: createLedgerTables,
      });
      this.store = journal;
      if (journal.recovery) {
        const r = journal.recovery;
        const copied = Object.entries(r.copied).map(([table, n]) => `${n} ${table}`).join(', ') || 'nothing';
        const unreadable = Object.entries(r.unreadable).map(([table, n]) => `${n} in ${table}`).join(', ');
        this.events.emit({
          type: 'fleet.error',
          message:
            `the journal was damaged: moved aside to ${r.movedTo}; copied ${copied} into a new journal` +
            (unreadable ? `; unreadable parts skipped: ${unreadable}` : '') +
            (r.openError ? `; the old file could not be opened at all (${r.openError})` : '') +
            (r.lostTasks > 0 ? `; ${r.lostTasks} acknowledged tasks are missing` : ''),
          data: { moved_to: r.movedTo, copied: r.copied, unreadable: r.unreadable, lost_tasks: r.lostTasks },
        });
      }
      this.ledger = new SqliteLedger(journal.shared());
      for (const entry of this.ledger.recover()) {
        this.events.emit({
          type: 'ledger.unsettled',
          agent: entry.agent,
          ...(entry.task_id ? { task: entry.task_id } : {}),
          message: `a model call of ${entry.agent} was in flight when the last supervisor stopped: its whole reservation of ${formatUsd(entry.charged)} stays charged (unsettled)`,
          data: { entry: entry.id, charged_usd: picoToUsd(entry.charged) },
        });
      }
      await this.ledger.durable();
      this.meter = new ModelMeter(this.meterDeps());
      const retries = new Map(this.options.agents.map((a) => [a.name, a.limits.retries]));
      const recovered = this.store.recover((task) => task.attempts <= (retries.get(task.agent) ?? 0));
      for (const task of recovered.requeued) {
        this.events.emit({ type: 'task.retry', agent: task.agent, task: task.id, message: `task ${task.id} was running when the last supervisor stopped: queued again` });
      }
      for (const task of recovered.failed) {
        this.events.emit({ type: 'task.failed', agent: task.agent, task: task.id, message: `task ${task.id} failed: ${task.error}` });
      }
      this.workspaces = new Workspaces(
        await findRepository(this.options.projectDir),
        new WorkspaceStore(join(this.paths.dir, 'workspaces')),
        new LocalCommitQueue(),
        this.events,
        this.options.gitIdentity ?? DEFAULT_IDENTITY,
      );
      this.prune({});
      this.retentionTimer = setInterval(() => {
        try {
          this.prune({});
        } catch (error) {
          this.events.emit({ type: 'log', message: `retention could not prune the journal: ${(error as Error).message}` });
        }
      }, RETENTION_INTERVAL_MS);
      this.retentionTimer.unref();
      const kernel = this.options.unsafeNoSandbox ? undefined : await this.probe();
      if (kernel !== undefined) this.sandbox.shareFchmodHandler(kernel.landlock_abi);
      if (this.options.unsafeNoSandbox) {
        this.events.emit({
          type: 'log',
          message: 'WARNING: --unsafe-no-sandbox: workers run WITHOUT seccomp, Landlock or dropped capabilities; they can read your files, use the network and start processes',
        });
      }
      for (const spec of this.options.agents) this.pools.set(spec.name, this.createPool(spec));
      this.control = new ControlServer(this.paths, this, (message) => this.events.emit({ type: 'log', message }));
      await this.control.listen();
      this.watch = new StateDirWatch(
        this.paths,
        () => (this.control.stillOurs() ? undefined : `the control socket or token in ${this.paths.dir} was removed or replaced`),
        (problem) =>
          this.failFleet(
            `${problem} while the fleet ran: stopping now, since no client could reach this fleet any more. ` +
              'Start it again with "codex fleet start"',
          ),
      );
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
      clearInterval(this.retentionTimer);
      this.watch?.close();
      await this.control?.close();
      this.store?.close();
      this.sandbox?.close();
      this.lock.release();
      throw error;
    }
  }

  private meterDeps(): MeterDeps {
    const models = this.options.models;
    // Prices are fixed for the fleet's life: looked up once per model, not once per call.
    const prices = new Map<string, ModelPricing>();
    return {
      ledger: this.ledger,
      gateway: models?.gateway ?? new OpenAiGateway(),
      pricing: (model) => {
        if (!models) throw new Error(`No price for model "${model}": no price catalog was configured`);
        let pricing = prices.get(model);
        if (pricing === undefined) prices.set(model, (pricing = models.pricing(model)));
        return pricing;
      },
      provider: (agent) => models?.provider?.(agent) ?? defaultProvider(),
      limit: (agent) => this.limit(agent),
      onShort: (agent, shortfall) => {
        const budget = this.budget(agent);
        const b = this.ledger.balance(agent.name);
        let why: string;
        if ('over' in shortfall) {
          why = `the provider reported more usage than reserved, and ${agent.name} has now spent ${formatUsd(b.spent)} of its ${formatUsd(budget.budget)} budget`;
        } else if (shortfall.scope === 'fleet') {
          why = `the fleet's budget of ${formatUsd(shortfall.budget)} cannot cover ${agent.name}'s next call (worst case ${formatUsd(shortfall.needed)}; the fleet has spent ${formatUsd(shortfall.spent)}, ${formatUsd(shortfall.reserved)} is reserved)`;
        } else {
          why = `${agent.name}'s next call (worst case ${formatUsd(shortfall.needed)}) does not fit its budget of ${formatUsd(shortfall.budget)}: spent ${formatUsd(shortfall.spent)}, reserved ${formatUsd(shortfall.reserved)}`;
        }
        // Suggest doubling the budget (or more, if the next call lacks more), in whole cents, at least one.
        const lacking = 'needed' in shortfall ? shortfall.needed - (shortfall.budget - shortfall.spent - shortfall.reserved) : 0;
        const cents = (pico: number): string => (Math.ceil(picoToUsd(pico) * 100 - 1e-9) / 100).toFixed(2);
        const raised = Math.max(2 * budget.budget, budget.budget + lacking, usdToPico(0.01));
        const add = raised - budget.budget;
        const reason =
          'scope' in shortfall && shortfall.scope === 'fleet'
            ? `budget: ${why}. Raise budget_usd in codex-fleet.yaml and restart the fleet ("codex fleet stop", then "codex fleet start"); resuming ${agent.name} alone would pause it again`
            : `budget: ${why}. Continue with "codex fleet resume ${agent.name} --budget ${cents(raised)}" or "--add ${cents(add)}"`;
        this.budgetPause(agent.name, reason, {
          spent_usd: picoToUsd(b.spent),
          reserved_usd: picoToUsd(b.reserved),
          budget_usd: picoToUsd(budget.budget),
          needed_usd: 'needed' in shortfall ? picoToUsd(shortfall.needed) : null,
          scope: 'scope' in shortfall ? shortfall.scope : 'agent',
        });
      },
    };
  }

  /** Pauses an agent that cannot afford its next call; said once per pause. */
  private budgetPause(agent: string, reason: string, data: Record<string, unknown>): void {
    const pool = this.pools.get(agent);
    if (pool && this.stopping) void pool.stopNow(); // a drain would wait for this call forever
    if (!pool || pool.state === 'paused') return;
    this.store.setPaused(agent, true, reason);
    pool.pause(reason);
    this.events.emit({ type: 'agent.budget', agent, message: `paused: ${reason}`, data });
    if (this.options.models?.notify?.length) {
      runNotify(this.options.models.notify, `codex fleet: ${agent} paused: ${reason}`, (error) =>
        this.events.emit({ type: 'log', agent, message: `the notify command failed: ${error}` }),
      );
    }
  }

  private budget(agent: AgentSpec): ReturnType<typeof budgetInForce> {
    const inForce = budgetInForce(usdToPico(agent.cost_budget), this.ledger.budgetOverride(agent.name));
    if (inForce.staleOverride) this.ledger.clearBudgetOverride(agent.name);
    return inForce;
  }

  private limit(agent: AgentSpec): BudgetLimit {
    const fleet = this.options.models?.budgetUsd;
    return { agent: this.budget(agent).budget, ...(fleet === undefined ? {} : { fleet: usdToPico(fleet) }) };
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
      meter: this.meter,
      log: (worker, level, message, taskId) => {
        let limit = this.logLimits.get(worker);
        if (!limit) this.logLimits.set(worker, (limit = new LineRateLimit(STDERR_LINES_PER_SECOND)));
        const emit = (text: string): void =>
          this.events.emit({ type: 'log', agent: spec.name, worker: worker.index, ...(taskId ? { task: taskId } : {}), message: text });
        if (limit.take((n) => emit(`(${n} more log lines not shown)`))) emit(`${level}: ${clip(message)}`);
      },
      workspaces: this.workspaces,
      execEvent: (worker, taskId, argv, outcome, durationMs, data) =>
        this.events.emit({
          type: 'exec',
          agent: spec.name,
          worker: worker.index,
          ...(taskId ? { task: taskId } : {}),
          message: `exec ${clip(JSON.stringify(argv))}: ${clip(outcome)} (${durationMs} ms)`,
          data: { argv: [...argv], duration_ms: durationMs, ...data },
        }),
      ...(this.options.landlockAbiOverride === undefined ? {} : { landlockAbiOverride: this.options.landlockAbiOverride }),
      ...(this.options.unsafeNoSandbox ? { unsafeNoSandbox: true } : {}),
      ...(this.sandbox.identity !== undefined ? { identity: this.sandbox.identity } : {}),
    });
    return new AgentPool(spec, {
      store: this.store,
      events: this.events,
      onTaskFinal: (task) => this.settle(task),
      ...(spec.worktree
        ? {
            workspace: {
              prepare: (task: string, index: number) => this.workspaces.prepare(task, spec.name, this.sandbox.slot(spec.name, index)),
              finish: (task: string) => this.workspaces.finish(task),
            },
          }
        : {}),
      onJournalFailure: (error) => {
        this.failFleet(`the journal cannot be written (${error.message}): stopping now; everything acknowledged before is on disk`);
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
      agents: [...this.pools.values()].map((pool) => this.withMoney(pool, pool.status(counts.get(pool.spec.name) ?? zero))),
      totals: (() => {
        const f = this.ledger.fleetBalance();
        const budget = this.options.models?.budgetUsd;
        return {
          spent_usd: picoToUsd(f.spent),
          reserved_usd: picoToUsd(f.reserved),
          budget_usd: budget ?? null,
          calls: f.calls,
          input_tokens: f.input_tokens,
          output_tokens: f.output_tokens,
        };
      })(),
    };
  }

  /** The agent's money, from the ledger. */
  private withMoney(pool: AgentPool, status: Omit<AgentStatus, MoneyField>): AgentStatus {
    const b = this.ledger.balance(pool.spec.name);
    const budget = this.budget(pool.spec);
    return {
      ...status,
      budget_usd: picoToUsd(budget.budget),
      budget_source: budget.source,
      budget_why: budget.why,
      spent_usd: picoToUsd(b.spent),
      reserved_usd: picoToUsd(b.reserved),
      calls: b.calls,
      unsettled_calls: b.unsettled,
      waiting_calls: this.meter.waitingCalls(pool.spec.name),
      input_tokens: b.input_tokens,
      output_tokens: b.output_tokens,
    };
  }

  cost(by: 'agent' | 'model' | 'task', agent: string | undefined): ResultOf<typeof Cost> {
    if (agent !== undefined) this.pool(agent);
    const breakdown = this.ledger.breakdown(by, agent);
    const rows = breakdown.map((r) => ({
      key: r.key,
      spent_usd: picoToUsd(r.spent),
      reserved_usd: picoToUsd(r.reserved),
      calls: r.calls,
      unsettled_calls: r.unsettled,
      input_tokens: r.input_tokens,
      output_tokens: r.output_tokens,
    }));
    const spent = breakdown.reduce((sum, r) => sum + r.spent, 0);
    const reserved = breakdown.reduce((sum, r) => sum + r.reserved, 0);
    return { by, rows, total_spent_usd: picoToUsd(spent), total_reserved_usd: picoToUsd(reserved) };
  }

  async submit(agent: string, input: unknown, kind: string = DEFAULT_TASK_KIND, options: { base?: string; keep?: boolean } = {}): Promise<ResultOf<typeof Submit>> {
    const pool = this.pool(agent);
    if (this.stopping) throw new RpcError(ControlErrorCodes.NotAccepting, 'The fleet is stopping and takes no new tasks');
    const admission = pool.admission();
    if (admission.refuse) throw new RpcError(ControlErrorCodes.AgentUnavailable, admission.refuse);
    refuseTooDeepInput(input);
    const bytes = Buffer.byteLength(JSON.stringify(input ?? null));
    if (bytes > MAX_TASK_INPUT_BYTES) {
      throw new RpcError(
        ControlErrorCodes.TooLarge,
        `The task input is ${formatBytes(bytes)}, more than the ${formatBytes(MAX_TASK_INPUT_BYTES)} a task input may be: ` +
          'put large data in files in the project and pass their paths',
      );
    }
    checkBotInput(pool.spec, input);
    let base;
    try {
      if (!pool.spec.worktree && options.base !== undefined) {
        throw new BaseError(`Agent "${agent}" works without a git worktree (its spec has no exec rules and no "worktree: true"), so --base does not apply`);
      }
      base = pool.spec.worktree ? await this.workspaces.resolve(options.base) : undefined;
    } catch (error) {
      if (error instanceof BaseError) throw new RpcError(ControlErrorCodes.InvalidBase, error.message);
      throw error;
    }
    const task = await this.store.submit(agent, kind, input);
    if (base !== undefined && pool.spec.worktree) this.workspaces.record(task.id, agent, base, options.keep === true);
    this.events.emit({ type: 'task.queued', agent, task: task.id, message: `task ${task.id} queued` });
    pool.pump();
    return { task: this.view(task.id), ...(admission.note ? { note: admission.note } : {}) };
  }

  /** A task as the control API shows it (large inputs and results left out: see `tasks/read`). */
  private view(id: string): TaskView {
    const view = this.store.view(id);
    if (!view) throw new RpcError(ControlErrorCodes.UnknownTask, `No task "${id}" in the journal (see "codex fleet tasks")`);
    return view;
  }

  branches(): ResultOf<typeof ListBranches>['branches'] {
    return this.workspaces.branches().map((r) => ({
      task: r.task, agent: r.agent, branch: r.branch, base: r.base, state: r.state, worktree: r.worktree ?? null,
      commits: r.commits.map((c) => ({ ...c })),
    }));
  }

  async landBranch(task: string): Promise<{ sha: string; branch: string }> {
    try {
      const landed = await this.workspaces.land(task);
      return { sha: landed.landed_sha!, branch: landed.landed_on! };
    } catch (error) {
      if (error instanceof CommitRefusal) throw new RpcError(ControlErrorCodes.LandRefused, error.message);
      throw error;
    }
  }

  async discardBranch(task: string): Promise<void> {
    try {
      await this.workspaces.discard(task);
    } catch (error) {
      if (error instanceof CommitRefusal) throw new RpcError(ControlErrorCodes.LandRefused, error.message);
      throw error;
    }
  }

  getTask(id: string): TaskView {
    return this.view(id);
  }

  listTasks(filter: { agent?: string; state?: TaskRecord['state']; limit?: number }): ResultOf<typeof ListTasks> {
    const tasks: TaskSummary[] = [];
    let bytes = 0;
    for (const summary of this.store.summaries(filter)) {
      bytes += Buffer.byteLength(JSON.stringify(summary)) + 1;
      if (bytes > MAX_LIST_BYTES) return { tasks, truncated: true };
      tasks.push(summary);
    }
    return { tasks };
  }

  readTask(params: ParamsOf<typeof ReadTask>): ResultOf<typeof ReadTask> {
    const page = this.store.read(params.id, params.field, params.offset ?? 0, params.length ?? MAX_READ_CHARS);
    if (!page) throw new RpcError(ControlErrorCodes.UnknownTask, `No task "${params.id}" in the journal (see "codex fleet tasks")`);
    return page;
  }

  prune(params: ParamsOf<typeof PruneTasks>): ResultOf<typeof PruneTasks> {
    const keepDays = params.keep_days ?? this.retention.keepDays;
    const keepTasks = params.keep_tasks ?? this.retention.keepTasks;
    const report = this.store.prune(Date.now() - keepDays * DAY_MS, keepTasks);
    if (report.deleted > 0) {
      this.events.emit({ type: 'log', message: `pruned ${report.deleted} finished tasks (kept ${keepDays} days, at most ${keepTasks} finished tasks); ${report.remaining} left` });
    }
    return { ...report, keep_days: keepDays, keep_tasks: keepTasks };
  }

  waitTask(id: string, timeoutMs: number | undefined, signal: AbortSignal): Promise<TaskView> {
    const task = this.task(id);
    if (FINAL_STATES.has(task.state)) return Promise.resolve(this.view(id));
    return new Promise((resolve, reject) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => finish(() => reject(new RpcError(ControlErrorCodes.WaitTimeout, `Task ${id} is not finished after ${timeoutMs / 1000}s; it goes on`))), timeoutMs);
      const onAbort = (): void => finish(() => reject(signal.reason));
      const wake = (done: TaskRecord): void => finish(() => resolve(this.store.view(done.id) ?? this.view(id)));
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
    if (FINAL_STATES.has(task.state)) return this.view(id);
    const cancelled = this.store.cancel(id, 'cancelled by the user');
    if (!cancelled) return this.view(id);
    await this.store.durable();
    this.events.emit({ type: 'task.cancelled', agent: task.agent, task: id, message: `task ${id} cancelled` });
    if (task.state === 'running') await this.pools.get(task.agent)?.cancelRunning(id, `task ${id} was cancelled`);
    this.settle(cancelled);
    return this.view(id);
  }

  private agentStatus(pool: AgentPool): AgentStatus {
    return this.withMoney(pool, pool.status(this.store.counts().get(pool.spec.name) ?? { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0 }));
  }

  pause(agent: string): AgentStatus {
    const pool = this.pool(agent);
    this.store.setPaused(agent, true, 'paused by the user');
    pool.pause('paused by the user');
    return this.agentStatus(pool);
  }

  resume(agent: string, budget: { budget_usd?: number; add_usd?: number } = {}): AgentStatus {
    const pool = this.pool(agent);
    if (budget.budget_usd !== undefined && budget.add_usd !== undefined) {
      throw new RpcError(ErrorCodes.InvalidParams, 'Give either budget_usd (the new budget) or add_usd (added to it), not both');
    }
    if (budget.budget_usd !== undefined || budget.add_usd !== undefined) {
      const spec = usdToPico(pool.spec.cost_budget);
      const next = budget.budget_usd !== undefined ? usdToPico(budget.budget_usd) : this.budget(pool.spec).budget + usdToPico(budget.add_usd ?? 0);
      this.ledger.setBudgetOverride(agent, next, spec); // committed with the un-pause below
      this.events.emit({
        type: 'agent.budget',
        agent,
        message: `budget set to ${formatUsd(next)} (kept until the spec's cost_budget changes)`,
        data: { budget_usd: picoToUsd(next), source: 'override' },
      });
    }
    this.store.setPaused(agent, false);
    pool.resume();
    this.meter.wake(agent);
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
      this.watch?.close();
      clearInterval(this.retentionTimer);
      // A task waiting for budget would never finish a drain: its workers are stopped and its task queued
      // again for the next start (nothing was spent on the call it waited to make).
      await Promise.all(
        [...this.pools.values()].map((pool) => (now || this.meter.waitingCalls(pool.spec.name) > 0 ? pool.stopNow() : pool.drain())),
      );
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

/**
 * A task's input travels to the worker as `params.task.input` of `task/run`, three levels down: deeper
 * than the protocol's limit allows there, the worker would refuse the task, so it is refused here.
 */
function refuseTooDeepInput(input: unknown): void {
  const path = tooDeepAt(input, MAX_JSON_DEPTH - 3);
  if (path === undefined) return;
  const message = `The input nests arrays and objects deeper than ${MAX_JSON_DEPTH - 3} levels (the worker protocol allows ${MAX_JSON_DEPTH} per message, 3 of them around the input)`;
  throw new RpcError(ErrorCodes.InvalidParams, `Invalid params for "tasks/submit": /params/input${clipPointer(path)}: ${message}`, {
    path: `/params/input${path}`,
    message,
  });
}
