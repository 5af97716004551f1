/**
 * Per-task git worktrees: the user's repository, a task's base (resolved when it is submitted), and
 * the worktree on branch `fleet/<agent>/<task>` inside the worker's slot, with the repository's
 * installed dependencies (`node_modules`) linked in read-only.
 *
 * @example
 * ```ts
 * const repo = await findRepository(process.cwd());
 * const base = await resolveBase(repo!, 'worktree');
 * const wt = await addWorktree(repo!, { path: '/slot/tasks/t-1', branch: 'fleet/bot/t-1', base: base.sha });
 * ```
 */
import { execFile } from 'node:child_process';
import { existsSync, lchownSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Git, GitError, HARDENING } from './run.js';

export interface Repository {
  /** Top-level directory of the user's working tree. */
  readonly root: string;
  /** The common git directory (`.git`). */
  readonly gitDir: string;
  readonly git: Git;
}

/** Directories of installed dependencies linked read-only into every worktree when the repository has them. */
export const LINKED_DEPENDENCIES: readonly string[] = Object.freeze(['node_modules']);

/** The git repository `dir` is in, or undefined. */
export function findRepository(dir: string): Promise<Repository | undefined> {
  return new Promise((done) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
    execFile('git', [...HARDENING, '-C', dir, 'rev-parse', '--show-toplevel', '--git-common-dir'], { env, encoding: 'utf8' }, (error, stdout) => {
      if (error) return done(undefined);
      const [root, common] = stdout.trim().split('\n');
      if (!root || !common) return done(undefined);
      const gitDir = isAbsolute(common) ? common : resolve(dir, common);
      done({ root, gitDir, git: new Git({ gitDir, workTree: root }) });
    });
  });
}

/** Thrown for a base the repository cannot resolve. */
export class BaseError extends Error {
  readonly code = 'CODEX_FLEET_BASE';
}

/**
 * Resolves a task's base to a commit: `HEAD` (default), any commit-ish, or `worktree`: a snapshot of
 * the user's uncommitted changes to tracked files as `git stash create` makes one (HEAD when clean).
 */
export async function resolveBase(repo: Repository, spec = 'HEAD'): Promise<{ sha: string; spec: string }> {
  if (spec.startsWith('-')) throw new BaseError(`Base "${spec}" must be a commit, a branch or "worktree", not an option`);
  if (spec === 'worktree') {
    const stash = await repo.git.text(['stash', 'create']);
    return { sha: stash || (await repo.git.text(['rev-parse', '--verify', 'HEAD^{commit}'])), spec };
  }
  try {
    return { sha: await repo.git.text(['rev-parse', '--verify', '--end-of-options', `${spec}^{commit}`]), spec };
  } catch (error) {
    if (error instanceof GitError) throw new BaseError(`Base "${spec}" is not a commit in ${repo.root}: give a branch, tag, sha, HEAD or "worktree"`);
    throw error;
  }
}

export interface Worktree {
  readonly path: string;
  /** Its admin directory in the user's repository, read once when it is created. */
  readonly admin: string;
  readonly git: Git;
}

/**
 * Creates the worktree at `path` on `branch` (created at `base`, or reused when a retry finds it),
 * and links the repository's installed dependencies into it.
 */
export async function addWorktree(repo: Repository, options: { path: string; branch: string; base: string }): Promise<Worktree> {
  await removeWorktree(repo, options.path);
  mkdirSync(dirname(options.path), { recursive: true });
  const exists = (await repo.git.run(['show-ref', '--verify', '--quiet', `refs/heads/${options.branch}`], { okCodes: [1] })).exitCode === 0;
  await repo.git.run(
    exists
      ? ['worktree', 'add', '--quiet', options.path, options.branch]
      : ['worktree', 'add', '--quiet', '-b', options.branch, options.path, options.base],
  );
  // Just created, before any worker ran: the `.git` file is still git's own.
  const pointer = /^gitdir: (.+)$/m.exec(readFileSync(join(options.path, '.git'), 'utf8'))?.[1]?.trim();
  if (pointer === undefined) throw new Error(`git worktree add left no .git file in ${options.path}`);
  const admin = resolve(options.path, pointer);
  for (const dep of LINKED_DEPENDENCIES) {
    const source = join(repo.root, dep);
    const target = join(options.path, dep);
    if (existsSync(source) && !existsSync(target)) symlinkSync(source, target);
  }
  giveToSlotOwner(options.path);
  return { path: options.path, admin, git: new Git({ gitDir: admin, workTree: options.path }) };
}

/**
 * When the slot belongs to another user (the fleet runs as root and sandboxes as an unprivileged
 * uid), the worktree the supervisor just created becomes that user's too, so the worker and its
 * commands can write in it. Links are changed themselves, never followed.
 */
function giveToSlotOwner(path: string): void {
  const slot = statSync(dirname(dirname(path)));
  if (process.getuid?.() !== 0 || (slot.uid === 0 && slot.gid === 0)) return;
  const walk = (p: string): void => {
    lchownSync(p, slot.uid, slot.gid);
    for (const entry of readdirSync(p, { withFileTypes: true })) {
      const child = join(p, entry.name);
      if (entry.isDirectory()) walk(child);
      else lchownSync(child, slot.uid, slot.gid);
    }
  };
  lchownSync(dirname(path), slot.uid, slot.gid);
  walk(path);
}

/** Removes a worktree (and its admin directory); nothing if it is not there. */
export async function removeWorktree(repo: Repository, path: string): Promise<void> {
  if (existsSync(path)) {
    await repo.git.run(['worktree', 'remove', '--force', '--force', path], { okCodes: [128] });
    rmSync(path, { recursive: true, force: true });
  }
  await repo.git.run(['worktree', 'prune']);
}

/** Deletes a branch (no-op when missing). */
export async function deleteBranch(repo: Repository, branch: string): Promise<void> {
  const ref = `refs/heads/${branch}`;
  const exists = (await repo.git.run(['show-ref', '--verify', '--quiet', ref], { okCodes: [1] })).exitCode === 0;
  if (exists) await repo.git.run(['update-ref', '-d', ref]);
}
