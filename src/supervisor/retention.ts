/**
 * How long finished tasks stay in the journal. Queued and running tasks, agent flags and spend
 * records are never deleted; finished (done, failed, cancelled) tasks are deleted once older than
 * `keepDays`, and beyond the newest `keepTasks` of them. Applied at start, every
 * {@link RETENTION_INTERVAL_MS}, and on `codex fleet prune`.
 */

export interface RetentionPolicy {
  /** Finished tasks older than this many days are deleted. */
  readonly keepDays: number;
  /** At most this many finished tasks are kept (the newest). */
  readonly keepTasks: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = Object.freeze({ keepDays: 30, keepTasks: 10_000 });

export const DAY_MS = 24 * 60 * 60 * 1000;

/** How often a running fleet applies its retention policy. */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;
