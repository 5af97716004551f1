/**
 * A journal that SQLite cannot read, or that lost acknowledged tasks: the errors that say so, and the
 * recovery that keeps what is readable. Recovery never deletes anything: the damaged files are moved
 * aside (`journal.db.damaged-<time>`, with their `-wal`), and every row that can still be read from
 * every table (tasks, agent flags, spend records) is copied into a new journal.
 */
import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';

export class JournalDamagedError extends Error {
  readonly code = 'CODEX_FLEET_JOURNAL_DAMAGED';
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(
      `The journal ${path} is damaged (${detail}). Nothing was changed. To go on with what is readable, run ` +
        '"codex fleet start --recover-journal": it moves the damaged files aside (nothing is deleted) and copies every ' +
        'readable task, agent flag and spend record into a new journal',
    );
    this.name = 'JournalDamagedError';
  }
}

export class JournalLossError extends Error {
  readonly code = 'CODEX_FLEET_JOURNAL_LOST_TASKS';
  constructor(
    readonly path: string,
    /** Highest task number acknowledged before. */
    readonly acknowledged: number,
    /** Highest task number in the journal now. */
    readonly found: number,
  ) {
    super(
      `The journal ${path} has lost acknowledged tasks: tasks up to number ${acknowledged} were acknowledged, but it ends at ` +
        `${found} (its write-ahead log ${path}-wal was damaged or removed; SQLite drops such a log without a word). Nothing was ` +
        'changed. Restore the files from a backup, or run "codex fleet start --recover-journal" to keep the files aside and go ' +
        `on with the ${found === 0 ? 'empty journal' : 'tasks that are left'}`,
    );
    this.name = 'JournalLossError';
  }
}

/** Whether a SQLite error means the file is not a readable database (as opposed to, e.g., a full disk). */
export function isDamage(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

/** Runs SQLite's quick integrity check; throws {@link JournalDamagedError} with its first findings. */
export function quickCheck(db: Database.Database, path: string): void {
  const rows = db.pragma('quick_check(5)') as { quick_check: string }[];
  const findings = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  if (findings.length > 0) throw new JournalDamagedError(path, `integrity check: ${findings.join('; ')}`);
}

export interface JournalRecovery {
  /** Where the damaged files now are. */
  readonly movedTo: string;
  /** Rows copied per table. */
  readonly copied: Readonly<Record<string, number>>;
  /** Rows or ranges that could not be read, per table. */
  readonly unreadable: Readonly<Record<string, number>>;
  /** Why the old file could not be opened at all, if it could not. */
  readonly openError?: string;
}

/** Tables the journal keeps up to date by itself: rebuilt, never copied. */
const DERIVED = new Set(['task_counts', 'meta']);

/** After this many unreadable steps in a row, the rest of a table is given up. */
const MAX_FAILED_STEPS = 64;

/**
 * Moves `path` (and its -wal and -shm) aside and returns where; `create()` then makes the new journal,
 * and {@link copyReadable} fills it.
 */
export function moveAside(path: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const target = `${path}.damaged-${stamp}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(`${path}${suffix}`)) renameSync(`${path}${suffix}`, `${target}${suffix}`);
  }
  return target;
}

/** Copies every readable row of every table of the damaged file `from` into the open journal `to`. */
export function copyReadable(from: string, to: Database.Database): JournalRecovery {
  const copied: Record<string, number> = {};
  const unreadable: Record<string, number> = {};
  let old: Database.Database;
  try {
    old = new Database(from, { fileMustExist: true, readonly: true }); // read-only: the moved files stay as they were
    old.prepare('SELECT name FROM sqlite_master').all();
  } catch (error) {
    return { movedTo: from, copied, unreadable, openError: (error as Error).message };
  }
  try {
    const tables = (old.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[])
      .map((t) => t.name)
      .filter((name) => !DERIVED.has(name));
    for (const table of tables) {
      const newColumns = new Set((to.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name));
      if (newColumns.size === 0) continue; // a table this version does not know: it stays in the moved file
      let columns: string[];
      try {
        columns = (old.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name).filter((c) => newColumns.has(c));
      } catch {
        unreadable[table] = (unreadable[table] ?? 0) + 1;
        continue;
      }
      const list = columns.map((c) => `"${c}"`).join(', ');
      const insert = to.prepare(`INSERT OR IGNORE INTO "${table}" (${list}) VALUES (${columns.map(() => '?').join(', ')})`);
      const select = old.prepare(`SELECT rowid AS __rowid, ${list} FROM "${table}" WHERE rowid > ? ORDER BY rowid`);
      let after = -Infinity;
      let failedSteps = 0;
      let step = 1;
      copied[table] = 0;
      while (failedSteps < MAX_FAILED_STEPS) {
        try {
          for (const row of select.iterate(after === -Infinity ? Number.MIN_SAFE_INTEGER : after) as Iterable<Record<string, unknown>>) {
            after = row['__rowid'] as number;
            insert.run(...columns.map((c) => row[c]));
            copied[table] += 1;
            failedSteps = 0;
            step = 1;
          }
          break;
        } catch {
          // An unreadable page: skip ahead, further each time, and go on reading after it.
          unreadable[table] = (unreadable[table] ?? 0) + 1;
          failedSteps += 1;
          after = (after === -Infinity ? 0 : after) + step;
          step *= 2;
        }
      }
    }
  } finally {
    old.close();
  }
  return { movedTo: from, copied, unreadable };
}
