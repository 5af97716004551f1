/**
 * Landing a task's commit on the user's current branch (`land: commit`). The branch moves with
 * `update-ref NEW OLD` (compare-and-swap: a user committing at the same moment wins and the landing is
 * refused), and only the files the commit changes are updated in the user's index (under
 * `index.lock`, as git itself does) and working tree. Refused, with nothing touched, when the user has
 * uncommitted edits to one of those files or the branch changed them since the task's base.
 *
 * @example
 * ```ts
 * const landed = await landCommit(repo, { commit: sha, parent, identity });
 * console.log(`landed as ${landed.sha} on ${landed.branch}`);
 * ```
 */
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, renameSync, rmSync, unlinkSync, writeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommitRefusal, commitEnv, type GitIdentity } from './commit.js';
import type { Repository } from './worktrees.js';

interface Change {
  readonly mode: string;
  readonly sha: string;
  readonly deleted: boolean;
  readonly path: string;
}

/** The files `commit` changes against `parent`, with their new mode and blob. */
export async function changesOf(repo: Repository, parent: string, commit: string): Promise<Change[]> {
  const raw = (await repo.git.run(['diff-tree', '-r', '-z', '--no-renames', '--no-ext-diff', parent, commit])).stdout;
  const parts = raw.split('\0').filter((p) => p !== '');
  const out: Change[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const [, newMode, , newSha, status] = parts[i]!.slice(1).split(' ');
    out.push({ mode: newMode!, sha: newSha!, deleted: status === 'D', path: parts[i + 1]! });
  }
  return out;
}

async function blobAt(repo: Repository, rev: string, path: string): Promise<string | undefined> {
  const line = await repo.git.text(['ls-tree', '-z', '--full-tree', rev, '--', path]);
  return line === '' ? undefined : line.split('\t')[0];
}

export interface LandOptions {
  readonly commit: string;
  readonly parent: string;
  readonly identity: GitIdentity;
}

export interface Landed {
  readonly sha: string;
  /** The user's branch, e.g. `main`. */
  readonly branch: string;
}

/** Lands `commit` (made on top of `parent`) on the user's current branch. */
export async function landCommit(repo: Repository, options: LandOptions): Promise<Landed> {
  const ref = (await repo.git.run(['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] })).stdout.trim();
  if (!ref.startsWith('refs/heads/')) throw new CommitRefusal('The repository\'s HEAD is detached: there is no current branch to land on', 'conflict');
  const branch = ref.slice('refs/heads/'.length);
  const old = await repo.git.text(['rev-parse', '--verify', `${ref}^{commit}`]);
  const changes = await changesOf(repo, options.parent, options.commit);
  if (changes.length === 0) throw new CommitRefusal('The commit changes nothing', 'rejected');
  const paths = changes.map((c) => c.path);

  // Applies cleanly on the tip: the branch has not changed these files since the task's base.
  if (old !== options.parent) {
    const moved: string[] = [];
    for (const p of paths) if ((await blobAt(repo, old, p)) !== (await blobAt(repo, options.parent, p))) moved.push(p);
    if (moved.length > 0) {
      throw new CommitRefusal(`${branch} changed ${moved.join(', ')} since the task's base: the commit does not apply cleanly on its tip`, 'conflict');
    }
  }
  // The user has no uncommitted edits (staged, unstaged or untracked) to these files.
  const unstaged = (await repo.git.run(['diff', '--quiet', '--no-ext-diff', '--no-textconv', old, '--', ...paths], { okCodes: [1] })).exitCode;
  const staged = (await repo.git.run(['diff', '--quiet', '--cached', '--no-ext-diff', '--no-textconv', old, '--', ...paths], { okCodes: [1] })).exitCode;
  const untracked = (await repo.git.text(['ls-files', '-z', '--others', '--', ...paths])).split('\0').filter(Boolean);
  if (unstaged !== 0 || staged !== 0 || untracked.length > 0) {
    const edited = await repo.git.text(['diff', '--name-only', '--no-ext-diff', old, '--', ...paths]);
    const names = [...new Set([...edited.split('\n').filter(Boolean), ...untracked])];
    throw new CommitRefusal(`You have uncommitted edits to ${names.join(', ') || paths.join(', ')}: the commit was not landed and your files were not touched`, 'conflict');
  }

  const scratch = mkdtempSync(join(tmpdir(), 'codex-fleet-land-'));
  const lockPath = join(repo.gitDir, 'index.lock');
  let lock: number | undefined;
  try {
    // The new commit: the tip with exactly these files replaced.
    const treeEnv = { GIT_INDEX_FILE: join(scratch, 'tree-index') };
    await repo.git.run(['read-tree', old], { env: treeEnv });
    const info = changes.map((c) => (c.deleted ? `0 ${'0'.repeat(c.sha.length)}\t${c.path}` : `${c.mode} ${c.sha}\t${c.path}`)).join('\0') + '\0';
    await repo.git.run(['update-index', '-z', '--index-info'], { env: treeEnv, input: info });
    const tree = await repo.git.text(['write-tree'], { env: treeEnv });
    const message = (await repo.git.run(['cat-file', 'commit', options.commit])).stdout.split('\n\n').slice(1).join('\n\n');
    const landed = old === options.parent ? options.commit : await repo.git.text(['commit-tree', tree, '-p', old, '-F', '-'], { env: commitEnv(options.identity), input: message });

    try {
      lock = openSync(lockPath, 'wx', 0o644);
    } catch {
      throw new CommitRefusal(`${lockPath} exists: another git command is using your repository's index; try again when it is done`, 'conflict');
    }
    // Compare-and-swap: refused if the user moved the branch since we read it.
    await repo.git.run(['update-ref', '-m', 'codex fleet: land', ref, landed, old]).catch(() => {
      throw new CommitRefusal(`${branch} moved while the commit was being landed: nothing was changed`, 'conflict');
    });
    // The user's index, with only these entries changed, then their files from it.
    const indexPath = join(repo.gitDir, 'index');
    const nextIndex = join(scratch, 'index');
    if (existsSync(indexPath)) copyFileSync(indexPath, nextIndex);
    const env = { GIT_INDEX_FILE: nextIndex };
    await repo.git.run(['update-index', '-z', '--index-info'], { env, input: info });
    const kept = changes.filter((c) => !c.deleted).map((c) => c.path);
    if (kept.length > 0) await repo.git.run(['checkout-index', '-f', '-u', '-z', '--stdin'], { env, input: kept.join('\0') + '\0' });
    for (const c of changes) if (c.deleted) rmSync(join(repo.root, c.path), { force: true });
    writeSync(lock, readFileSync(nextIndex));
    closeSync(lock);
    lock = undefined;
    renameSync(lockPath, indexPath);
    return { sha: landed, branch };
  } finally {
    if (lock !== undefined) {
      closeSync(lock);
      try {
        unlinkSync(lockPath);
      } catch {
        // already gone
      }
    }
    rmSync(scratch, { recursive: true, force: true });
  }
}
