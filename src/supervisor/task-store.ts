/**
 * The supervisor's durable record of tasks and agent flags. The pool talks to it only through this
 * interface; the local implementation is SQLite (journal.ts). A shared store for several machines can
 * implement the same interface.
 */

import type { TaskSummary, TaskView } from '../control/methods.js';

export type TaskState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export const FINAL_STATES: ReadonlySet<TaskState> = new Set(['done', 'failed', 'cancelled']);

export interface TaskRecord {
  readonly id: string;
  readonly agent: string;
  /** What to do, for the agent's plugin (e.g. "repair"); `default` when the submitter named none. */
  readonly kind: string;
  readonly input: unknown;
  readonly state: TaskState;
  /** Times the task was started (a retry or a re-run after a crash adds one). */
  readonly attempts: number;
  readonly created_at: number;
  readonly updated_at: number;
  readonly started_at: number | null;
  readonly finished_at: number | null;
  /** The worker's result, for `done`. */
  readonly result: unknown;
  /** Why it failed or was cancelled; for a queued task, why it was re-queued. */
  readonly error: string | null;
}

/** The kind a task gets when the submitter names none. */
export const DEFAULT_TASK_KIND = 'default';

export interface TaskCounts {
  queued: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
}

export interface RecoveryReport {
  /** Tasks found running after an unclean stop and put back in the queue. */
  readonly requeued: readonly TaskRecord[];
  /** Tasks found running that had no attempts left: failed as interrupted. */
  readonly failed: readonly TaskRecord[];
}

/** What `prune` deleted. */
export interface PruneReport {
  readonly deleted: number;
  readonly remaining: number;
}

/** A page of a task's input or result JSON text. */
export interface TextPage {
  readonly text: string;
  readonly offset: number;
  readonly total: number;
  readonly done: boolean;
}

/**
 * Changes (start, finish, fail, requeue, cancel) take effect at once for this process's reads, and are on
 * disk once `durable()` resolves: act on a change (tell a worker, answer a client) only after that.
 */
export interface TaskStore {
  /** Records a new queued task; resolves once it is on disk. */
  submit(agent: string, kind: string, input: unknown): Promise<TaskRecord>;
  /** Resolves once every change made so far is on disk. */
  durable(): Promise<void>;
  get(id: string): TaskRecord | undefined;
  list(filter?: { agent?: string; state?: TaskState; limit?: number }): TaskRecord[];
  /** Like `list`, as summaries: sizes and previews instead of whole inputs and results. */
  summaries(filter?: { agent?: string; state?: TaskState; limit?: number }): TaskSummary[];
  /** One task as the control API shows it: input and result inline up to `VIEW_INLINE_BYTES` each. */
  view(id: string): TaskView | undefined;
  /** `length` characters of a task's input or result JSON text from `offset`; undefined for no such task. */
  read(id: string, field: 'input' | 'result', offset: number, length: number): TextPage | undefined;
  /** Deletes finished tasks finished before `before` (ms) or beyond the newest `keep` finished ones. */
  prune(before: number, keep: number): PruneReport;
  /** Queued tasks of `agent`, oldest first. */
  queued(agent: string, limit: number): TaskRecord[];
  /** Per-agent task counts; cheap (kept up to date as tasks change, not counted per call). */
  counts(): Map<string, TaskCounts>;
  /** The oldest queued task of `agent` → running (attempts + 1), in one step; undefined if none is queued. */
  startNext(agent: string): TaskRecord | undefined;
  /** queued → running; attempts + 1. Returns the updated record, or undefined if it was not queued. */
  start(id: string): TaskRecord | undefined;
  /**
   * running → done. A result that cannot be stored (larger than `MAX_TASK_RESULT_BYTES`, or not
   * serializable) fails the task instead, with the reason: check the returned record's state.
   */
  finish(id: string, result: unknown): TaskRecord | undefined;
  /** running|queued → failed. */
  fail(id: string, error: string): TaskRecord | undefined;
  /** running → queued, keeping its attempts (a retry). */
  requeue(id: string, reason: string): TaskRecord | undefined;
  /** queued|running → cancelled. */
  cancel(id: string, reason: string): TaskRecord | undefined;
  /** After an unclean stop: running tasks re-queued if `attemptsLeft(task)`, else failed. */
  recover(attemptsLeft: (task: TaskRecord) => boolean): RecoveryReport;
  setPaused(agent: string, paused: boolean, reason?: string): void;
  /** Paused agents and why. */
  paused(): Map<string, string>;
  close(): void;
}
