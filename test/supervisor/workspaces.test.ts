/**
 * Task worktrees, the exec service and the commit queue in a real fleet: sandboxed workers running the
 * git-task fixture plugin against a real git repository, real `npm test` under the command sandbox.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { symlinkSync } from 'node:fs';
import { repoRoot } from '../helpers/cli.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/protocol/error-codes.js';
import type { TaskView } from '../../src/control/methods.js';
import type { FleetEvent } from '../../src/supervisor/events.js';
import { Supervisor } from '../../src/utils/agent/supervisor.js';
import { expectNoProcessesLeft, loadAgents, makeFleetDir, removeFleetDir, writeAgent, type FleetDir } from './helpers.js';

const IDENTITY = ['-c', 'user.name=Test User', '-c', 'user.email=test@example.com'];

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, '-C', repo, ...args], { encoding: 'utf8' }).trim();
}

/** A small project: one file the tests read, and a `node --test` suite run by `npm test`. */
function makeRepo(dir: FleetDir): string {
  const repo = join(dir.root, 'repo');
  mkdirSync(repo);
  writeFileSync(join(repo, 'package.json'), '{"name":"p","version":"1.0.0","private":true,"scripts":{"test":"node --test"}}\n');
  writeFileSync(
    join(repo, 'a.test.mjs'),
    "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { readFileSync } from 'node:fs';\n" +
      "test('a.txt says fixed', () => assert.match(readFileSync('a.txt', 'utf8'), /fixed/));\n",
  );
  writeFileSync(join(repo, 'a.txt'), 'broken\n');
  writeFileSync(join(repo, 'notes.txt'), 'mine\n');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'start');
  return repo;
}

const fleets: { dir: FleetDir; sup?: Supervisor }[] = [];
afterEach(async () => {
  for (const f of fleets.splice(0)) {
    await f.sup?.stop(true);
    await expectNoProcessesLeft(f.dir.root);
    removeFleetDir(f.dir);
  }
});

async function fleet(
  land: 'branch' | 'commit',
  concurrency = 1,
  exec = ['  - command: [npm, test]', '    timeout_s: 120'],
  setup: (dir: FleetDir) => string = makeRepo,
): Promise<{ dir: FleetDir; repo: string; sup: Supervisor; events: FleetEvent[] }> {
  const dir = makeFleetDir('cf-ws-');
  const entry: { dir: FleetDir; sup?: Supervisor } = { dir };
  fleets.push(entry);
  const repo = setup(dir);
  writeAgent(dir, 'fixer', 'git-task', [`land: ${land}`, `concurrency: ${concurrency}`, 'exec:', ...exec].join('\n'));
  const events: FleetEvent[] = [];
  const sup = await Supervisor.start({
    agents: await loadAgents(dir),
    stateDir: dir.stateDir,
    projectDir: repo,
    gitIdentity: { name: 'Fleet Test', email: 'fleet@example.com' },
    onEvent: (e) => events.push(e),
  });
  entry.sup = sup;
  return { dir, repo, sup, events };
}

async function run(sup: Supervisor, input: unknown, base?: string): Promise<TaskView> {
  const { task } = await sup.submit('fixer', input, 'default', base === undefined ? {} : { base });
  return sup.waitTask(task.id, 120_000, new AbortController().signal);
}

const output = (t: TaskView): Record<string, any> => (t.result as { output: Record<string, any> }).output;

describe('task worktrees, exec and commits', () => {
  it('writes in its worktree, runs npm test through ctx.exec, commits and lands on the user\'s branch; the user\'s other files are untouched', async () => {
    const { repo, sup, events } = await fleet('commit');
    writeFileSync(join(repo, 'notes.txt'), 'mine, not committed\n');
    const before = git(repo, 'rev-parse', 'HEAD');
    const done = await run(sup, {
      write: { 'a.txt': 'fixed\n' },
      exec: ['npm', 'test'],
      denied: ['rm', '-rf', '.'],
      commit: { message: 'Fix a.txt', paths: ['a.txt'] },
    });
    expect([done.state, done.error]).toEqual(['done', null]);
    const out = output(done);
    expect(out.workdir).toMatch(/\/tasks\//);
    expect(out.exec.exit_code).toBe(0);
    expect(out.exec.stdout).toMatch(/pass 1/);
    expect(out.denied.code).toBe(ErrorCodes.ExecNotAllowed);
    expect(out.denied.message).toContain('is not in fixer\'s exec allow-list');
    expect(out.denied.message).toContain('["npm","test"]');
    const head = git(repo, 'rev-parse', 'HEAD');
    expect(head).not.toBe(before);
    expect(out.commit).toEqual({ sha: head, branch: 'main' });
    expect(git(repo, 'log', '-1', '--format=%an <%ae>%n%B')).toBe('Fleet Test <fleet@example.com>\nFix a.txt\n\nAgent: fixer\nTask: ' + done.id);
    // Only a.txt changed in the working tree and index; the user's uncommitted edit is intact.
    expect(readFileSync(join(repo, 'a.txt'), 'utf8')).toBe('fixed\n');
    expect(readFileSync(join(repo, 'notes.txt'), 'utf8')).toBe('mine, not committed\n');
    expect(git(repo, 'status', '--porcelain')).toBe('M notes.txt');
    // The worktree is gone after the task; the branch keeps the commit; the result says where it is.
    expect(existsSync(out.workdir)).toBe(false);
    expect(git(repo, 'rev-parse', `fleet/fixer/${done.id}`)).toBe(head);
    expect((done.result as { commits: unknown[] }).commits).toEqual([expect.objectContaining({ outcome: 'landed', landed_sha: head, landed_on: 'main' })]);
    const execs = events.filter((e) => e.type === 'exec' && e.task === done.id);
    expect(execs.map((e) => [e.data?.['argv'], e.data?.['exit_code'] ?? null, typeof e.data?.['duration_ms']])).toEqual([
      [['npm', 'test'], 0, 'number'],
      [['rm', '-rf', '.'], null, 'number'],
    ]);
    expect(events.some((e) => e.type === 'commit.landed' && e.task === done.id)).toBe(true);
  }, 180_000);

  it('with land: branch leaves the commit on fleet/<agent>/<task> and the user\'s branch where it was', async () => {
    const { repo, sup } = await fleet('branch');
    const before = git(repo, 'rev-parse', 'HEAD');
    const done = await run(sup, { write: { 'a.txt': 'fixed\n' }, commit: { message: 'Fix a.txt', paths: ['a.txt'] } });
    const out = output(done);
    expect(out.commit.branch).toBe(`fleet/fixer/${done.id}`);
    expect(git(repo, 'rev-parse', out.commit.branch)).toBe(out.commit.sha);
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(before);
    expect(readFileSync(join(repo, 'a.txt'), 'utf8')).toBe('broken\n');
    expect(sup.branches().map((b) => b.branch)).toEqual([`fleet/fixer/${done.id}`]);
    // Landed by hand later.
    const landed = await sup.landBranch(done.id);
    expect(landed).toEqual({ sha: out.commit.sha, branch: 'main' });
    expect(readFileSync(join(repo, 'a.txt'), 'utf8')).toBe('fixed\n');
  }, 180_000);

  it('two workers editing the same file: one lands, the other gets CommitConflict with its branch kept', async () => {
    const { repo, sup } = await fleet('commit', 2);
    const { task: a } = await sup.submit('fixer', { write: { 'a.txt': 'fixed by one\n' }, commit: { message: 'one', paths: ['a.txt'] } });
    const { task: b } = await sup.submit('fixer', { write: { 'a.txt': 'fixed by two\n' }, commit: { message: 'two', paths: ['a.txt'] } });
    const signal = new AbortController().signal;
    const results = [await sup.waitTask(a.id, 120_000, signal), await sup.waitTask(b.id, 120_000, signal)];
    const commits = results.map((t) => output(t).commit);
    const landed = commits.filter((c) => c.code === undefined);
    const refused = commits.filter((c) => c.code === ErrorCodes.CommitConflict);
    expect(landed).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0].message).toContain('main changed a.txt since the task\'s base');
    const loser = results[commits.indexOf(refused[0])]!;
    expect(git(repo, 'rev-parse', `fleet/fixer/${loser.id}`)).toBe(refused[0].data.sha);
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(landed[0].sha);
    expect(readFileSync(join(repo, 'a.txt'), 'utf8')).toBe(landed[0].sha === git(repo, 'rev-parse', `fleet/fixer/${a.id}`) ? 'fixed by one\n' : 'fixed by two\n');
    expect(git(repo, 'status', '--porcelain')).toBe('');
  }, 180_000);

  it('a user\'s uncommitted edit to the file: the landing is refused and the edit is intact', async () => {
    const { repo, sup } = await fleet('commit');
    const before = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(join(repo, 'a.txt'), 'my own work in progress\n');
    const done = await run(sup, { write: { 'a.txt': 'fixed\n' }, commit: { message: 'Fix a.txt', paths: ['a.txt'] } });
    const out = output(done);
    expect(out.commit.code).toBe(ErrorCodes.CommitConflict);
    expect(out.commit.message).toContain('You have uncommitted edits to a.txt');
    expect(readFileSync(join(repo, 'a.txt'), 'utf8')).toBe('my own work in progress\n');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(before);
    expect(git(repo, 'rev-parse', `fleet/fixer/${done.id}`)).toBe(out.commit.data.sha);
    expect((done.result as { commits: unknown[] }).commits).toEqual([expect.objectContaining({ outcome: 'refused' })]);
  }, 180_000);

  it('hooks, config and filters a worker plants in its worktree never run in the supervisor', async () => {
    const { dir, repo, sup } = await fleet('commit');
    const marker = join(dir.root, 'planted-ran');
    // A planted .git directory with hooks, fsmonitor and a filter: ignored, the commit lands without running any of it.
    const quiet = await run(sup, { write: { 'a.txt': 'fixed\n' }, plant: marker, commit: { message: 'Fix', paths: ['a.txt'] } });
    expect(output(quiet).commit.branch).toBe('main');
    // The same with a .gitattributes naming the planted filter: the commit is refused.
    const attr = await run(sup, {
      write: { 'b.txt': 'new\n' },
      plant: marker,
      attributes: '* filter=pwn\n',
      commit: { message: 'Add b', paths: ['b.txt'] },
    });
    expect(output(attr).commit.code).toBe(ErrorCodes.CommitRejected);
    expect(output(attr).commit.message).toContain('.gitattributes differs from the task\'s base');
    const direct = await run(sup, { write: { '.gitattributes': '* filter=pwn\n' }, commit: { message: 'attrs', paths: ['.gitattributes'] } });
    expect(output(direct).commit.code).toBe(ErrorCodes.CommitRejected);
    expect(existsSync(marker)).toBe(false);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  }, 180_000);

  it('starts from --base worktree, answers repo/diff, and bounds commands: output cap, timeout, cwd inside the worktree', async () => {
    const { repo, sup, events } = await fleet('branch', 1, [
      '  - command: [node, -e]',
      '    allow_extra_args: true',
      '    timeout_s: 2',
    ]);
    writeFileSync(join(repo, 'notes.txt'), 'work in progress\n');
    const done = await run(
      sup,
      {
        read: ['notes.txt'],
        write: { 'a.txt': 'fixed\n' },
        runs: [
          // 3 MiB of output: cut at 1 MiB and flagged.
          ['node', '-e', "process.stdout.write('x'.repeat(3 * 1024 * 1024)); process.stderr.write('e')"],
          // Past the rule's 2 s: the tree is killed (a loose bound: only the flag and the kill are asserted).
          ['node', '-e', 'setInterval(() => {}, 1000)'],
          // Writes land in the worktree; a write outside it is refused by the sandbox.
          ['node', '-e', "require('fs').writeFileSync('made-by-command.txt', 'ok'); try { require('fs').writeFileSync(process.argv[1], 'no') } catch (e) { console.log(e.code) }", join(repo, 'escape.txt')],
        ],
        commit: { message: 'Fix a.txt', paths: ['a.txt'] },
        diff: 'HEAD~1..HEAD',
        bad_diff: 'no-such-ref..HEAD',
      },
      'worktree',
    );
    const out = output(done);
    // The snapshot of uncommitted changes is the base; the user's working tree is unchanged.
    expect(out.read).toEqual({ 'notes.txt': 'work in progress\n' });
    expect(readFileSync(join(repo, 'notes.txt'), 'utf8')).toBe('work in progress\n');
    const [big, slow, writes] = out.runs;
    expect(big.exit_code).toBe(0);
    expect(big.stdout_length).toBe(1024 * 1024);
    expect(big.stdout_truncated).toBe(true);
    expect(big.stderr).toBe('e');
    expect(big.stderr_truncated).toBe(false);
    expect(slow).toMatchObject({ timed_out: true, exit_code: null, signal: 'SIGKILL' });
    expect(writes.exit_code).toBe(0);
    expect(writes.stdout.trim()).toBe('EACCES');
    expect(existsSync(join(repo, 'escape.txt'))).toBe(false);
    expect(out.diff.files).toEqual([{ path: 'a.txt', status: 'modified' }]);
    expect(out.diff.diff).toContain('-broken\n+fixed\n');
    expect(out.diff.truncated).toBe(false);
    expect(out.bad_diff.code).toBe(ErrorCodes.RepoError);
    expect(out.bad_diff.message).toContain('Range "no-such-ref..HEAD" does not resolve');
    expect(events.filter((e) => e.type === 'exec' && e.task === done.id).map((e) => e.data?.['timed_out'])).toEqual([false, true, false]);
    // The branch can be discarded by hand.
    await sup.discardBranch(done.id);
    expect(git(repo, 'branch', '--list', 'fleet/*')).toBe('');
    expect(sup.branches()).toEqual([]);
  }, 180_000);

  it('runs a vitest project\'s npm test through ctx.exec, with the repository\'s installed node_modules linked in read-only', async () => {
    const { repo, sup } = await fleet('branch', 1, undefined, (dir) => {
      const r = join(dir.root, 'vitest-repo');
      mkdirSync(r);
      writeFileSync(join(r, 'package.json'), '{"name":"v","version":"1.0.0","private":true,"type":"module","scripts":{"test":"vitest run"}}\n');
      writeFileSync(join(r, '.gitignore'), 'node_modules\n');
      writeFileSync(
        join(r, 'a.test.js'),
        "import { test, expect } from 'vitest';\nimport { readFileSync } from 'node:fs';\ntest('a.txt says fixed', () => expect(readFileSync('a.txt', 'utf8')).toContain('fixed'));\n",
      );
      writeFileSync(join(r, 'a.txt'), 'broken\n');
      // "Installed" dependencies: this package's own node_modules, which has vitest.
      symlinkSync(join(repoRoot, 'node_modules'), join(r, 'node_modules'));
      git(r, 'init', '-q', '-b', 'main');
      git(r, 'add', '.');
      git(r, 'commit', '-q', '-m', 'start');
      return r;
    });
    const failing = output(await run(sup, { exec: ['npm', 'test'] }));
    expect(failing.exec.exit_code).not.toBe(0);
    expect(failing.exec.stdout + failing.exec.stderr).toContain('a.txt says fixed');
    const passing = output(await run(sup, {
      write: { 'a.txt': 'fixed\n' },
      exec: ['npm', 'test'],
    }));
    expect(passing.exec.exit_code).toBe(0);
    expect(passing.exec.stdout).toMatch(/1 passed/);
    // The fix was made in the task's worktree only.
    expect(readFileSync(join(repo, 'a.txt'), 'utf8')).toBe('broken\n');
  }, 180_000);
});
