/**
 * One supervisor per state directory. The lock is an exclusive SQLite lock (a POSIX record lock
 * underneath), so the kernel releases it when the holder dies, even by `kill -9`: a crashed supervisor
 * never leaves a stale lock behind.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { StatePaths } from './state-dir.js';

export class SupervisorLockedError extends Error {
  readonly code = 'CODEX_FLEET_SUPERVISOR_RUNNING';
  constructor(
    readonly stateDir: string,
    readonly pid: number | undefined,
  ) {
    super(
      `Another supervisor${pid ? ` (pid ${pid})` : ''} is already running on ${stateDir}: ` +
        'stop it with "codex fleet stop", or give this one its own --state-dir',
    );
    this.name = 'SupervisorLockedError';
  }
}

export class SupervisorLock {
  private constructor(private readonly db: Database.Database) {}

  /** Takes the lock or throws {@link SupervisorLockedError} at once. */
  static acquire(paths: StatePaths): SupervisorLock {
    const db = new Database(paths.lock, { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); COMMIT;');
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new SupervisorLockedError(paths.dir, readPid(paths));
      throw error;
    }
    writeFileSync(paths.pidFile, `${process.pid}\n`, { mode: 0o600 });
    return new SupervisorLock(db);
  }

  release(): void {
    this.db.close();
  }
}

/** The pid the last supervisor wrote, if any. */
export function readPid(paths: StatePaths): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(paths.pidFile, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
