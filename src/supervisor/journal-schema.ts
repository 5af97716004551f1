/**
 * The journal's tables and their migrations. Version 2 adds per-agent task counts kept by triggers
 * (so `status` does not count the whole table), the highest task number ever written (`meta`), and an
 * index for retention.
 */
import type Database from 'better-sqlite3';

export const SCHEMA_VERSION = 2;

const V1 = `
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
`;

const V2 = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT OR IGNORE INTO meta (key, value) VALUES ('last_task_seq', (SELECT COALESCE(MAX(rowid), 0) FROM tasks));
  CREATE TABLE IF NOT EXISTS task_counts (agent TEXT NOT NULL, state TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (agent, state)) WITHOUT ROWID;
  DELETE FROM task_counts;
  INSERT INTO task_counts (agent, state, n) SELECT agent, state, COUNT(*) FROM tasks GROUP BY agent, state;
  CREATE TRIGGER IF NOT EXISTS tasks_counted_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO task_counts (agent, state, n) VALUES (NEW.agent, NEW.state, 1) ON CONFLICT (agent, state) DO UPDATE SET n = n + 1;
    UPDATE meta SET value = NEW.rowid WHERE key = 'last_task_seq' AND value < NEW.rowid;
  END;
  CREATE TRIGGER IF NOT EXISTS tasks_counted_update AFTER UPDATE OF state ON tasks WHEN OLD.state <> NEW.state BEGIN
    UPDATE task_counts SET n = n - 1 WHERE agent = OLD.agent AND state = OLD.state;
    INSERT INTO task_counts (agent, state, n) VALUES (NEW.agent, NEW.state, 1) ON CONFLICT (agent, state) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER IF NOT EXISTS tasks_counted_delete AFTER DELETE ON tasks BEGIN
    UPDATE task_counts SET n = n - 1 WHERE agent = OLD.agent AND state = OLD.state;
  END;
  CREATE INDEX IF NOT EXISTS tasks_by_finished ON tasks (finished_at) WHERE finished_at IS NOT NULL;
`;

/** Brings the journal to {@link SCHEMA_VERSION}, in one transaction. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`The journal was written by a newer codex fleet (schema ${version}); upgrade codex fleet to read it`);
  }
  if (version === SCHEMA_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(V1);
    db.exec(V2);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** The highest task number the journal has ever held (0 for none), whatever its schema version. */
export function lastTaskSeq(db: Database.Database): number {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get() !== undefined;
  const hasTasks = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tasks'`).get() !== undefined;
  const fromMeta = hasMeta ? ((db.prepare(`SELECT value FROM meta WHERE key = 'last_task_seq'`).get() as { value: number } | undefined)?.value ?? 0) : 0;
  const fromTasks = hasTasks ? ((db.prepare('SELECT COALESCE(MAX(rowid), 0) AS n FROM tasks').get() as { n: number }).n) : 0;
  return Math.max(fromMeta, fromTasks);
}
