/**
 * The local TaskStore: SQLite in WAL mode with synchronous=FULL, so a task is on disk before it is
 * acknowledged and every state change is on disk before the supervisor acts on it.
 *
 * Group commit: every change made during one turn of the event loop (submits, starts, results, …) goes
 * into one transaction, committed (one fsync) at the end of that turn. A change is visible to this
 * process at once, but callers act on it (send the task to a worker, answer the client, wake waiters)
 * only after `durable()` resolves. With a hundred workers finishing tasks together this costs one fsync
 * per turn instead of two per task, which is what keeps the supervisor's event loop responsive.
 *
 * A change whose loss in a crash is already covered (see `writeLater`) may instead wait for the next
 * commit that something else asks for, at most {@link LATER_COMMIT_MS}: a model call's charge rides with
 * the next call's reservation instead of costing an fsync of its own.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { TaskSummary, TaskView } from '../control/methods.js';
import { LIST_ERROR_CHARS, MAX_ERROR_CHARS, MAX_TASK_RESULT_BYTES, PREVIEW_CHARS, VIEW_INLINE_BYTES, formatBytes } from '../control/task-limits.js';
import { HighWaterMark } from './high-water.js';
import { copyReadable, isDamage, JournalDamagedError, JournalLossError, moveAside, quickCheck, type JournalRecovery } from './journal-damage.js';
import { lastTaskSeq, migrate } from './journal-schema.js';
import type { PruneReport, RecoveryReport, TaskCounts, TaskRecord, TaskState, TaskStore, TextPage } from './task-store.js';

export interface JournalOptions {
  readonly clock?: () => number;
  /** The high-water mark file (see high-water.ts). Default: `<path>.seq`. */
  readonly highWaterPath?: string;
  /**
   * What to do with a damaged journal or one that lost acknowledged tasks: `refuse` (default) throws
   * {@link JournalDamagedError} / {@link JournalLossError}; `recover` moves the files aside and goes on
   * with what is readable (see {@link SqliteJournal.recovery}).
   */
  readonly onDamage?: 'refuse' | 'recover';
  /**
   * Tables that other parts keep in this journal (the ledger's spend records): created before a damaged
   * journal's readable rows are copied, so a recovery keeps them too.
   */
  readonly extraSchema?: (db: Database.Database) => void;
}

const FINAL = `('done', 'failed', 'cancelled')`;

/** Commit waiters woken per turn of the event loop (see `wake`). */
const WAKE_PER_TURN = 8;

/** The longest a change written with `writeLater` waits for a commit when nothing else asks for one. */
export const LATER_COMMIT_MS = 5;

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

interface ViewRow {
  id: string;
  agent: string;
  kind: string;
  state: TaskState;
  attempts: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  input_bytes: number;
  input: string | null;
  result_bytes: number | null;
  result: string | null;
}

function toView(row: ViewRow): TaskView {
  return {
    id: row.id,
    agent: row.agent,
    kind: row.kind,
    input: row.input === null ? null : (JSON.parse(row.input) as unknown),
    input_bytes: row.input_bytes,
    input_inline: row.input !== null,
    state: row.state,
    attempts: row.attempts,
    created_at: row.created_at,
    updated_at: row.updated_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    result_bytes: row.result_bytes,
    result_inline: row.result_bytes === null || row.result !== null,
    error: row.error,
  };
}

function toRecord(row: Row): TaskRecord {
  return Object.freeze({
    ...row,
    input: JSON.parse(row.input) as unknown,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
  });
}

function clipError(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}… (${text.length - MAX_ERROR_CHARS} more characters)` : text;
}

/** The WHERE terms and arguments of a task list's filter. */
function taskFilter(filter: { agent?: string; state?: TaskState }): { where: string[]; args: unknown[] } {
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
  return { where, args };
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
  /** A group transaction is open. */
  private inGroup = false;
  /** The open group is committed at the end of this turn (a setImmediate is scheduled). */
  private commitThisTurn = false;
  /** The open group holds only `writeLater` changes: this timer commits it if nothing else does first. */
  private laterTimer: ReturnType<typeof setTimeout> | undefined;
  private commitWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  private readonly clock: () => number;
  private readonly highWater: HighWaterMark;
  /** Highest task number inserted by this process (raised into the high-water mark after each commit). */
  private lastInsert = 0;
  /** What was done to a damaged journal at open, if anything. */
  readonly recovery: (JournalRecovery & { readonly lostTasks: number }) | undefined;

  constructor(path: string, options: JournalOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.highWater = new HighWaterMark(options.highWaterPath ?? `${path}.seq`);
    let opened: Database.Database | undefined;
    try {
      opened = this.openChecked(path);
    } catch (error) {
      if (options.onDamage !== 'recover' || !(error instanceof JournalDamagedError || error instanceof JournalLossError)) {
        this.highWater.close();
        throw error;
      }
      const movedTo = moveAside(path);
      opened = new Database(path);
      opened.pragma('journal_mode = WAL');
      opened.pragma('synchronous = FULL');
      migrate(opened);
      options.extraSchema?.(opened);
      const copied = copyReadable(movedTo, opened);
      const found = lastTaskSeq(opened);
      this.recovery = { ...copied, lostTasks: Math.max(0, this.highWater.read() - found) };
      this.highWater.reset(found);
    }
    this.db = opened;
    this.db.pragma('busy_timeout = 5000');
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
      counts: this.db.prepare<[], { agent: string; state: TaskState; n: number }>('SELECT agent, state, n FROM task_counts'),
      view: this.db.prepare<[number, number, string], ViewRow>(
        `SELECT id, agent, kind, state, attempts, created_at, updated_at, started_at, finished_at, error,
           length(CAST(input AS BLOB)) AS input_bytes, CASE WHEN length(CAST(input AS BLOB)) <= ? THEN input END AS input,
           length(CAST(result AS BLOB)) AS result_bytes, CASE WHEN length(CAST(result AS BLOB)) <= ? THEN result END AS result
         FROM tasks WHERE id = ?`,
      ),
      readInput: this.db.prepare<[number, number, string], { text: string; total: number }>(
        'SELECT substr(input, ?, ?) AS text, length(input) AS total FROM tasks WHERE id = ?',
      ),
      readResult: this.db.prepare<[number, number, string], { text: string | null; total: number | null }>(
        'SELECT substr(result, ?, ?) AS text, length(result) AS total FROM tasks WHERE id = ?',
      ),
      pruneOld: this.db.prepare<[number]>(`DELETE FROM tasks WHERE state IN ${FINAL} AND finished_at < ?`),
      pruneBeyond: this.db.prepare<[number]>(
        `DELETE FROM tasks WHERE rowid IN (SELECT rowid FROM tasks WHERE state IN ${FINAL} ORDER BY finished_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
      ),
      total: this.db.prepare<[], { n: number }>('SELECT COALESCE(SUM(n), 0) AS n FROM task_counts'),
      running: this.db.prepare<[], Row>(`SELECT * FROM tasks WHERE state = 'running'`),
      setPaused: this.db.prepare('INSERT INTO agents (name, paused, reason) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET paused = excluded.paused, reason = excluded.reason'),
      paused: this.db.prepare<[], { name: string; reason: string | null }>('SELECT name, reason FROM agents WHERE paused = 1'),
    };
  }

  /**
   * Opens the journal and checks it before anything is written: SQLite can read it, its quick integrity
   * check passes, and it holds every task ever acknowledged (the high-water mark).
   */
  private openChecked(path: string): Database.Database {
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      quickCheck(db, path);
      const found = lastTaskSeq(db);
      const acknowledged = this.highWater.read();
      if (acknowledged > found) throw new JournalLossError(path, acknowledged, found);
      migrate(db);
      return db;
    } catch (error) {
      db?.close();
      if (isDamage(error)) throw new JournalDamagedError(path, (error as Error).message);
      throw error;
    }
  }

  /** Runs `fn` inside the group transaction, opening one if needed; the group is committed at the end of this turn. */
  private write<T>(fn: () => T): T {
    if (!this.inGroup) this.begin();
    this.commitAtEndOfTurn();
    return fn();
  }

  /**
   * Runs `fn` inside the group transaction without asking for a commit of its own: the change reaches
   * the disk with the next commit that a `write` or a `durable()` asks for, or after
   * {@link LATER_COMMIT_MS} if none does. Only for changes whose loss in a crash is already accounted
   * for on disk, and which nothing durable may depend on before they are: whatever is written after
   * them is committed with them or later, never before.
   */
  private writeLater<T>(fn: () => T): T {
    if (!this.inGroup) this.begin();
    if (!this.commitThisTurn && this.laterTimer === undefined) this.laterTimer = setTimeout(() => this.commit(), LATER_COMMIT_MS);
    return fn();
  }

  private begin(): void {
    this.db.exec('BEGIN IMMEDIATE');
    this.inGroup = true;
  }

  private commitAtEndOfTurn(): void {
    if (this.commitThisTurn) return;
    this.commitThisTurn = true;
    setImmediate(() => this.commit());
  }

  /** Commits the group transaction (one fsync) and wakes everyone waiting for it. */
  private commit(): void {
    if (!this.inGroup) return;
    this.inGroup = false;
    this.commitThisTurn = false;
    if (this.laterTimer !== undefined) {
      clearTimeout(this.laterTimer);
      this.laterTimer = undefined;
    }
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
    try {
      this.highWater.raise(this.lastInsert);
    } catch (error) {
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

  /**
   * The database and its group transaction, for the ledger, which keeps its tables in this journal so a
   * reservation and the task it belongs to reach the disk in the same commit.
   */
  shared(): { db: Database.Database; write<T>(fn: () => T): T; writeLater<T>(fn: () => T): T; durable(): Promise<void> } {
    return { db: this.db, write: (fn) => this.write(fn), writeLater: (fn) => this.writeLater(fn), durable: () => this.durable() };
  }

  /** Resolves once every change so far is on disk (a group waiting for a later commit is committed this turn). */
  durable(): Promise<void> {
    if (!this.inGroup) return Promise.resolve();
    this.commitAtEndOfTurn();
    return new Promise((resolve, reject) => this.commitWaiters.push({ resolve, reject }));
  }

  async submit(agent: string, kind: string, input: unknown): Promise<TaskRecord> {
    const text = JSON.stringify(input ?? null);
    const now = this.clock();
    const id = newTaskId(now);
    const { lastInsertRowid } = this.write(() => this.statements.insert.run(id, agent, kind, text, now, now));
    this.lastInsert = Math.max(this.lastInsert, Number(lastInsertRowid));
    const record = this.get(id)!;
    await this.durable(); // submits arriving in the same turn share this commit
    return record;
  }

  get(id: string): TaskRecord | undefined {
    const row = this.statements.get.get(id);
    return row ? toRecord(row) : undefined;
  }

  list(filter: { agent?: string; state?: TaskState; limit?: number } = {}): TaskRecord[] {
    const { where, args } = taskFilter(filter);
    const sql =
      `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY rowid DESC LIMIT ${Math.max(1, Math.min(filter.limit ?? 100, 10_000))}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(toRecord);
  }

  summaries(filter: { agent?: string; state?: TaskState; limit?: number } = {}): TaskSummary[] {
    const { where, args } = taskFilter(filter);
    const sql =
      `SELECT id, agent, kind, state, attempts, created_at, updated_at, started_at, finished_at,
         substr(error, 1, ${LIST_ERROR_CHARS}) AS error,
         length(CAST(input AS BLOB)) AS input_bytes, substr(input, 1, ${PREVIEW_CHARS}) AS input_preview,
         length(CAST(result AS BLOB)) AS result_bytes, substr(result, 1, ${PREVIEW_CHARS}) AS result_preview
       FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY rowid DESC LIMIT ${Math.max(1, Math.min(filter.limit ?? 100, 10_000))}`;
    return this.db.prepare(sql).all(...args) as TaskSummary[];
  }

  view(id: string): TaskView | undefined {
    const row = this.statements.view.get(VIEW_INLINE_BYTES, VIEW_INLINE_BYTES, id);
    return row ? toView(row) : undefined;
  }

  read(id: string, field: 'input' | 'result', offset: number, length: number): TextPage | undefined {
    const row = (field === 'input' ? this.statements.readInput : this.statements.readResult).get(offset + 1, length, id);
    if (!row) return undefined;
    const total = row.total ?? 0;
    const text = row.text ?? '';
    return { text, offset, total, done: offset + text.length >= total || text.length === 0 };
  }

  prune(before: number, keep: number): PruneReport {
    let deleted = 0;
    this.write(() => {
      deleted += this.statements.pruneOld.run(before).changes;
      deleted += this.statements.pruneBeyond.run(keep).changes;
    });
    this.commit();
    return { deleted, remaining: this.statements.total.get()!.n };
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
    fields: { resultJson?: string; error?: string | null; start?: boolean } = {},
  ): TaskRecord | undefined {
    const row = this.write(() => this.statements.transition.get({
      id,
      from: JSON.stringify(from),
      to,
      now: this.clock(),
      startInc: fields.start ? 1 : 0,
      final: to === 'done' || to === 'failed' || to === 'cancelled' ? 1 : 0,
      result: fields.resultJson ?? null,
      error: fields.error === undefined || fields.error === null ? null : clipError(fields.error),
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
    let text: string;
    try {
      text = JSON.stringify(result ?? null);
    } catch (error) {
      return this.fail(id, `the worker's result cannot be stored: ${(error as Error).message}`);
    }
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_TASK_RESULT_BYTES) {
      return this.fail(
        id,
        `the worker's result is ${formatBytes(bytes)}, more than the ${formatBytes(MAX_TASK_RESULT_BYTES)} a task result may be: ` +
          'write large outputs to files in the workspace and return their names',
      );
    }
    return this.transition(id, ['running'], 'done', { resultJson: text });
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
    this.highWater.close();
  }
}
