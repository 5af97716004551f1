/**
 * Notices when the state directory is removed or replaced under a running supervisor (its journal,
 * lock and control socket would then be unreachable, and the fleet with them): the directory's and the
 * lock file's inodes are taken at start and compared every {@link STATE_DIR_CHECK_MS}, along with a
 * check supplied by the caller (the control socket and token are still ours).
 */
import { lstatSync } from 'node:fs';
import type { StatePaths } from './state-dir.js';

/** How often the state directory is checked. Cheap: a few `lstat` calls. */
export const STATE_DIR_CHECK_MS = 1_000;

function identity(path: string): string | undefined {
  try {
    const s = lstatSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

export class StateDirWatch {
  private readonly timer: NodeJS.Timeout;
  private readonly dir: string | undefined;
  private readonly lock: string | undefined;

  constructor(
    private readonly paths: StatePaths,
    /** Extra check: a sentence saying what is wrong, or undefined. */
    private readonly extra: () => string | undefined,
    onLost: (problem: string) => void,
    intervalMs = STATE_DIR_CHECK_MS,
  ) {
    this.dir = identity(paths.dir);
    this.lock = identity(paths.lock);
    this.timer = setInterval(() => {
      const problem = this.check();
      if (problem) {
        this.close();
        onLost(problem);
      }
    }, intervalMs);
    this.timer.unref();
  }

  /** What is wrong with the state directory now, or undefined. */
  check(): string | undefined {
    const dir = identity(this.paths.dir);
    if (dir === undefined) return `the state directory ${this.paths.dir} was removed`;
    if (dir !== this.dir) return `the state directory ${this.paths.dir} was replaced by another one`;
    const lock = identity(this.paths.lock);
    if (lock !== this.lock) return `the lock file ${this.paths.lock} was ${lock === undefined ? 'removed' : 'replaced'}`;
    return this.extra();
  }

  close(): void {
    clearInterval(this.timer);
  }
}
