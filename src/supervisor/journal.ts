/**
 * The local TaskStore: SQLite in WAL mode with synchronous=FULL, so a task is on disk before it is
 * acknowledged and every state change is on disk before the supervisor acts on it.
 *
 * Group commit: every change made during one turn of the event loop (submits, starts, results, …) goes
 * into one transaction, committed (one fsync) at the end of that turn. A change is visible to this
 * process at once, but callers act on it (send the task to a worker, answer the client, wake waiters)
 * only after `durable()` resolves. With a hundred workers finishing tasks together this costs one fsync
 * per turn instead of two per task, which is what keeps the supervisor's event loop responsive.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { UnstorableValueError, type RecoveryReport, type TaskCounts, type TaskRecord, type TaskState, type TaskStore } from './task-store.js';

const SCHEMA_VERSION = 1;

/** Commit waiters woken per turn of the event loop (see `wake`). */
const WAKE_PER_TURN = 8;

interface Row {
  id: string;
  agent: string;
  kind: string;
  input: string;
  state: TaskState;
  attempts: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  result: string | null;
  error: string | null;
}

function toRecord(row: Row): TaskRecord {
  return Object.freeze({
    ...row,
    input: JSON.parse(row.input) as unknown,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
  });
}

/** JSON text of `value`, or `UnstorableValueError` (before anything is written). */
function serialize(value: unknown, what: string): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new UnstorableValueError(what, error);
  }
}

let lastId = '';
/** Sortable, short, unique task ids: `t` + time + randomness. */
export function newTaskId(now = Date.now()): string {
  let id: string;
  do id = `t${now.toString(36)}${randomBytes(3).toString('hex')}`;
  while (id === lastId);
  lastId = id;
  return id;
}

export class SqliteJournal implements TaskStore {
  private readonly db: Database.Database;
  private readonly statements;
  /** A group transaction is open; it is committed by the setImmediate that opened it. */
  private inGroup = false;
  private commitWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(
    path: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.statements = {
      insert: this.db.prepare(
        `INSERT INTO tasks (id, agent, kind, input, state, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', 0, ?, ?)`,
      ),
      get: this.db.prepare<[string], Row>('SELECT * FROM tasks WHERE id = ?'),
      // In index order (agent, state, created_at, rowid): no sort of the whole queue per dispatch.
      queued: this.db.prepare<[string, number], Row>(
        `SELECT * FROM tasks WHERE agent = ? AND state = 'queued' ORDER BY created_at, rowid LIMIT ?`,
      ),
      transition: this.db.prepare(
        `UPDATE tasks SET state = @to, updated_at = @now, attempts = attempts + @startInc,
           started_at = CASE WHEN @startInc = 1 THEN @now ELSE started_at END,
           finished_at = CASE WHEN @final = 1 THEN @now ELSE finished_at END,
           result = COALESCE(@result, result), error = @error
         WHERE id = @id AND state IN (SELECT value FROM json_each(@from))
         RETURNING *`,
      ),
      startNext: this.db.prepare(
        `UPDATE tasks SET state = 'running', updated_at = @now, attempts = attempts + 1, started_at = @now, error = NULL
         WHERE id = (SELECT id FROM tasks WHERE agent = @agent AND state = 'queued' ORDER BY created_at, rowid LIMIT 1)
         RETURNING *`,
      ),
      counts: this.db.prepare<[], { agent: string; state: TaskState; n: number }>(
        'SELECT agent, state, COUNT(*) AS n FROM tasks GROUP BY agent, state',
      ),
      running: this.db.prepare<[], Row>(`SELECT * FROM tasks WHERE state = 'running'`),
      setPaused: this.db.prepare('INSERT INTO agents (name, paused, reason) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET paused = excluded.paused, reason = excluded.reason'),
      paused: this.db.prepare<[], { name: string; reason: string | null }>('SELECT name, reason FROM agents WHERE paused = 1'),
    };
  }

  /** Runs `fn` inside the group transaction, opening one (committed at the end of this turn) if needed. */
  private write<T>(fn: () => T): T {
    if (!this.inGroup) {
      this.db.exec('BEGIN IMMEDIATE');
      this.inGroup = true;
      setImmediate(() => this.commit());
    }
    return fn();
  }

  /** Commits the group transaction (one fsync) and wakes everyone waiting for it. */
  private commit(): void {
    if (!this.inGroup) return;
    this.inGroup = false;
    const waiters = this.commitWaiters;
    this.commitWaiters = [];
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // already rolled back
      }
      for (const w of waiters) w.reject(error);
      return;
    }
    this.wake(waiters);
  }

  /**
   * Resolves commit waiters a bounded number per turn of the event loop: each one goes on to act on its
   * change (write to a worker, answer a client), and a hundred of them at once would stall the loop.
   */
  private wake(waiters: { resolve: () => void }[]): void {
    for (const w of waiters.slice(0, WAKE_PER_TURN)) w.resolve();
    if (waiters.length > WAKE_PER_TURN) setImmediate(() => this.wake(waiters.slice(WAKE_PER_TURN)));
  }

  durable(): Promise<void> {
    if (!this.inGroup) return Promise.resolve();
    return new Promise((resolve, reject) => this.commitWaiters.push({ resolve, reject }));
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`The journal was written by a newer codex fleet (schema ${version}); upgrade codex fleet to read it`);
    }
    if (version === SCHEMA_VERSION) return;
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS tasks (
        id TEXT PRIMARY KEY,
        agent TEXT NOT NULL,
        kind TEXT NOT NULL,
        input TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        result TEXT,
        error TEXT
      );
      CREATE INDEX IF NOT EXISTS tasks_by_agent_state ON tasks (agent, state, created_at);
      CREATE TABLE IF NOT EXISTS agents (name TEXT PRIMARY KEY, paused INTEGER NOT NULL, reason TEXT);
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  }

  async submit(agent: string, kind: string, input: unknown): Promise<TaskRecord> {
    const text = JSON.stringify(input ?? null);
    const now = this.clock();
    const id = newTaskId(now);
    this.write(() => this.statements.insert.run(id, agent, kind, text, now, now));
    const record = this.get(id)!;
    await this.durable(); // submits arriving in the same turn share this commit
    return record;
  }

  get(id: string): TaskRecord | undefined {
    const row = this.statements.get.get(id);
    return row ? toRecord(row) : undefined;
  }

  list(filter: { agent?: string; state?: TaskState; limit?: number } = {}): TaskRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.agent) {
      where.push('agent = ?');
      args.push(filter.agent);
    }
    if (filter.state) {
      where.push('state = ?');
      args.push(filter.state);
    }
    const sql =
      `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY rowid DESC LIMIT ${Math.max(1, Math.min(filter.limit ?? 100, 10_000))}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(toRecord);
  }

  queued(agent: string, limit: number): TaskRecord[] {
    return this.statements.queued.all(agent, limit).map(toRecord);
  }

  counts(): Map<string, TaskCounts> {
    const out = new Map<string, TaskCounts>();
    for (const { agent, state, n } of this.statements.counts.all()) {
      const counts = out.get(agent) ?? { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
      counts[state] = n;
      out.set(agent, counts);
    }
    return out;
  }

  private transition(
    id: string,
    from: readonly TaskState[],
    to: TaskState,
    fields: { result?: unknown; error?: string | null; start?: boolean } = {},
  ): TaskRecord | undefined {
    const result = fields.result === undefined ? null : serialize(fields.result, `The result of task ${id}`);
    const row = this.write(() => this.statements.transition.get({
      id,
      from: JSON.stringify(from),
      to,
      now: this.clock(),
      startInc: fields.start ? 1 : 0,
      final: to === 'done' || to === 'failed' || to === 'cancelled' ? 1 : 0,
      result,
      error: fields.error ?? null,
    }) as Row | undefined);
    return row ? toRecord(row) : undefined;
  }

  startNext(agent: string): TaskRecord | undefined {
    const row = this.write(() => this.statements.startNext.get({ agent, now: this.clock() }) as Row | undefined);
    return row ? toRecord(row) : undefined;
  }

  start(id: string): TaskRecord | undefined {
    return this.transition(id, ['queued'], 'running', { start: true });
  }

  finish(id: string, result: unknown): TaskRecord | undefined {
    return this.transition(id, ['running'], 'done', { result: result ?? null });
  }

  fail(id: string, error: string): TaskRecord | undefined {
    return this.transition(id, ['running', 'queued'], 'failed', { error });
  }

  requeue(id: string, reason: string): TaskRecord | undefined {
    return this.transition(id, ['running'], 'queued', { error: reason });
  }

  cancel(id: string, reason: string): TaskRecord | undefined {
    return this.transition(id, ['queued', 'running'], 'cancelled', { error: reason });
  }

  recover(attemptsLeft: (task: TaskRecord) => boolean): RecoveryReport {
    const requeued: TaskRecord[] = [];
    const failed: TaskRecord[] = [];
    this.write(() => {
      for (const row of this.statements.running.all()) {
        const task = toRecord(row);
        if (attemptsLeft(task)) {
          const next = this.requeue(task.id, 'interrupted: the supervisor stopped while it ran; re-queued');
          if (next) requeued.push(next);
        } else {
          const next = this.fail(task.id, 'interrupted: the supervisor stopped while it ran, and it has no retries left');
          if (next) failed.push(next);
        }
      }
    });
    this.commit();
    return { requeued, failed };
  }

  setPaused(agent: string, paused: boolean, reason?: string): void {
    this.write(() => this.statements.setPaused.run(agent, paused ? 1 : 0, reason ?? null));
    this.commit(); // on disk before the caller answers
  }

  paused(): Map<string, string> {
    return new Map(this.statements.paused.all().map((row) => [row.name, row.reason ?? 'paused']));
  }

  close(): void {
    this.commit();
    this.db.close();
  }
}
