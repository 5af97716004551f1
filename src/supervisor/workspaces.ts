/**
 * Task workspaces: the base of each task (resolved when it is submitted), its git worktree inside the
 * worker's slot while it runs, the commits it asks for (through the commit queue, landed per the
 * agent's `land:`), and `repo/diff`. Every commit, landed or refused, is an event.
 */
import { join } from 'node:path';
import { ErrorCodes } from '../protocol/error-codes.js';
import type { CommitRequestResult } from '../protocol/services.js';
import type { RepoDiffFile, RepoDiffResult } from '../protocol/repo.js';
import { RpcError } from '../rpc/errors.js';
import type { AgentSpec } from '../spec/types.js';
import { CommitRefusal, commitFiles, DEFAULT_IDENTITY, type GitIdentity } from '../git/commit.js';
import type { CommitQueue } from '../git/commit-queue.js';
import { changesOf, landCommit } from '../git/land.js';
import { Git } from '../git/run.js';
import { WorkspaceStore, type CommitRecord, type WorkspaceRecord } from '../git/workspace-store.js';
import { addWorktree, BaseError, deleteBranch, LINKED_DEPENDENCIES, removeWorktree, resolveBase, type Repository, type Worktree } from '../git/worktrees.js';
import type { FleetEvents } from './events.js';

/** Largest `repo/diff` text returned. */
export const MAX_DIFF_BYTES = 4 * 1024 * 1024;

const STATUS: Record<string, RepoDiffFile['status']> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type-changed' };

export class Workspaces {
  constructor(
    readonly repo: Repository | undefined,
    readonly store: WorkspaceStore,
    private readonly queue: CommitQueue,
    private readonly events: FleetEvents,
    private readonly identity: GitIdentity = DEFAULT_IDENTITY,
  ) {}

  /** Resolves a submitted task's base; call before the task is acknowledged. */
  async resolve(base: string | undefined): Promise<{ sha: string; spec: string } | undefined> {
    if (this.repo === undefined) {
      if (base !== undefined) throw new BaseError(`--base "${base}" needs a git repository, and the fleet's project is not one`);
      return undefined;
    }
    return resolveBase(this.repo, base ?? 'HEAD');
  }

  record(task: string, agent: string, base: { sha: string; spec: string }, keep: boolean): void {
    if (this.repo === undefined) return;
    this.store.put({
      task, agent, repo: this.repo.root, git_dir: this.repo.gitDir, base: base.sha, base_spec: base.spec,
      branch: `fleet/${agent}/${task}`, state: 'queued', ...(keep ? { keep } : {}), commits: [],
    });
  }

  /** Creates the task's worktree in the slot; returns its path (undefined without a repository). */
  async prepare(task: string, agent: string, slotDir: string): Promise<string | undefined> {
    if (this.repo === undefined) return undefined;
    const record = this.store.get(task) ?? this.store.put({
      task, agent, repo: this.repo.root, git_dir: this.repo.gitDir, base: (await resolveBase(this.repo)).sha, base_spec: 'HEAD',
      branch: `fleet/${agent}/${task}`, state: 'queued', commits: [],
    });
    const path = join(slotDir, 'tasks', task);
    const wt = await addWorktree(this.repo, { path, branch: record.branch, base: record.base });
    this.store.put({ ...record, state: 'active', worktree: wt.path, admin: wt.admin });
    return wt.path;
  }

  /** After the task: the worktree goes (unless kept), a branch without commits too. */
  async finish(task: string): Promise<readonly CommitRecord[]> {
    const record = this.store.get(task);
    if (this.repo === undefined || record === undefined) return [];
    if (record.worktree !== undefined && record.keep !== true) await removeWorktree(this.repo, record.worktree);
    if (record.commits.length === 0) await deleteBranch(this.repo, record.branch);
    this.store.put({ ...record, state: record.state === 'active' ? 'finished' : record.state, ...(record.keep === true ? {} : { worktree: undefined }) });
    return record.commits;
  }

  /** The worktree of a running task, or an error naming why there is none. */
  private worktree(task: string | undefined, code: number): { record: WorkspaceRecord; wt: Worktree; repo: Repository } {
    const record = task === undefined ? undefined : this.store.get(task);
    if (this.repo === undefined || record?.worktree === undefined || record.admin === undefined) {
      throw new RpcError(code, task === undefined ? 'No task is running in this worker' : `Task ${task} has no git worktree (the fleet's project is not a git repository)`);
    }
    return { record, repo: this.repo, wt: { path: record.worktree, admin: record.admin, git: new Git({ gitDir: record.admin, workTree: record.worktree }) } };
  }

  /** Directories of installed dependencies the task's commands may read and run. */
  dependencies(): string[] {
    return this.repo === undefined ? [] : LINKED_DEPENDENCIES.map((d) => join(this.repo!.root, d));
  }

  workdir(task: string | undefined): string | undefined {
    return task === undefined ? undefined : this.store.get(task)?.worktree;
  }

  /** `commit/request`: commits on the task's branch, then lands per the agent's `land:`. */
  async commit(agent: AgentSpec, task: string | undefined, message: string, paths: readonly string[]): Promise<CommitRequestResult> {
    const { record, wt, repo } = this.worktree(task, ErrorCodes.CommitRejected);
    return this.queue.run(repo.root, paths, async () => {
      let made: { sha: string; parent: string };
      try {
        made = await commitFiles(wt, { paths, message, agent: agent.name, task: record.task, branch: record.branch, identity: this.identity });
      } catch (error) {
        throw this.refused(record, undefined, error);
      }
      if (agent.land !== 'commit') {
        this.note(record, { sha: made.sha, branch: record.branch, outcome: 'branch' }, `committed ${made.sha.slice(0, 12)} on ${record.branch}`);
        return { sha: made.sha, branch: record.branch };
      }
      try {
        const landed = await landCommit(repo, { commit: made.sha, parent: made.parent, identity: this.identity });
        this.note(record, { sha: made.sha, branch: record.branch, outcome: 'landed', landed_sha: landed.sha, landed_on: landed.branch }, `landed ${landed.sha.slice(0, 12)} on ${landed.branch}`);
        return { sha: landed.sha, branch: landed.branch };
      } catch (error) {
        throw this.refused(record, made.sha, error);
      }
    });
  }

  private refused(record: WorkspaceRecord, sha: string | undefined, error: unknown): RpcError {
    if (!(error instanceof CommitRefusal)) {
      this.events.emit({ type: 'commit.refused', agent: record.agent, task: record.task, message: `commit of task ${record.task} failed: ${(error as Error).message}` });
      return new RpcError(ErrorCodes.CommitRejected, `The commit failed: ${(error as Error).message}`);
    }
    const kept = sha === undefined ? '' : `; the commit ${sha} stays on ${record.branch}`;
    if (sha !== undefined) this.note(record, { sha, branch: record.branch, outcome: 'refused', reason: error.message }, `landing refused: ${error.message}${kept}`);
    else this.events.emit({ type: 'commit.refused', agent: record.agent, task: record.task, message: `commit of task ${record.task} refused: ${error.message}` });
    return new RpcError(error.kind === 'conflict' ? ErrorCodes.CommitConflict : ErrorCodes.CommitRejected, `${error.message}${kept}`, {
      ...(sha === undefined ? {} : { sha, branch: record.branch }),
      reason: error.message,
    });
  }

  private note(record: WorkspaceRecord, commit: CommitRecord, message: string): void {
    this.store.update(record.task, (r) => ({ ...r, commits: [...r.commits, commit] }));
    this.events.emit({
      type: commit.outcome === 'refused' ? 'commit.refused' : commit.outcome === 'landed' ? 'commit.landed' : 'commit.branch',
      agent: record.agent,
      task: record.task,
      message: `task ${record.task}: ${message}`,
      data: { ...commit },
    });
  }

  /** `repo/diff`: files and unified diff of a range in the task's worktree. */
  async diff(task: string | undefined, range: string): Promise<RepoDiffResult> {
    const { wt } = this.worktree(task, ErrorCodes.RepoError);
    if (range.startsWith('-') || range.includes('\0')) throw new RpcError(ErrorCodes.RepoError, `Range "${range}" must be revisions, not options`, { range });
    const revs = range.includes('..') ? [range] : [`${range}^!`];
    const common = ['--no-color', '--no-ext-diff', '--no-textconv', '-M', '--end-of-options', ...revs, '--'];
    let names: string;
    let text: string;
    for (const rev of range.includes('..') ? range.split(/\.{2,3}/).map((r) => r || 'HEAD') : [range]) {
      const resolves = await wt.git.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]).then(() => true, () => false);
      if (!resolves) {
        throw new RpcError(
          ErrorCodes.RepoError,
          `Range "${range}" does not resolve in task ${task}'s worktree: "${rev}" is not a commit there ` +
            '(HEAD is the task\'s branch; give a sha, a branch or tag, or HEAD~N within its history)',
          { range, revision: rev },
        );
      }
    }
    try {
      names = (await wt.git.run(['diff', '--name-status', '-z', ...common])).stdout;
      text = (await wt.git.run(['diff', ...common])).stdout;
    } catch (error) {
      throw new RpcError(ErrorCodes.RepoError, `Range "${range}" does not resolve in task ${task}'s worktree: ${(error as Error).message}`, { range });
    }
    const parts = names.split('\0').filter((p) => p !== '');
    const files: RepoDiffFile[] = [];
    for (let i = 0; i < parts.length; ) {
      const code = parts[i]![0]!;
      if (code === 'R' || code === 'C') {
        files.push({ path: parts[i + 2]!, status: STATUS[code]!, old_path: parts[i + 1]! });
        i += 3;
      } else {
        files.push({ path: parts[i + 1]!, status: STATUS[code] ?? 'modified' });
        i += 2;
      }
    }
    const truncated = Buffer.byteLength(text) > MAX_DIFF_BYTES;
    return { files, diff: truncated ? Buffer.from(text).subarray(0, MAX_DIFF_BYTES).toString('utf8') : text, truncated };
  }

  /** `codex fleet branches`. */
  branches(): WorkspaceRecord[] {
    return this.store.list().filter((r) => r.state !== 'discarded' && (r.commits.length > 0 || r.state === 'active' || r.keep === true));
  }

  /** `codex fleet land TASK`: lands the last commit of the task's branch on the user's branch. */
  async land(task: string): Promise<CommitRecord> {
    const record = this.store.get(task);
    if (this.repo === undefined || record === undefined) throw new CommitRefusal(`Task ${task} has no fleet branch`, 'rejected');
    const repo = this.repo;
    const tip = await repo.git.text(['rev-parse', '--verify', `refs/heads/${record.branch}^{commit}`]).catch(() => {
      throw new CommitRefusal(`The branch ${record.branch} of task ${task} is gone`, 'rejected');
    });
    const changed = (await changesOf(repo, record.base, tip)).map((c) => c.path);
    return this.queue.run(repo.root, changed, async () => {
      try {
        // The whole branch as one change against the task's base.
        const landed = await landCommit(repo, { commit: tip, parent: record.base, identity: this.identity });
        const commit: CommitRecord = { sha: tip, branch: record.branch, outcome: 'landed', landed_sha: landed.sha, landed_on: landed.branch };
        this.note(record, commit, `landed ${landed.sha.slice(0, 12)} on ${landed.branch} by hand`);
        this.store.update(task, (r) => ({ ...r, state: 'landed' }));
        return commit;
      } catch (error) {
        if (error instanceof CommitRefusal) this.note(record, { sha: tip, branch: record.branch, outcome: 'refused', reason: error.message }, `landing refused: ${error.message}`);
        throw error;
      }
    });
  }

  /** `codex fleet discard TASK`: deletes the task's branch and worktree. */
  async discard(task: string): Promise<void> {
    const record = this.store.get(task);
    if (this.repo === undefined || record === undefined) throw new CommitRefusal(`Task ${task} has no fleet branch`, 'rejected');
    if (record.worktree !== undefined) await removeWorktree(this.repo, record.worktree);
    await deleteBranch(this.repo, record.branch);
    this.store.put({ ...record, state: 'discarded', worktree: undefined });
    this.events.emit({ type: 'commit.discarded', agent: record.agent, task, message: `task ${task}: branch ${record.branch} discarded` });
  }
}
