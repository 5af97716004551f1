/**
 * test-writer-bot end to end: real git, the real sandboxed worker running builtin:test-writer-bot with
 * its shipped spec, `node --test` through the exec service, and recorded replies from the local model
 * server over HTTP.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { commitFiles, git, outputOf, startBotFleet } from './shipped-bot-fleet.js';

const block = (path: string, content: string) => `${path}\n<<<<<<< SEARCH\n=======\n${content}>>>>>>> REPLACE\n`;

const FAILING = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clamp } from '../src/math.js';

test('clamp keeps a value that is inside the range', () => {
  assert.equal(clamp(5, 0, 10), 5);
});

test('clamp refuses a range whose min is above its max', () => {
  assert.throws(() => clamp(5, 10, 0), RangeError);
});
`;
const PASSING = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clamp } from '../src/math.js';

test('clamp raises a value below the range to its min', () => {
  assert.equal(clamp(-3, 0, 10), 0);
});
`;
const NO_TESTS = `import { clamp } from '../src/math.js';

export const cases = [[5, 0, 10]];
void clamp;
`;

const REPLY = `Here are the scaffolds.\n\n${block('test/clamp.test.js', FAILING)}\n${block('test/clamp-min.test.js', PASSING)}\n${block('test/clamp-cases.test.js', NO_TESTS)}`;

/** A dependency-free package tested with node --test, whose last commit adds an exported function. */
function makeRepo(repo: string): void {
  commitFiles(repo, 'start', {
    'package.json': '{"name":"calc","version":"1.0.0","private":true,"type":"module","scripts":{"test":"node --test"}}\n',
    'src/math.js': 'export function add(a, b) {\n  return a + b;\n}\n',
    'README.md': '# calc\n',
  });
  commitFiles(repo, 'Add clamp', {
    'src/math.js': 'export function add(a, b) {\n  return a + b;\n}\n\nexport function clamp(value, min, max) {\n  return Math.min(Math.max(value, min), max);\n}\n',
    'README.md': '# calc\n\nAdds and clamps.\n',
  });
}

describe('test-writer-bot', () => {
  it('commits on its fleet/ branch only the scaffold that node --test collects and that fails; drops the others with reasons', async () => {
    const f = await startBotFleet('test-writer-bot', makeRepo, {
      replies: [
        {
          name: 'scaffolds',
          match: { message: '^You are test-writer-bot', last_message: 'function clamp\\(value, min, max\\)' },
          content: REPLY,
          usage: { input_tokens: 900, output_tokens: 250 },
        },
      ],
    });
    const mainBefore = git(f.repo, 'rev-parse', 'main');
    const done = await f.run({});
    expect(done.state, JSON.stringify(done)).toBe('done');
    const out = outputOf(done);
    expect(out.range).toBe('HEAD~1..HEAD');
    expect(out.framework).toEqual({ name: 'node', detected_from: 'package.json scripts.test "node --test"', command: ['node', '--test'] });
    expect(out.symbols).toEqual([{ file: 'src/math.js', name: 'clamp', kind: 'function' }]);
    expect(out.declined).toEqual([
      { file: 'README.md', reason: 'is not TypeScript or JavaScript (.ts, .tsx, .mts, .cts, .js, .jsx, .mjs, .cjs); test-writer-bot reads only those' },
    ]);
    expect(out.kept).toEqual([{ file: 'test/clamp.test.js', tests: 2, failed: 1, reason: 'collected 2 tests, 1 fail' }]);
    expect(out.dropped).toEqual([
      { file: 'test/clamp-min.test.js', reason: 'all 1 tests pass on the current code, so it pins down nothing new' },
      { file: 'test/clamp-cases.test.js', reason: 'not collected: the node runner found no tests in it' },
    ]);
    expect(out.turns).toBe(1);

    // land: branch: the commit is on fleet/test-writer-bot/<task>, the user's branch did not move.
    const branch = `fleet/test-writer-bot/${done.id}`;
    expect(out.commit).toEqual({ sha: git(f.repo, 'rev-parse', branch), branch });
    expect(git(f.repo, 'rev-parse', 'main')).toBe(mainBefore);
    expect(git(f.repo, 'show', '--name-status', '--format=%s', branch).split('\n')).toEqual(['Add failing test scaffolds for clamp', '', 'A\ttest/clamp.test.js']);
    expect(git(f.repo, 'show', `${branch}:test/clamp.test.js`)).toBe(FAILING.trimEnd());

    // The task's worktree is gone; the agent paid for its one call (gpt-4.1-mini: $0.40 in, $1.60 out per million).
    expect(git(f.repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(f.status()).toMatchObject({ calls: 1, spent_usd: 0.00076, reserved_usd: 0 });

    // On the branch, node --test collects the scaffold's two tests and one fails.
    const checkout = join(f.dir.root, 'review');
    git(f.repo, 'worktree', 'add', '-q', checkout, branch);
    const run = spawnSync(process.execPath, ['--test', 'test/clamp.test.js'], { cwd: checkout, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^# tests 2$/m);
    expect(run.stdout).toMatch(/^# fail 1$/m);
    expect(execFileSync('git', ['-C', checkout, 'status', '--porcelain'], { encoding: 'utf8' })).toBe('');

    // One model call, with the bot's system prompt first.
    const requests = f.server.requests();
    expect(requests.map((r) => r.reply)).toEqual(['scaffolds']);
    const messages = (requests[0]!.body as { messages: { role: string; content: string }[] }).messages;
    expect(messages[0]!.role).toBe('system');
    expect(messages[0]!.content.startsWith('You are test-writer-bot')).toBe(true);
  });

  it('declines files in other languages and ends without a model call when no exported function or class changed', async () => {
    const f = await startBotFleet(
      'test-writer-bot',
      (repo) => {
        makeRepo(repo);
        commitFiles(repo, 'Add a script', { 'tools/build.py': 'print("hi")\n', 'src/math.js': 'export function add(a, b) {\n  return a + b;\n}\n\nexport function clamp(value, min, max) {\n  return Math.min(Math.max(value, min), max);\n}\n// the end\n' });
      },
      { replies: [] },
    );
    const done = await f.run({ range: 'HEAD~1..HEAD' });
    expect(done.state, JSON.stringify(done)).toBe('done');
    const out = outputOf(done);
    expect(out.declined).toEqual([
      { file: 'tools/build.py', reason: 'is not TypeScript or JavaScript (.ts, .tsx, .mts, .cts, .js, .jsx, .mjs, .cjs); test-writer-bot reads only those' },
      { file: 'src/math.js', reason: 'no exported function or class was added or changed in it' },
    ]);
    expect(out.kept).toEqual([]);
    expect(out.commit).toBeNull();
    expect(f.server.requests()).toEqual([]);
  });
  it('declines a file the range changed that a later commit deleted, instead of failing on it', async () => {
    const f = await startBotFleet(
      'test-writer-bot',
      (repo) => {
        makeRepo(repo);
        commitFiles(repo, 'Add wrap', { 'src/wrap.js': 'export function wrap(value, size) {\n  return ((value % size) + size) % size;\n}\n' });
        git(repo, 'rm', '-q', 'src/wrap.js');
        git(repo, 'commit', '-q', '-m', 'Remove wrap');
      },
      { replies: [] },
    );
    const done = await f.run({ range: 'HEAD~2..HEAD~1' });
    expect(done.state, JSON.stringify(done)).toBe('done');
    const out = outputOf(done);
    expect(out.declined).toEqual([
      { file: 'src/wrap.js', reason: "is not in the task's worktree: a later commit deleted or renamed it; the bot reads files as they are at HEAD" },
    ]);
    expect(out.symbols).toEqual([]);
    expect(out.commit).toBeNull();
    expect(f.server.requests()).toEqual([]);
  });
  it('feeds back a reply that edits an existing file, and writes the scaffolds of the next reply', async () => {
    const edit = 'src/math.js\n<<<<<<< SEARCH\n  return Math.min(Math.max(value, min), max);\n=======\n  if (min > max) throw new RangeError("min > max");\n  return Math.min(Math.max(value, min), max);\n>>>>>>> REPLACE\n';
    const f = await startBotFleet('test-writer-bot', makeRepo, {
      replies: [
        { name: 'edits-source', match: { message: '^You are test-writer-bot' }, content: edit },
        { name: 'scaffolds', match: { last_message: 'src/math.js is an existing file; write new test files only' }, content: block('test/clamp.test.js', FAILING) },
      ],
    });
    const done = await f.run({ range: 'HEAD~1..HEAD', test: ['node', '--test'] });
    expect(done.state, JSON.stringify(done)).toBe('done');
    const out = outputOf(done);
    expect(out.turns).toBe(2);
    expect(out.kept.map((k: { file: string }) => k.file)).toEqual(['test/clamp.test.js']);
    const last = (f.server.requests()[1]!.body as { messages: { role: string; content: string }[] }).messages.at(-1)!;
    expect(last.content).toBe(
      'Your edit blocks were not applied:\n- block at line 2: src/math.js is an existing file; write new test files only (an empty SEARCH part)\nSend the test files again as new files.',
    );
    // The source file is as the user committed it, on the bot's branch too.
    expect(git(f.repo, 'diff', '--name-only', 'main', out.commit.branch)).toBe('test/clamp.test.js');
  });
  it("shows the model one of the project's own tests, and sends a scaffold that does not load back with the runner's output", async () => {
    const existing = "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/math.js';\n\ntest('add sums', () => {\n  assert.equal(add(2, 3), 5);\n});\n";
    const wrongImport = FAILING.replace("'../src/math.js'", "'../src/maths.js'");
    const f = await startBotFleet(
      'test-writer-bot',
      (repo) => {
        makeRepo(repo);
        commitFiles(repo, 'Test add', { 'test/math.test.js': existing });
        commitFiles(repo, 'Add clamp again', { 'src/math.js': 'export function add(a, b) {\n  return a + b;\n}\n\nexport function clamp(value, min, max) {\n  return Math.min(Math.max(value, min), max);\n}\n// clamp\n' });
      },
      {
        replies: [
          { name: 'corrected', match: { last_message: 'These test files did not load' }, content: block('test/clamp.test.js', FAILING) },
          { name: 'wrong-import', match: { message: '^You are test-writer-bot' }, content: block('test/clamp.test.js', wrongImport) },
        ],
      },
    );
    const done = await f.run({ range: 'HEAD~3..HEAD', test: ['node', '--test'] });
    expect(done.state, JSON.stringify(done)).toBe('done');
    const out = outputOf(done);
    expect(out.turns).toBe(2);
    expect(out.kept).toEqual([{ file: 'test/clamp.test.js', tests: 2, failed: 1, reason: 'collected 2 tests, 1 fail' }]);
    expect(out.dropped).toEqual([]);
    const requests = f.server.requests().map((r) => (r.body as { messages: { role: string; content: string }[] }).messages);
    expect(requests).toHaveLength(2);
    expect(requests[0]![1]!.content).toContain(`One of the project's own test files, test/math.test.js, to follow for imports, helpers and style (do not repeat its tests):\n\`\`\`\n${existing}\n\`\`\``);
    const feedback = requests[1]!.at(-1)!.content;
    expect(feedback).toMatch(/^These test files did not load, so no test in them ran; they were deleted:\n\ntest\/clamp\.test\.js: not collected: it fails to load/);
    expect(feedback).toContain('maths.js'); // the runner's own words name the missing module
    expect(feedback).toMatch(/Send corrected versions of these files only, as new files \(an empty SEARCH part\)\.$/);
    expect(git(f.repo, 'show', `${out.commit.branch}:test/clamp.test.js`)).toBe(FAILING.trimEnd());
  });
  it('feeds back blocks that create files other than tests (a config, .npmrc) and writes none of that reply', async () => {
    const config = "export default { test: { passWithNoTests: true } };\n";
    const first = `${block('vitest.config.ts', config)}\n${block('.npmrc', 'registry=http://localhost:1/\n')}\n${block('test/clamp.test.js', FAILING)}`;
    const f = await startBotFleet('test-writer-bot', makeRepo, {
      replies: [
        { name: 'writes-config', match: { message: '^You are test-writer-bot' }, content: first },
        { name: 'scaffolds', match: { last_message: 'vitest.config.ts is not a test file' }, content: block('test/clamp.test.js', FAILING) },
      ],
    });
    const done = await f.run({});
    expect(done.state, JSON.stringify(done)).toBe('done');
    const out = outputOf(done);
    expect(out.turns).toBe(2);
    const last = (f.server.requests()[1]!.body as { messages: { role: string; content: string }[] }).messages.at(-1)!;
    expect(last.content).toContain('- block at line 2: vitest.config.ts is not a test file; write only test files');
    expect(last.content).toContain('- block at line 8: .npmrc is not a test file');
    expect(git(f.repo, 'diff', '--name-only', 'main', out.commit.branch)).toBe('test/clamp.test.js');
  });
  it('detects vitest in a TypeScript project, runs each scaffold with npm test -- <file>, and keeps the failing one', async () => {
    const failing = "import { describe, it, expect } from 'vitest';\nimport { Stack } from '../src/stack';\n\ndescribe('Stack', () => {\n  it('refuses to pop when empty', () => {\n    expect(() => new Stack<number>().pop()).toThrow('empty');\n  });\n  it('pops what was pushed last', () => {\n    const s = new Stack<number>();\n    s.push(1);\n    s.push(2);\n    expect(s.pop()).toBe(2);\n  });\n});\n";
    const passing = "import { it, expect } from 'vitest';\nimport { Stack } from '../src/stack';\n\nit('starts empty', () => {\n  expect(new Stack<number>().size).toBe(0);\n});\n";
    const f = await startBotFleet(
      'test-writer-bot',
      (repo) => {
        commitFiles(repo, 'start', {
          'package.json': '{"name":"stack","version":"1.0.0","private":true,"type":"module","scripts":{"test":"vitest run"},"devDependencies":{"vitest":"*"}}\n',
          '.gitignore': 'node_modules\n',
        });
        // "Installed" dependencies: this package's own node_modules, which has vitest.
        symlinkSync(join(repoRoot, 'node_modules'), join(repo, 'node_modules'));
        commitFiles(repo, 'Add Stack', {
          'src/stack.ts': 'export class Stack<T> {\n  private items: T[] = [];\n  get size(): number {\n    return this.items.length;\n  }\n  push(item: T): void {\n    this.items.push(item);\n  }\n  pop(): T | undefined {\n    return this.items.pop();\n  }\n}\n',
        });
      },
      { replies: [{ match: { message: '^You are test-writer-bot', last_message: 'class Stack' }, content: `${block('test/stack.test.ts', failing)}\n${block('test/stack-size.test.ts', passing)}` }] },
    );
    const done = await f.run({});
    expect(done.state, JSON.stringify(done)).toBe('done');
    const out = outputOf(done);
    expect(out.framework).toEqual({ name: 'vitest', detected_from: 'package.json scripts.test "vitest run"', command: ['npm', 'test', '--'] });
    expect(out.symbols).toEqual([{ file: 'src/stack.ts', name: 'Stack', kind: 'class' }]);
    expect(out.kept).toEqual([{ file: 'test/stack.test.ts', tests: 2, failed: 1, reason: 'collected 2 tests, 1 fail' }]);
    expect(out.dropped).toEqual([{ file: 'test/stack-size.test.ts', reason: 'all 1 tests pass on the current code, so it pins down nothing new' }]);
    expect(git(f.repo, 'show', '--name-only', '--format=', out.commit.branch)).toBe('test/stack.test.ts');
  }, 180_000);
});
