/**
 * `codex fleet demo` as a user runs it: the built CLI as a real process (off a terminal, so plain
 * lines), a real git repository, real sandboxed workers running the three bots and the demo agent, the
 * local model server over HTTP. Asserts what the user is promised: exit 0, the summary, and the
 * repository left behind (the fix and the docs on main, tests passing there, the scaffolds failing on
 * their own branch), plus the pause at the budget in the events and every recorded reply used.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadModelScript } from '../../src/model-server/index.js';
import type { FleetEvent } from '../../src/supervisor/events.js';
import { repoRoot } from '../helpers/cli.js';
import { expectNoProcessesLeft, makeFleetDir, removeFleetDir, runFleetAsync, type FleetDir } from '../supervisor/helpers.js';

let dir: FleetDir;

beforeEach(() => {
  dir = makeFleetDir('cf-demo-');
});

afterEach(async () => {
  await expectNoProcessesLeft(dir.root);
  removeFleetDir(dir);
});

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
}

/** `codex fleet demo ARGS…` with its slots inside this test's directory (so no process of it escapes the check). */
function demo(args: readonly string[]): ReturnType<typeof runFleetAsync> {
  return runFleetAsync(['demo', ...args], { env: { CODEX_FLEET_SLOT_ROOT: join(dir.root, 'slots'), CI: '1' } });
}

describe('codex fleet demo', () => {
  it('runs the fleet offline, exits 0 with the summary, and leaves the promised repository', { timeout: 180_000 }, async () => {
    const repo = join(dir.root, 'demo-shop');
    const started = Date.now();
    const result = await demo(['--dir', repo, '--state-dir', dir.stateDir]);
    const seconds = (Date.now() - started) / 1000;
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // Under a minute on a 2-core machine, start-up and all.
    expect(seconds).toBeLessThan(60);

    // The narration and the summary.
    const out = result.stdout;
    expect(out).toContain(`demo a git repository with 3 commits in ${repo}; its tests fail`);
    expect(out).toMatch(/demo notes-bot ran out of budget, as planned; raising it by \$0\.01\n.* demo {3}\(the same as: codex fleet resume notes-bot --add 0\.01\)\n/);
    expect(out).toMatch(/codex fleet demo: all 5 checks passed in \d+\.\d s/);
    expect(out).toMatch(/^ {2}agent {12}tasks {3}spend {6}calls {2}commits$/m);
    expect(out).toMatch(/^ {2}patch-bot {8}1 done {2}\$0\.\d{6} {2}2 {6}1 on main: [0-9a-f]{7}$/m);
    expect(out).toMatch(/^ {2}test-writer-bot {2}1 done {2}\$0\.\d{6} {2}1 {6}1 on its own fleet\/ branch$/m);
    expect(out).toMatch(/^ {2}doc-bot {10}1 done {2}\$0\.\d{6} {2}1 {6}1 on main: [0-9a-f]{7}$/m);
    expect(out).toMatch(/^ {2}notes-bot {8}1 done {2}\$0\.01 {6}4 {6}none; budget \$0\.01, raised to \$0\.02$/m);
    expect(out).toMatch(/^ {2}fleet {20}\$0\.01 {6}8 {6}\d+ tokens in all$/m);
    // Every line of the summary fits an 80-column terminal.
    const summary = out.slice(out.indexOf('codex fleet demo: all'));
    expect(summary.split('\n').filter((l) => l.length > 80 && !l.includes(dir.root))).toEqual([]);
    for (const check of [
      'patch-bot repaired src/cart.js and its fix is on main',
      "doc-bot's comments on src/format.js are on main",
      "test-writer-bot's failing scaffolds wait on their own fleet/… branch",
      'notes-bot paused at its budget, was resumed and finished',
      "the fixture's tests pass on main (node --test)",
    ]) {
      expect(out).toContain(`  ok   ${check}\n`);
    }
    expect(out).toContain(`The repository: ${repo}\n`);
    expect(out).toContain(`The fleet's state: ${dir.stateDir}\n`);

    // main: the fixture's three commits, then doc-bot's and patch-bot's (in either order); clean; tests pass.
    expect(git(repo, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(git(repo, 'status', '--porcelain')).toBe('');
    const subjects = git(repo, 'log', '--format=%s', 'main').split('\n');
    expect(subjects.slice(2)).toEqual(['Add applyDiscount for promotion codes', 'Format prices and receipt lines', 'Start demo-shop: a cart and its total']);
    const agents = git(repo, 'log', '--format=%(trailers:key=Agent,valueonly)', 'main').split('\n').filter(Boolean).sort();
    expect(agents).toEqual(['doc-bot', 'patch-bot']);
    expect(readFileSync(join(repo, 'src/cart.js'), 'utf8')).toContain('total += items[i].price * items[i].quantity;');
    expect(readFileSync(join(repo, 'src/format.js'), 'utf8')).toMatch(/\/\*\*[\s\S]*\*\/\nexport function formatPrice/);
    const tests = spawnSync(process.execPath, ['--test'], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    expect(tests.stdout).toMatch(/^# pass 5$/m);
    expect(tests.status).toBe(0);

    // test-writer-bot's scaffolds: on their own branch only, and they fail.
    const branch = git(repo, 'branch', '--list', 'fleet/test-writer-bot/*', '--format=%(refname:short)');
    expect(branch).toMatch(/^fleet\/test-writer-bot\/\S+$/);
    expect(git(repo, 'diff', '--name-status', `main...${branch}`)).toBe('A\ttest/discount.test.js');
    expect(git(repo, 'ls-tree', '--name-only', 'main', 'test/')).not.toContain('discount');
    const scaffolds = join(dir.root, 'scaffolds');
    git(repo, 'worktree', 'add', '-q', '--detach', scaffolds, branch);
    const failing = spawnSync(process.execPath, ['--test', 'test/discount.test.js'], { cwd: scaffolds, encoding: 'utf8', timeout: 60_000 });
    expect(failing.stdout).toMatch(/^# fail [1-9]/m);
    expect(failing.status).not.toBe(0);
    git(repo, 'worktree', 'remove', '--force', scaffolds);

    // The logs: the pause at the budget and its raise are events; every recorded reply answered a request.
    const logs = join(dir.stateDir, 'demo');
    const events = readFileSync(join(logs, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FleetEvent);
    const budget = events.filter((e) => e.type === 'agent.budget' && e.agent === 'notes-bot').map((e) => e.message);
    expect(budget).toEqual([
      expect.stringMatching(/^paused: budget: notes-bot's next call \(worst case \$0\.\d+\) does not fit its budget of \$0\.010000/),
      'budget set to $0.020000 (kept until the spec\'s cost_budget changes)',
    ]);
    const served = readFileSync(join(logs, 'model-requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reply: string; outcome: string });
    expect(served.every((r) => r.outcome === 'ok')).toBe(true);
    const script = await loadModelScript(join(repoRoot, 'demo', 'replies.yaml'));
    expect(served.map((r) => r.reply).sort()).toEqual(script.replies.map((r) => r.label).sort());
    // patch-bot's fix was chosen only once its first patch's failure had been fed back.
    expect(served.map((r) => r.reply).filter((r) => r.startsWith('patch-bot'))).toEqual(['patch-bot-first-patch', 'patch-bot-second-patch']);
  });

  it('refuses a --dir that is not empty, saying which and what to do, and changes nothing there', async () => {
    const taken = join(dir.root, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'mine.txt'), 'keep me\n');
    const result = await demo(['--dir', taken, '--state-dir', dir.stateDir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`The demo failed: ${taken} is not empty: give --dir a new or empty directory (the demo makes a git repository there)`);
    expect(readFileSync(join(taken, 'mine.txt'), 'utf8')).toBe('keep me\n');
  });
});
