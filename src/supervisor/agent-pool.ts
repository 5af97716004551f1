/**
 * One agent's pool: `concurrency` worker slots, the agent's state, its restart policy, and the loop that
 * hands queued tasks to ready workers. Every task transition is written to the store before it is acted
 * on; a busy worker never gets a second task.
 */
import type { AgentStatus } from '../control/methods.js';
import type { Task } from '../protocol/task.js';
import type { AgentSpec } from '../spec/types.js';
import type { FleetEvents } from './events.js';
import { LineRateLimit } from './rate-limit.js';
import { RestartTracker } from './restart-policy.js';
import type { TaskRecord, TaskStore } from './task-store.js';
import { WorkerHandle, type RunOutcome, type WorkerExit, type WorkerOptions } from './worker.js';

export type AgentState = AgentStatus['state'];

/** The status fields that come from the ledger, not the pool. */
export type MoneyField =
  | 'budget_usd'
  | 'budget_source'
  | 'budget_why'
  | 'spent_usd'
  | 'reserved_usd'
  | 'calls'
  | 'unsettled_calls'
  | 'waiting_calls'
  | 'input_tokens'
  | 'output_tokens';

/**
 * Lines of one worker's stderr, and likewise of its log and progress messages, shown as events per
 * second; the rest are counted or skipped, so a flood stalls nothing.
 */
export const STDERR_LINES_PER_SECOND = 50;

export interface PoolDeps {
  readonly store: TaskStore;
  readonly events: FleetEvents;
  /** Everything a worker of this agent needs but its index and callbacks. */
  readonly workerOptions: (index: number) => Omit<WorkerOptions, 'onStateChange' | 'onExit' | 'onStderrLine' | 'onProgress'>;
  /** Called whenever a task reaches a final state. */
  readonly onTaskFinal: (task: TaskRecord) => void;
  /** The journal could not be written: nothing more can be promised durable. */
  readonly onJournalFailure: (error: Error) => void;
}

export class AgentPool {
  private _state: AgentState = 'starting';
  private _reason: string | null = null;
  private readonly slots: (WorkerHandle | undefined)[];
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private readonly tracker: RestartTracker;
  private restarts = 0;
  private draining = false;
  private pumping = false;
  private readonly running = new Map<string, WorkerHandle>();
  /** Workers given a task whose start is not on disk yet: ready, but taken. */
  private readonly assigned = new Set<WorkerHandle>();
  /** Resolved when no task of this agent runs any more (for drain). */
  private readonly idle: (() => void)[] = [];

  constructor(
    readonly spec: AgentSpec,
    private readonly deps: PoolDeps,
  ) {
    this.slots = Array.from({ length: spec.concurrency }, () => undefined);
    this.tracker = new RestartTracker(spec.restart);
  }

  get state(): AgentState {
    return this._state;
  }
  get reason(): string | null {
    return this._reason;
  }

  private setState(state: AgentState, reason: string | null): void {
    if (this._state === state && this._reason === reason) return;
    this._state = state;
    this._reason = reason;
    this.deps.events.emit({
      type: 'agent.state',
      agent: this.spec.name,
      message: reason ? `${state}: ${reason}` : state,
      data: { state, reason },
    });
  }

  /** Starts every worker slot, unless the agent was left paused. */
  start(pausedReason: string | undefined): void {
    if (pausedReason !== undefined) {
      this.setState('paused', pausedReason);
      return;
    }
    this.setState('running', null);
    for (let i = 0; i < this.slots.length; i++) this.startSlot(i);
  }

  /** Marks the agent errored without starting it (e.g. it cannot be sandboxed here). */
  refuse(reason: string): void {
    this.refused = true;
    this.setState('errored', reason);
  }

  /** The agent was refused at start (it cannot run here), as opposed to errored by crashes. */
  private refused = false;

  /**
   * Whether a new task for this agent should be accepted: `refuse` (with why and what to do) for an
   * agent that cannot run its tasks, `note` for one that will run them later.
   */
  admission(): { readonly refuse?: string; readonly note?: string } {
    const name = this.spec.name;
    if (this._state === 'errored') {
      const reason = (this._reason ?? 'no reason given').replace(/\.$/, '');
      return this.refused
        ? { refuse: `Agent "${name}" cannot run on this machine: ${reason}. Fix its spec or the machine, then start the fleet again` }
        : {
            refuse:
              `Agent "${name}" is errored: ${reason}. Fix the cause (its last stderr lines are above), then ` +
              `"codex fleet resume ${name}"; tasks already queued stay queued`,
          };
    }
    if (this._state === 'paused' || this._state === 'stopped') {
      return { note: `agent "${name}" is ${this._state} (${this._reason ?? 'no reason given'}): the task waits in the queue until "codex fleet resume ${name}"` };
    }
    return {};
  }

  private startSlot(index: number): void {
    if (this.slots[index] || this.draining || this._state !== 'running') return;
    let worker: WorkerHandle;
    const stderrLimit = new LineRateLimit(STDERR_LINES_PER_SECOND);
    const progressLimit = new LineRateLimit(STDERR_LINES_PER_SECOND);
    try {
      worker = new WorkerHandle({
        ...this.deps.workerOptions(index),
        onStateChange: (w, state) => {
          this.deps.events.emit({
            type: 'worker.state',
            agent: this.spec.name,
            worker: w.index,
            message: `worker ${state}${state === 'ready' && w.pid ? ` (pid ${w.pid})` : ''}`,
            data: { state, pid: w.pid ?? null },
          });
          if (state === 'ready') this.pump();
        },
        onExit: (w, exit) => {
          stderrLimit.flush(); // the count of lines held back comes before the exit report
          this.onWorkerExit(w, exit);
        },
        onStderrLine: (w, line) => {
          const emit = (message: string): void =>
            this.deps.events.emit({ type: 'log', agent: this.spec.name, worker: w.index, message, data: { stream: 'stderr' } });
          if (stderrLimit.take((n) => emit(`(${n} more stderr lines not shown; the last ones are kept for its exit report)`))) {
            emit(`stderr: ${clip(line)}`);
          }
        },
        onProgress: (w, taskId, message, fraction) => {
          if (!progressLimit.take(() => undefined)) return; // progress is a gauge: skipping some loses nothing
          this.deps.events.emit({
            type: 'task.progress',
            agent: this.spec.name,
            worker: w.index,
            task: taskId,
            message: `task ${taskId}: ${clip(message ?? '')}${fraction === undefined ? '' : ` (${Math.round(fraction * 100)}%)`}`,
            data: { fraction: fraction ?? null },
          });
        },
      });
    } catch (error) {
      this.setState('errored', (error as Error).message);
      return;
    }
    this.slots[index] = worker;
    worker.start().catch((error: Error) => {
      this.deps.events.emit({ type: 'log', agent: this.spec.name, worker: index, message: error.message });
    });
  }

  private onWorkerExit(worker: WorkerHandle, exit: WorkerExit): void {
    if (this.slots[worker.index] === worker) this.slots[worker.index] = undefined;
    this.deps.events.emit({
      type: 'worker.exit',
      agent: this.spec.name,
      worker: worker.index,
      // One line: printed plainly, a newline would be escaped; the lines themselves are in data.stderr.
      message: `worker ${exit.reason}${!exit.requested && exit.stderr ? `; last stderr: ${exit.stderr.split('\n').join(' | ')}` : ''}`,
      data: { code: exit.code, signal: exit.signal, requested: exit.requested, stderr: exit.stderr },
    });
    if (exit.requested) {
      // Recycled after a cancel or timeout: start a fresh one in its slot.
      if (this._state === 'running' && !this.draining) this.startSlot(worker.index);
      return;
    }
    this.restarts += 1;
    const decision = this.tracker.onCrash(exit.uptimeMs);
    if (!decision.restart) {
      this.setState('errored', `${decision.reason}; last exit: ${exit.reason}${exit.stderr ? `; stderr: ${lastLines(exit.stderr, 5)}` : ''}`);
      void this.stopWorkers('the agent is errored');
      return;
    }
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      this.startSlot(worker.index);
    }, decision.delayMs);
    timer.unref();
    this.restartTimers.add(timer);
  }

  /** Hands queued tasks to ready workers. */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this._state === 'running' && !this.draining) {
        const worker = this.slots.find((w) => w?.state === 'ready' && !this.assigned.has(w));
        if (!worker) return;
        const started = this.deps.store.startNext(this.spec.name);
        if (!started) return;
        this.assigned.add(worker);
        this.runOn(worker, started).catch((error: unknown) => this.deps.onJournalFailure(error as Error));
      }
    } finally {
      this.pumping = false;
    }
  }

  private async runOn(worker: WorkerHandle, record: TaskRecord): Promise<void> {
    const { events, store } = this.deps;
    this.running.set(record.id, worker);
    try {
      await store.durable(); // the start is on disk before the worker hears of it
    } finally {
      this.assigned.delete(worker);
    }
    if (worker.state !== 'ready') {
      // Its worker went away (or was stopped by a cancel of this task) while the start was being written.
      this.taskEnded(record.id);
      store.requeue(record.id, 'its worker went away before the task reached it');
      this.pump();
      return;
    }
    const task: Task = {
      id: record.id,
      kind: record.kind,
      input: record.input,
      deadline_ms: Date.now() + this.spec.limits.wall_time_s * 1000,
    };
    events.emit({
      type: 'task.started',
      agent: this.spec.name,
      worker: worker.index,
      task: record.id,
      message: `task ${record.id} started (attempt ${record.attempts})`,
    });
    let outcome: RunOutcome;
    try {
      outcome = await worker.run(task, this.spec.limits.wall_time_s * 1000);
    } catch (error) {
      outcome = { kind: 'lost', error: (error as Error).message };
    }
    this.taskEnded(record.id);
    const current = store.get(record.id);
    if (current?.state === 'cancelled') {
      this.pump();
      return;
    }
    if (outcome.kind === 'done') {
      const done = store.finish(record.id, outcome.result);
      if (done?.state === 'failed') {
        // The result could not be stored (too large, or not serializable): the task failed, the fleet goes on.
        await store.durable();
        events.emit({ type: 'task.failed', agent: this.spec.name, worker: worker.index, task: record.id, message: `task ${record.id} failed: ${done.error}` });
        this.deps.onTaskFinal(done);
      } else if (done) {
        await store.durable(); // the result is on disk before anyone hears of it
        events.emit({ type: 'task.done', agent: this.spec.name, worker: worker.index, task: record.id, message: `task ${record.id} done${outcome.result.summary ? `: ${outcome.result.summary}` : ''}` });
        this.deps.onTaskFinal(done);
      }
    } else if (outcome.kind === 'failed') {
      await this.failTask(record.id, outcome.error, worker.index);
    } else {
      // Past its wall time the task may still run in the worker: the worker is recycled (cancel, at most
      // WALL_TIME_GRACE_MS to exit, then SIGKILL of its group), nothing of the task may go on. A task
      // without retries left fails at once; a retry waits for the old worker to be gone, so that a task
      // never runs twice at the same time.
      if (outcome.timedOut) {
        const gone = worker.stopQuickly(outcome.error);
        if (!this.draining && this._state !== 'stopped' && record.attempts > this.spec.limits.retries) {
          await this.failTask(record.id, `${outcome.error} (no retries left: limits.retries is ${this.spec.limits.retries})`, worker.index);
          await gone;
          this.pump();
          return;
        }
        await gone;
      }
      if (this.draining || this._state === 'stopped') {
        store.requeue(record.id, `${outcome.error}; queued again for the next start`);
      } else if (record.attempts <= this.spec.limits.retries) {
        store.requeue(record.id, outcome.error);
        events.emit({ type: 'task.retry', agent: this.spec.name, task: record.id, message: `task ${record.id} will be retried: ${outcome.error}` });
      } else {
        await this.failTask(record.id, `${outcome.error} (no retries left: limits.retries is ${this.spec.limits.retries})`, worker.index);
      }
    }
    this.pump();
  }

  private taskEnded(id: string): void {
    this.running.delete(id);
    if (this.running.size === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  private async failTask(id: string, error: string, worker: number): Promise<void> {
    const failed = this.deps.store.fail(id, error);
    if (!failed) return;
    await this.deps.store.durable();
    this.deps.events.emit({ type: 'task.failed', agent: this.spec.name, worker, task: id, message: `task ${id} failed: ${error}` });
    this.deps.onTaskFinal(failed);
  }

  /** Cancels a running task of this agent: its worker is stopped (and replaced) so nothing of it goes on. */
  async cancelRunning(id: string, reason: string): Promise<boolean> {
    const worker = this.running.get(id);
    if (!worker) return false;
    await worker.stop(reason);
    return true;
  }

  pause(reason: string): void {
    if (this._state === 'running' || this._state === 'starting') this.setState('paused', reason);
  }

  resume(): void {
    if (this._state === 'running') return;
    this.tracker.reset();
    this.setState('running', null);
    for (let i = 0; i < this.slots.length; i++) this.startSlot(i);
    this.pump();
  }

  /** Stops the workers now (the kill sequence); running tasks go back to the queue. */
  async kill(reason: string): Promise<void> {
    this.setState('stopped', reason);
    await this.stopWorkers(reason);
  }

  private async stopWorkers(reason: string): Promise<void> {
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    await Promise.all(this.slots.map((w) => w?.stop(reason)));
  }

  /** Drain: no new tasks; resolves when running tasks are finished. */
  async drain(): Promise<void> {
    this.draining = true;
    if (this.running.size > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.stopWorkers('the fleet is stopping');
  }

  /** Stop now: workers killed by the kill sequence, their tasks re-queued. */
  async stopNow(): Promise<void> {
    this.draining = true;
    await this.stopWorkers('the fleet is stopping');
  }

  status(counts: { queued: number; running: number; done: number; failed: number; cancelled: number }): Omit<AgentStatus, MoneyField> {
    return {
      name: this.spec.name,
      state: this._state,
      reason: this._reason,
      model: this.spec.model,
      cost_budget: this.spec.cost_budget,
      concurrency: this.spec.concurrency,
      workers: this.slots.filter((w) => w && w.state !== 'stopped' && w.state !== 'errored').length,
      worker_states: this.slots.map((w) => w?.state ?? 'stopped'),
      restarts: this.restarts,
      ...counts,
    };
  }
}

/** Longest worker-supplied text put into one event. */
export const MAX_EVENT_TEXT = 2000;

/** Worker-supplied text, cut to {@link MAX_EVENT_TEXT} characters. */
export function clip(text: string): string {
  return text.length > MAX_EVENT_TEXT ? `${text.slice(0, MAX_EVENT_TEXT)}… (${text.length - MAX_EVENT_TEXT} more characters)` : text;
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join(' | ');
}
