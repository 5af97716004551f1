/**
 * What the supervisor knows about each task's workspace, one JSON file per task under the state
 * directory (`workspaces/<task>.json`): the repository, the base commit, the branch, the worktree and
 * what became of its commits. Written (atomically, by rename) before the fact is acted on.
 *
 * @example
 * ```ts
 * const store = new WorkspaceStore('/state/workspaces');
 * store.put({ task: 't-1', agent: 'patch-bot', repo: '/repo', git_dir: '/repo/.git', base: sha, branch: 'fleet/patch-bot/t-1', state: 'queued', commits: [] });
 * ```
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One commit a task made, and where it is. */
export interface CommitRecord {
  readonly sha: string;
  /** The branch holding it: the task's `fleet/<agent>/<task>` branch. */
  readonly branch: string;
  /** `landed`: on the user's branch as `landed_sha`; `branch`: left for review; `refused`: landing refused. */
  readonly outcome: 'landed' | 'branch' | 'refused';
  readonly landed_sha?: string;
  readonly landed_on?: string;
  readonly reason?: string;
}

export interface WorkspaceRecord {
  readonly task: string;
  readonly agent: string;
  /** The user's repository (its top-level directory). */
  readonly repo: string;
  /** Its common git directory. */
  readonly git_dir: string;
  /** The commit the task starts from. */
  readonly base: string;
  /** What the user asked for (`HEAD`, a ref, `worktree`). */
  readonly base_spec: string;
  readonly branch: string;
  /** `queued` → `active` (worktree exists) → `finished` (worktree removed or kept) → `discarded`/`landed`. */
  readonly state: 'queued' | 'active' | 'finished' | 'landed' | 'discarded';
  readonly worktree?: string | undefined;
  /** The worktree's admin directory inside the user's repository (`.git/worktrees/<name>`). */
  readonly admin?: string;
  /** Keep the worktree after the task for review. */
  readonly keep?: boolean;
  readonly commits: readonly CommitRecord[];
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class WorkspaceStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private file(task: string): string {
    if (!SAFE_ID.test(task)) throw new Error(`Task id "${task}" cannot name a workspace`);
    return join(this.dir, `${task}.json`);
  }

  get(task: string): WorkspaceRecord | undefined {
    try {
      return JSON.parse(readFileSync(this.file(task), 'utf8')) as WorkspaceRecord;
    } catch {
      return undefined;
    }
  }

  put(record: WorkspaceRecord): WorkspaceRecord {
    const file = this.file(record.task);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
    return record;
  }

  update(task: string, change: (r: WorkspaceRecord) => WorkspaceRecord): WorkspaceRecord | undefined {
    const current = this.get(task);
    return current === undefined ? undefined : this.put(change(current));
  }

  list(): WorkspaceRecord[] {
    const out: WorkspaceRecord[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const record = this.get(name.slice(0, -5));
      if (record) out.push(record);
    }
    return out.sort((a, b) => a.task.localeCompare(b.task));
  }
}
