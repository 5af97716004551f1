/**
 * The commit queue: one commit at a time per repository, holding locks on the files it touches. The
 * supervisor reaches it only through {@link CommitQueue}, so a shared implementation (a per-repository
 * lock on Redis, for several machines) can replace the local one without touching the services.
 *
 * @example
 * ```ts
 * const queue = new LocalCommitQueue();
 * const sha = await queue.run('/repo', ['src/a.ts'], () => commitFiles(wt, options));
 * ```
 */

export interface CommitQueue {
  /** Runs `job` when no other job of `repo` runs and none holds a lock on one of `files`. */
  run<T>(repo: string, files: readonly string[], job: () => Promise<T>): Promise<T>;
  /** The files locked right now in `repo` (for status views and tests). */
  locked(repo: string): readonly string[];
}

/** The in-process queue: a promise chain per repository and a set of locked files. */
export class LocalCommitQueue implements CommitQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly locks = new Map<string, Set<string>>();

  run<T>(repo: string, files: readonly string[], job: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(repo) ?? Promise.resolve();
    const next = previous.then(async () => {
      const held = this.locks.get(repo) ?? new Set<string>();
      this.locks.set(repo, held);
      const taken = files.filter((f) => !held.has(f));
      for (const f of taken) held.add(f);
      try {
        return await job();
      } finally {
        for (const f of taken) held.delete(f);
      }
    });
    const settled = next.catch(() => undefined);
    this.tails.set(repo, settled);
    void settled.then(() => {
      if (this.tails.get(repo) === settled) this.tails.delete(repo);
    });
    return next;
  }

  locked(repo: string): readonly string[] {
    return [...(this.locks.get(repo) ?? [])].sort();
  }
}
