/**
 * patch-bot's pieces on their own: its input as the worker reads it, the files it shows the model, the
 * bounds on prompts, and what its module loads inside the sandbox (no TypeBox, ajv or supervisor code).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { clipMiddle, clipTail } from '../../src/bots/clip.js';
import { fenceFor, formatFile, gatherFiles, localImports, MAX_READ_BYTES, pathsInText } from '../../src/bots/context-files.js';
import { packageScriptProblem } from '../../src/bots/patch-bot.js';
import { protectedEditProblems } from '../../src/bots/patch-guard.js';
import { parsePatchInput } from '../../src/bots/patch-input.js';
import { describeRun, firstRequest, PATCH_SYSTEM_PROMPT } from '../../src/bots/patch-prompt.js';
import { builtinPluginPath } from '../../src/spec/builtins.js';
import { ROOT, built, fixture } from '../rpc/child.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'patch-bot-units-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const run = (stdout: string, exit_code: number | null = 1) => ({
  exit_code, signal: null, stdout, stderr: '', stdout_truncated: false, stderr_truncated: false, timed_out: false, duration_ms: 5,
});

describe('patch-bot input', () => {
  it('splits a string command on whitespace, takes a list as it is, and refuses anything else with an example', () => {
    expect(parsePatchInput({ test: '  npm   test -- a.test.js ' })).toEqual({ argv: ['npm', 'test', '--', 'a.test.js'], plan: undefined, files: [] });
    expect(parsePatchInput({ test: ['node', '--test'], plan: 'fix it', files: ['src/a.js'] })).toEqual({ argv: ['node', '--test'], plan: 'fix it', files: ['src/a.js'] });
    expect(() => parsePatchInput({ test: 3 })).toThrow(
      'patch-bot\'s task input "test" must be a command: a string or a list of strings; expected {"test": "npm test"} or ' +
        '{"test": ["node", "--test", "test/add.test.js"], "plan": "…", "files": ["src/add.js"]}',
    );
    expect(() => parsePatchInput(null)).toThrow('patch-bot\'s task input is null, not an object');
    expect(() => parsePatchInput({ test: ' ' })).toThrow('"test" is empty');
    expect(() => parsePatchInput({ test: 'npm test', plan: 1 })).toThrow('"plan" must be a string');
    expect(() => parsePatchInput({ test: 'npm test', files: 'a.js' })).toThrow('"files" must be a list of paths');
    expect(() => parsePatchInput({ test: 'npm test', hint: 'x' })).toThrow('has unknown field "hint"');
  });
});

describe('the files shown to the model', () => {
  it('finds files a stack trace and node --test locations name, inside the worktree only, and the modules they import', async () => {
    const dir = project({
      'test/sum.test.js': "import { sum } from '../src/sum.js';\nimport { helper } from './helper';\n",
      'test/helper.js': 'export const helper = 1;\n',
      'src/sum.js': "const util = require('./util');\n",
      'src/util.ts': 'export {};\n',
      'README.md': '# r\n',
    });
    const output = [
      `    at TestContext.<anonymous> (file://${dir}/test/sum.test.js:5:10)`,
      `  location: '${dir}/test/sum.test.js:4:1'`,
      '    at node:internal/test_runner/test.js:10:3',
      '    at /usr/lib/node_modules/npm/lib/cli.js:1:1',
      'see src/missing.js and ../outside.js and README.md:2',
    ].join('\n');
    expect(await pathsInText(dir, output)).toEqual(['test/sum.test.js', 'README.md']);
    expect(await localImports(dir, 'test/sum.test.js', readFileSync(join(dir, 'test/sum.test.js'), 'utf8'))).toEqual(['src/sum.js', 'test/helper.js']);
    // A `.js` specifier of a TypeScript project resolves to the .ts file.
    expect(await localImports(dir, 'src/sum.js', "import './util.js';")).toEqual(['src/util.ts']);
    const files = await gatherFiles(dir, { hints: ['src/new.js', '../etc/passwd'], output });
    expect(files.map((f) => [f.path, f.note])).toEqual([
      ['src/new.js', 'does not exist yet'],
      ['test/sum.test.js', undefined],
      ['README.md', undefined],
      ['src/sum.js', undefined],
      ['test/helper.js', undefined],
    ]);
  });

  it('cuts big files and stops at the limits, saying so', async () => {
    const dir = project({ 'a.js': 'x'.repeat(30_000), 'b.js': 'b\n', 'c.js': 'c\n' });
    const files = await gatherFiles(dir, { hints: ['a.js', 'b.js', 'c.js'] }, { maxFiles: 2, maxFileChars: 1000, maxTotalChars: 5000 });
    expect(files[0]!.note).toBe('30000 characters, cut in the middle');
    expect(files[0]!.text).toMatch(/^x{500}\n\[… 29000 characters left out …\]\nx{500}$/);
    expect(files[1]).toEqual({ path: 'b.js', text: 'b\n', note: undefined });
    expect(files[2]).toEqual({ path: 'c.js', text: undefined, note: 'not shown (too many files); name it in "files" to see it first' });
    expect(formatFile(files[2]!)).toBe('c.js (not shown (too many files); name it in "files" to see it first)\n');
    expect(formatFile({ path: 'd.md', text: 'has ``` inside', note: undefined })).toBe('d.md\n````\nhas ``` inside\n````\n');
    expect(fenceFor('plain')).toBe('```');
  });

  it('lists binary files and files over the size limit named by the output without reading them whole', async () => {
    const dir = project({ 'src/sum.js': 'export const sum = 1;\n' });
    writeFileSync(join(dir, 'data.bin'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x41]));
    writeFileSync(join(dir, 'huge.log'), 'y'.repeat(MAX_READ_BYTES + 1));
    const output = 'Error reading data.bin\n    at load (src/sum.js:1:1)\nsee huge.log for details';
    const files = await gatherFiles(dir, { output });
    expect(files).toEqual([
      { path: 'data.bin', text: undefined, note: 'not shown: a binary file (it contains NUL bytes)' },
      { path: 'src/sum.js', text: 'export const sum = 1;\n', note: undefined },
      { path: 'huge.log', text: undefined, note: `not shown: ${MAX_READ_BYTES + 1} bytes, over the ${MAX_READ_BYTES}-byte limit for files shown` },
    ]);
    expect(formatFile(files[0]!)).toBe('data.bin (not shown: a binary file (it contains NUL bytes))\n');
  });

  it('bounds the test output in a prompt, keeping mostly its end', () => {
    expect(clipTail('abcdef', 3)).toBe('[… the first 3 characters left out …]\ndef');
    expect(clipMiddle('abcdefghij', 4, 0.5)).toBe('ab\n[… 6 characters left out …]\nij');
    const long = `${'head '.repeat(1000)}${'tail '.repeat(3000)}`;
    const described = describeRun(['npm', 'test'], run(long));
    expect(described.length).toBeLessThan(8_200);
    expect(described).toMatch(/^`npm test` exited with code 1:\n\n```\nhead /);
    expect(described).toMatch(/tail\n```$/);
    expect(describeRun(['npm', 'test'], { ...run('', null), signal: 'SIGKILL', timed_out: true })).toContain('`npm test` timed out and was killed');
    const first = firstRequest({ argv: ['npm', 'test'], run: run('1 !== 2'), plan: 'add, do not subtract', files: [] });
    expect(first).toContain("The user's plan for the fix:\n\nadd, do not subtract");
    expect(first).toContain('The output names no file of the repository');
    expect(PATCH_SYSTEM_PROMPT.startsWith('You are patch-bot')).toBe(true);
  });
});

describe('patch-bot in the sandbox', () => {
  it('is one bundled file that loads only Node\'s fs and path: no TypeBox, ajv or supervisor code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patch-bot-imports-'));
    dirs.push(dir);
    const log = join(dir, 'imports.log');
    const bundle = builtinPluginPath('patch-bot');
    expect(bundle).toBe(built('bots/patch-bot.js'));
    const result = spawnSync(
      process.execPath,
      ['--import', pathToFileURL(fixture('worker/register-hooks.mjs')).href, '--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); if (typeof m.default.onTask !== 'function') process.exit(3);`],
      { env: { ...process.env, IMPORT_LOG: log }, encoding: 'utf8' },
    );
    expect([result.status, result.stderr]).toEqual([0, '']);
    const urls = [...new Set(readFileSync(log, 'utf8').trim().split('\n'))];
    expect(urls.filter((u) => u.startsWith('file:')).map((u) => u.slice(pathToFileURL(ROOT).href.length))).toEqual(['dist/bots/patch-bot.js']);
    expect(urls.filter((u) => u.startsWith('node:')).sort()).toEqual(['node:fs/promises', 'node:path']);
  });
});

describe('patch-bot before the first run', () => {
  it('stops when npm, yarn or pnpm has no package.json or no script to run, so the model cannot write one that passes', async () => {
    const bare = project({ 'src/a.js': 'export {};\n' });
    expect(await packageScriptProblem(bare, ['npm', 'test'])).toBe(
      'the test command `npm test` runs through npm, but the repository has no package.json at its root: commit one with a "test" script, or give a command that runs the tests directly, such as ["node", "--test"]',
    );
    expect(await packageScriptProblem(bare, ['node', '--test'])).toBeUndefined();
    const noScript = project({ 'package.json': '{"scripts":{"lint":"eslint ."}}' });
    expect(await packageScriptProblem(noScript, ['npm', 'test'])).toBe(
      'the test command `npm test` runs the script "test", but package.json has no "scripts.test": add it, or give the command that runs the tests',
    );
    expect(await packageScriptProblem(noScript, ['pnpm', 'run', 'unit'])).toMatch(/no "scripts\.unit"/);
    expect(await packageScriptProblem(noScript, ['npm', 'run', 'lint'])).toBeUndefined();
    expect(await packageScriptProblem(project({ 'package.json': '{"scripts":{"test":"node --test"}}' }), ['npm', 'test', '--', 'a.test.js'])).toBeUndefined();
  });
});

describe('patch-bot protected files', () => {
  const block = (path: string, line = 3) => ({ path, search: 'a', replace: 'b', line });
  const input = { argv: ['node', '--test', 'checks/sum-check.js'], plan: undefined, files: [] as string[] };

  it('refuses edits to test files, files named in the test command and package.json, and lets the code under test through', () => {
    const problems = protectedEditProblems(
      [block('test/sum.test.js', 2), block('src/sum.spec.ts', 8), block('checks/sum-check.js', 14), block('package.json', 20), block('src/sum.js', 26)],
      input,
    );
    const tail = 'patch-bot fixes the code under test and does not change tests or how they are run unless the task\'s "files" or "plan" name the file. Fix the code instead.';
    expect(problems).toEqual([
      `block at line 2: test/sum.test.js is a test file; ${tail}`,
      `block at line 8: src/sum.spec.ts is a test file; ${tail}`,
      `block at line 14: checks/sum-check.js is named in the test command; ${tail}`,
      `block at line 20: package.json is package.json, which holds the scripts that run the tests; ${tail}`,
    ]);
  });

  it('allows them when the task\'s files or plan name them', () => {
    expect(protectedEditProblems([block('test/sum.test.js'), block('package.json')], { ...input, files: ['./test/sum.test.js'], plan: 'Add a "lint" script to package.json.' })).toEqual([]);
    expect(protectedEditProblems([block('test/sum.test.js')], { ...input, plan: 'The expectation in sum.test.js is wrong: 1+2+3 is 6.' })).toEqual([]);
    // A different file that merely contains the name is not named.
    expect(protectedEditProblems([block('test/sum.test.js')], { ...input, plan: 'See test/other-sum.test.js.' })).toHaveLength(1);
  });
});
