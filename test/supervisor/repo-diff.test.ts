/**
 * `repo/diff` with every shape of range a bot may give: `A..B` of two shas, `A...B`, `A..` (open end:
 * the task's HEAD), `HEAD~N..HEAD` and a single revision, against a real repository of three commits.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/protocol/error-codes.js';
import { Supervisor } from '../../src/utils/agent/supervisor.js';
import { loadAgents, useFleetTest, writeAgent } from './helpers.js';

const IDENTITY = ['-c', 'user.name=Test User', '-c', 'user.email=test@example.com'];
const git = (repo: string, ...args: string[]) => execFileSync('git', [...IDENTITY, '-C', repo, ...args], { encoding: 'utf8' }).trim();

describe('repo/diff ranges', () => {
  const t = useFleetTest();

  it('answers A..B, A...B, A.., HEAD~2..HEAD and a single revision; a bad range is a RepoError', { timeout: 120_000 }, async () => {
    const repo = join(t.dir.root, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'a.txt'), 'one\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'one');
    const c1 = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(join(repo, 'a.txt'), 'two\n');
    writeFileSync(join(repo, 'b.txt'), 'new\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'two');
    const c2 = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(join(repo, 'c.txt'), 'three\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'three');
    const c3 = git(repo, 'rev-parse', 'HEAD');

    writeAgent(t.dir, 'reader', 'git-task', 'worktree: true\nconcurrency: 1');
    const supervisor = await Supervisor.start({ agents: await loadAgents(t.dir), stateDir: t.dir.stateDir, projectDir: repo, slotRoot: join(t.dir.root, 'slots') });
    t.fleet = { supervisor, events: [] };
    type Answer = { files?: unknown; diff?: string; code?: number; message?: string };
    const diffs = async (a: string, b: string): Promise<[Answer, Answer]> => {
      const { task } = await supervisor.submit('reader', { diff: a, bad_diff: b });
      const done = await supervisor.waitTask(task.id, 60_000, new AbortController().signal);
      expect(done.state).toBe('done');
      const out = (done.result as { output: Record<string, Answer> }).output;
      return [out['diff']!, out['bad_diff']!];
    };
    const files = (r: { files?: unknown }) => r.files;

    const [twoShas, threeDots] = await diffs(`${c1}..${c3}`, `${c1}...${c3}`);
    expect(files(twoShas)).toEqual([
      { path: 'a.txt', status: 'modified' },
      { path: 'b.txt', status: 'added' },
      { path: 'c.txt', status: 'added' },
    ]);
    expect(twoShas.diff).toContain('-one\n+two\n');
    expect(files(threeDots)).toEqual(files(twoShas));

    const [openEnd, lastTwo] = await diffs(`${c2}..`, 'HEAD~2..HEAD');
    expect(files(openEnd)).toEqual([{ path: 'c.txt', status: 'added' }]);
    expect(files(lastTwo)).toEqual(files(twoShas));

    const [single, bad] = await diffs(c2, 'HEAD~5..HEAD');
    expect(files(single)).toEqual([
      { path: 'a.txt', status: 'modified' },
      { path: 'b.txt', status: 'added' },
    ]);
    expect(bad.code).toBe(ErrorCodes.RepoError);
    expect(bad.message).toMatch(
      /^Range "HEAD~5\.\.HEAD" does not resolve in task \w+'s worktree: "HEAD~5" is not a commit there \(HEAD is the task's branch; give a sha, a branch or tag, or HEAD~N within its history\)$/,
    );
  });
});
