/**
 * Committing a task's files on its branch, from the supervisor, without trusting the worktree: paths
 * are checked, attributes files must be the base's, and git runs with the worktree's admin directory
 * (in the user's repository) named explicitly. A fresh temporary index is used, so nothing a worker
 * left in the worktree's index matters.
 *
 * @example
 * ```ts
 * const { sha } = await commitFiles(wt, { paths: ['src/a.ts'], message: 'Fix a', agent: 'patch-bot', task: 't-1', identity });
 * ```
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize, posix } from 'node:path';
import type { Git } from './run.js';
import type { Worktree } from './worktrees.js';

/** Who commits: author and committer. */
export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

export const DEFAULT_IDENTITY: GitIdentity = Object.freeze({ name: 'codex fleet', email: 'codex-fleet@localhost' });

/** A commit the supervisor refuses to make or land; `conflict` means the files changed underneath. */
export class CommitRefusal extends Error {
  readonly code = 'CODEX_FLEET_COMMIT_REFUSED';
  constructor(
    message: string,
    readonly kind: 'rejected' | 'conflict',
  ) {
    super(message);
    this.name = 'CommitRefusal';
  }
}

/** Attribute and module files a worker may not change: they decide which filters run in the supervisor. */
const PROTECTED = new Set(['.gitattributes', '.gitmodules']);

/** Checks and normalises the paths a worker asks to commit. */
export function checkPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of paths) {
    const p = posix.normalize(raw.replace(/\\/g, '/'));
    if (raw.includes('\0') || p.startsWith('/') || p === '.' || p === '..' || p.startsWith('../') || p.split('/').includes('..')) {
      throw new CommitRefusal(`Path "${raw}" is outside the task's worktree: give paths relative to it`, 'rejected');
    }
    const parts = p.split('/');
    if (parts.includes('.git')) throw new CommitRefusal(`Path "${raw}" is inside .git: git's own files are never committed`, 'rejected');
    if (PROTECTED.has(parts.at(-1)!)) {
      throw new CommitRefusal(`Path "${raw}" would change git attributes or submodules, which decide what runs when git reads files: commit it by hand`, 'rejected');
    }
    if (p.startsWith(':') || p.startsWith('-')) throw new CommitRefusal(`Path "${raw}" looks like a pathspec or an option`, 'rejected');
    out.push(p);
  }
  return [...new Set(out)];
}

/** Every `.gitattributes` file under `dir` (not following links, not inside .git or linked dependencies). */
function attributeFiles(root: string, dir = '', out: string[] = []): string[] {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory() && entry.name !== '.git') attributeFiles(root, rel, out);
    else if (entry.name === '.gitattributes') out.push(rel);
  }
  return out;
}

/**
 * Refuses when the worktree's attribute files are not exactly those of `rev`: git reads attributes
 * from the work tree when it adds files, and a planted one could name a filter the user configured.
 */
export async function checkAttributes(git: Git, worktree: string, rev: string): Promise<void> {
  const inTree = (await git.text(['ls-tree', '-r', '-z', '--name-only', rev])).split('\0').filter((p) => p === '.gitattributes' || p.endsWith('/.gitattributes'));
  const onDisk = attributeFiles(worktree);
  const differ: string[] = [];
  for (const p of new Set([...inTree, ...onDisk])) {
    let disk: Buffer | undefined;
    try {
      const st = lstatSync(join(worktree, normalize(p)));
      disk = st.isFile() ? readFileSync(join(worktree, normalize(p))) : Buffer.from(`\0not a file`);
    } catch {
      disk = undefined;
    }
    const base = inTree.includes(p) ? (await git.run(['cat-file', 'blob', `${rev}:${p}`])).stdout : undefined;
    if (disk === undefined || base === undefined || !disk.equals(Buffer.from(base))) differ.push(p);
  }
  if (differ.length > 0) {
    throw new CommitRefusal(
      `The worktree's ${differ.join(', ')} differs from the task's base: attribute files decide which filters git runs, so a task may not change them`,
      'rejected',
    );
  }
}

export function commitEnv(identity: GitIdentity): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email,
  };
}

/** The message as committed: the worker's, then who made it. */
export function fleetMessage(message: string, agent: string, task: string): string {
  return `${message.trim()}\n\nAgent: ${agent}\nTask: ${task}\n`;
}

export interface CommitFilesOptions {
  readonly paths: readonly string[];
  readonly message: string;
  readonly agent: string;
  readonly task: string;
  readonly branch: string;
  readonly identity: GitIdentity;
}

/** Commits `paths` of the worktree on its branch; returns the new commit and its parent. */
export async function commitFiles(wt: Worktree, options: CommitFilesOptions): Promise<{ sha: string; parent: string }> {
  const paths = checkPaths(options.paths);
  const ref = `refs/heads/${options.branch}`;
  const parent = await wt.git.text(['rev-parse', '--verify', `${ref}^{commit}`]);
  await checkAttributes(wt.git, wt.path, parent);
  const scratch = mkdtempSync(join(tmpdir(), 'codex-fleet-index-'));
  try {
    const env = { GIT_INDEX_FILE: join(scratch, 'index') };
    await wt.git.run(['read-tree', parent], { env });
    await wt.git.run(['add', '--all', '--', ...paths], { env }).catch((error: Error) => {
      throw new CommitRefusal(`Cannot add ${paths.join(', ')}: ${error.message}`, 'rejected');
    });
    const tree = await wt.git.text(['write-tree'], { env });
    if (tree === (await wt.git.text(['rev-parse', `${parent}^{tree}`]))) {
      throw new CommitRefusal(`Nothing to commit: ${paths.join(', ')} are unchanged`, 'rejected');
    }
    const sha = await wt.git.text(['commit-tree', tree, '-p', parent, '-F', '-'], {
      env: commitEnv(options.identity),
      input: fleetMessage(options.message, options.agent, options.task),
    });
    await wt.git.run(['update-ref', '-m', `codex fleet: ${options.agent} ${options.task}`, ref, sha, parent]);
    // The worktree's own index follows its branch, so its status shows only what is still uncommitted.
    await wt.git.run(['read-tree', sha]);
    return { sha, parent };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
