/**
 * The demo's project: a small dependency-free package (`npm test` = `node --test`) shipped in the
 * package's `demo/fixture/`, made into a fresh git repository with a short history. Each commit is a
 * folder of files laid over the previous ones (`commits.json` names them in order), committed with a
 * fixed author and date, so every demo repository has the same commits.
 *
 * @example
 * ```ts
 * const repo = await createFixtureRepo('/tmp/demo-shop');
 * repo.commits.map((c) => c.subject); // ['Start demo-shop: a cart and its total', …]
 * ```
 */
import { cp, mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Git } from '../git/run.js';
import { demoAsset } from './assets.js';

/** One commit of the fixture's history. */
export interface FixtureCommit {
  readonly sha: string;
  readonly subject: string;
  /** Files the commit adds or changes, relative to the repository. */
  readonly files: readonly string[];
}

export interface FixtureRepo {
  readonly dir: string;
  /** The branch the history is on (and the one checked out). */
  readonly branch: string;
  /** Oldest first. */
  readonly commits: readonly FixtureCommit[];
}

/** The branch the demo repository starts on. */
export const FIXTURE_BRANCH = 'main';

/** Author, committer and dates of the fixture's commits; with them every run makes the same shas. */
const FIXED = {
  GIT_AUTHOR_NAME: 'Demo Shop Developer',
  GIT_AUTHOR_EMAIL: 'dev@demo-shop.example',
  GIT_COMMITTER_NAME: 'Demo Shop Developer',
  GIT_COMMITTER_EMAIL: 'dev@demo-shop.example',
};

interface CommitPlan {
  readonly tree: string;
  readonly message: string;
}

async function readPlan(): Promise<CommitPlan[]> {
  const text = await readFile(demoAsset('fixture', 'commits.json'), 'utf8');
  return JSON.parse(text) as CommitPlan[];
}

async function filesUnder(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await filesUnder(root, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

/**
 * Makes `dir` (created if missing; it must be empty) a git repository holding the fixture's history on
 * branch `main`, checked out. Commits do not depend on the user's git configuration (identity, hooks,
 * signing, default branch name).
 */
export async function createFixtureRepo(dir: string): Promise<FixtureRepo> {
  await mkdir(dir, { recursive: true });
  const init = new Git({ gitDir: join(dir, '.git'), workTree: dir });
  await init.run(['init', '-q']);
  await init.run(['symbolic-ref', 'HEAD', `refs/heads/${FIXTURE_BRANCH}`]);
  const git = new Git({ gitDir: join(dir, '.git'), workTree: dir });
  const commits: FixtureCommit[] = [];
  const plan = await readPlan();
  for (const [index, step] of plan.entries()) {
    const source = demoAsset('fixture', step.tree);
    const files = await filesUnder(source);
    await cp(source, dir, { recursive: true });
    await git.run(['add', '--', ...files]);
    // One minute apart, from a fixed day: the same input gives the same commits.
    const date = `2026-01-05T09:${String(index).padStart(2, '0')}:00Z`;
    await git.run(['-c', 'commit.gpgsign=false', 'commit', '-q', '--no-verify', '-m', step.message], {
      env: { ...FIXED, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
    const sha = await git.text(['rev-parse', 'HEAD']);
    commits.push({ sha, subject: step.message, files });
  }
  return { dir, branch: FIXTURE_BRANCH, commits };
}
