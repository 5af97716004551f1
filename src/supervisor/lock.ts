/**
 * One supervisor per state directory, held two ways, both released by the kernel when the holder dies
 * (even by `kill -9`), so a crash never leaves a stale lock:
 *
 * - an exclusive SQLite lock (a POSIX record lock) on `supervisor.lock` in the state directory;
 * - a Linux abstract Unix socket named after the state directory's path. It lives in no directory, so
 *   deleting or replacing the state directory under a running supervisor does not free it: a second
 *   `start` on the same path is refused until the first one has gone.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import Database from 'better-sqlite3';
import { checkStateFile, readStateFile, writeFreshFile } from './state-dir-check.js';
import type { StatePaths } from './state-dir.js';

export class SupervisorLockedError extends Error {
  readonly code = 'CODEX_FLEET_SUPERVISOR_RUNNING';
  constructor(
    readonly stateDir: string,
    readonly pid: number | undefined,
    /** The state directory was removed or replaced under the supervisor that still holds it. */
    readonly orphaned = false,
  ) {
    super(
      orphaned
        ? `A supervisor of ${stateDir} is still running, though its state directory was removed or replaced; ` +
            'it stops by itself within a few seconds. Try again then, or give this one its own --state-dir'
        : `Another supervisor${pid ? ` (pid ${pid})` : ''} is already running on ${stateDir}: ` +
            'stop it with "codex fleet stop", or give this one its own --state-dir',
    );
    this.name = 'SupervisorLockedError';
  }
}

/** The abstract socket name that stands for one state directory (a hash: names are at most 107 bytes). */
export function abstractLockName(stateDir: string): string {
  return `\0codex-fleet/${createHash('sha256').update(stateDir).digest('hex').slice(0, 32)}`;
}

function listenAbstract(name: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error)));
    server.listen(name, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined);
      server.unref();
      resolve(server);
    });
  });
}

export class SupervisorLock {
  private constructor(
    private readonly db: Database.Database,
    private readonly server: Server,
  ) {}

  /** Takes the lock or throws {@link SupervisorLockedError} at once. */
  static async acquire(paths: StatePaths): Promise<SupervisorLock> {
    const server = await listenAbstract(abstractLockName(paths.dir));
    if (!server) {
      const pid = readPid(paths);
      throw new SupervisorLockedError(paths.dir, pid, pid === undefined);
    }
    checkStateFile(paths.lock);
    const db = new Database(paths.lock, { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); COMMIT;');
      writeFreshFile(paths.pidFile, `${process.pid}\n`);
    } catch (error) {
      db.close();
      server.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new SupervisorLockedError(paths.dir, readPid(paths));
      throw error;
    }
    return new SupervisorLock(db, server);
  }

  release(): void {
    this.db.close();
    this.server.close();
  }
}

/** The pid the last supervisor wrote, if any. */
export function readPid(paths: StatePaths): number | undefined {
  try {
    const pid = Number.parseInt(readStateFile(paths.pidFile), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
