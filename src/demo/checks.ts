/**
 * What `codex fleet demo` promises, checked on the repository after the fleet stopped. The demo exits
 * 0 only when every check holds:
 *
 * 1. patch-bot repaired the failing test (a first patch that failed, a second that fixed it) and its
 *    commit is on `main`;
 * 2. doc-bot's comments are on `main`, and only comments changed;
 * 3. test-writer-bot's scaffolds wait on their own `fleet/…` branch, not on `main`;
 * 4. notes-bot was paused at its budget, resumed, and finished;
 * 5. on `main`, checked out and clean, the fixture's tests pass (`node --test`).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { TaskView } from '../control/methods.js';
import { Git } from '../git/run.js';
import type { FixtureRepo } from './fixture.js';
import { BUDGET_AGENT, DOC_BOT, DOCUMENTED_FILE, PATCH_BOT, REPAIRED_FILE, TEST_WRITER_BOT } from './plan.js';
import type { DemoPlaces, DemoTaskOutcome } from './run.js';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** What was seen: the evidence when it holds, what is wrong (and where to look) when it does not. */
  readonly detail: string;
}

export interface CheckInput {
  readonly repo: FixtureRepo;
  readonly outcomes: readonly DemoTaskOutcome[];
  readonly branches: readonly { task: string; agent: string; branch: string; commits: readonly unknown[] }[];
  readonly budget: { readonly paused: boolean; readonly raisedUsd: number | undefined; readonly resumed: boolean };
  readonly places: DemoPlaces;
}

/** How long the fixture's own tests may take on main. */
const TEST_TIMEOUT_MS = 60_000;

function taskOf(input: CheckInput, agent: string): TaskView | undefined {
  return input.outcomes.find((o) => o.task.agent === agent)?.view;
}

function ended(agent: string, view: TaskView | undefined): string {
  if (!view) return `${agent}'s task was never submitted`;
  if (view.state === 'done') return `${agent}'s task ${view.id} is done`;
  return `${agent}'s task ${view.id} ${view.state}${view.error ? `: ${view.error}` : ''}`;
}

/** The commit on `main` made by `agent` (the supervisor ends every commit message with `Agent: <name>`). */
async function commitOnMain(git: Git, branch: string, agent: string): Promise<string | undefined> {
  const log = await git.text(['log', '--format=%H%x00%B%x01', branch]);
  for (const entry of log.split('\x01')) {
    const [sha, body] = entry.split('\x00');
    if (body !== undefined && new RegExp(`^Agent: ${agent}$`, 'm').test(body)) return sha?.trim();
  }
  return undefined;
}

function run(argv: readonly string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { cwd, timeout: TEST_TIMEOUT_MS, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

async function patchBotCheck(input: CheckInput, git: Git): Promise<Check> {
  const name = `patch-bot repaired ${REPAIRED_FILE} and its fix is on ${input.repo.branch}`;
  const view = taskOf(input, PATCH_BOT);
  if (view?.state !== 'done') return { name, ok: false, detail: ended(PATCH_BOT, view) };
  const output = (view.result as { output?: { attempts?: unknown } } | null)?.output;
  const attempts = typeof output?.attempts === 'number' ? output.attempts : undefined;
  const sha = await commitOnMain(git, input.repo.branch, PATCH_BOT);
  if (!sha) return { name, ok: false, detail: `no commit of patch-bot on ${input.repo.branch} (see "git log --all" in ${input.places.repo})` };
  if (attempts !== undefined && attempts < 2) {
    return { name, ok: false, detail: `patch-bot needed ${attempts} attempt(s); the recorded replies make the first patch fail and the second pass` };
  }
  const changed = (await git.text(['show', '--format=', '--name-only', sha])).split('\n').filter(Boolean);
  return {
    name,
    ok: changed.length > 0 && changed.every((f) => f === REPAIRED_FILE),
    detail: `${sha.slice(0, 7)} changes ${changed.join(', ') || 'nothing'}${attempts === undefined ? '' : `; ${attempts} attempts, the first failed the test`}`,
  };
}

async function docBotCheck(input: CheckInput, git: Git): Promise<Check> {
  const name = `doc-bot's comments on ${DOCUMENTED_FILE} are on ${input.repo.branch}`;
  const view = taskOf(input, DOC_BOT);
  if (view?.state !== 'done') return { name, ok: false, detail: ended(DOC_BOT, view) };
  const sha = await commitOnMain(git, input.repo.branch, DOC_BOT);
  if (!sha) return { name, ok: false, detail: `no commit of doc-bot on ${input.repo.branch} (see "git log --all" in ${input.places.repo})` };
  const changed = (await git.text(['show', '--format=', '--name-only', sha])).split('\n').filter(Boolean);
  const text = await git.text(['show', `${input.repo.branch}:${DOCUMENTED_FILE}`]);
  const ok = changed.length > 0 && changed.every((f) => f === DOCUMENTED_FILE) && text.includes('/**');
  return { name, ok, detail: `${sha.slice(0, 7)} changes ${changed.join(', ') || 'nothing'}${text.includes('/**') ? '' : `; ${DOCUMENTED_FILE} has no doc comment`}` };
}

async function testWriterCheck(input: CheckInput, git: Git): Promise<Check> {
  const name = 'test-writer-bot\'s failing scaffolds wait on their own fleet/… branch';
  const view = taskOf(input, TEST_WRITER_BOT);
  if (view?.state !== 'done') return { name, ok: false, detail: ended(TEST_WRITER_BOT, view) };
  const record = input.branches.find((b) => b.task === view.id);
  if (!record || record.commits.length === 0) return { name, ok: false, detail: `task ${view.id} left no branch with a commit (see "git branch --list 'fleet/*'" in ${input.places.repo})` };
  const exists = await git.run(['rev-parse', '--verify', '--quiet', `refs/heads/${record.branch}`], { okCodes: [1] });
  if (exists.exitCode !== 0) return { name, ok: false, detail: `the branch ${record.branch} does not exist` };
  const added = (await git.text(['diff', '--name-status', `${input.repo.branch}...${record.branch}`])).split('\n').filter(Boolean);
  const onlyNewTests = added.length > 0 && added.every((line) => /^A\t/.test(line) && /test/.test(line));
  const files = added.map((l) => l.split('\t')[1]);
  const onMain = (await git.text(['ls-tree', '-r', '--name-only', input.repo.branch])).split('\n');
  const leaked = files.filter((f) => f !== undefined && onMain.includes(f));
  return {
    name,
    ok: onlyNewTests && leaked.length === 0,
    detail: `${record.branch} adds ${files.join(', ') || 'nothing'}${onlyNewTests ? '' : ' (expected new test files only)'}${leaked.length ? `; also on ${input.repo.branch}: ${leaked.join(', ')}` : ''}`,
  };
}

function budgetCheck(input: CheckInput): Check {
  const name = `${BUDGET_AGENT} paused at its budget, was resumed and finished`;
  const view = taskOf(input, BUDGET_AGENT);
  const output = (view?.result as { output?: { notes?: unknown; headline?: unknown } } | null)?.output;
  const notes = Array.isArray(output?.notes) ? output.notes.length : 0;
  const steps = [
    input.budget.paused ? 'paused' : 'never paused at its budget',
    input.budget.raisedUsd !== undefined ? `budget raised by $${input.budget.raisedUsd.toFixed(2)}` : 'budget not raised',
    input.budget.resumed ? 'resumed' : 'not resumed',
    view?.state === 'done' ? `done: ${notes} notes and a headline` : ended(BUDGET_AGENT, view),
  ];
  const ok = input.budget.paused && input.budget.resumed && view?.state === 'done' && notes === input.repo.commits.length && typeof output?.headline === 'string';
  return { name, ok, detail: steps.join(', ') };
}

async function testsPassCheck(input: CheckInput, git: Git): Promise<Check> {
  const name = `the fixture's tests pass on ${input.repo.branch} (node --test)`;
  const head = await git.text(['symbolic-ref', '--short', 'HEAD']).catch(() => '(detached)');
  if (head !== input.repo.branch) return { name, ok: false, detail: `${input.places.repo} has ${head} checked out, not ${input.repo.branch}` };
  const dirty = await git.text(['status', '--porcelain', '--untracked-files=no']);
  if (dirty !== '') return { name, ok: false, detail: `the working tree differs from ${input.repo.branch}:\n${dirty}` };
  const result = await run([process.execPath, '--test'], input.places.repo);
  const summary = result.output.match(/^# pass (\d+)$/m)?.[1];
  return result.code === 0
    ? { name, ok: true, detail: `${summary ?? 'all'} tests pass` }
    : { name, ok: false, detail: `node --test exited with ${result.code}:\n${lastLines(result.output, 12)}` };
}

export async function runChecks(input: CheckInput): Promise<Check[]> {
  const git = new Git({ gitDir: join(input.places.repo, '.git'), workTree: input.places.repo });
  return [
    await patchBotCheck(input, git),
    await docBotCheck(input, git),
    await testWriterCheck(input, git),
    budgetCheck(input),
    await testsPassCheck(input, git),
  ];
}
