/**
 * Built-in plugin `builtin:test-writer-bot`: writes failing test scaffolds for the exported functions and
 * classes a commit range added or changed.
 *
 * 1. The range's diff comes from the supervisor (`ctx.repo.diff`); TypeScript and JavaScript files are
 *    parsed with the compiler API (loaded only now) to find the exported functions and classes whose
 *    declarations the diff touched. Other files are declined, each with a reason in the output.
 * 2. The test framework (node --test, vitest, jest, mocha) is detected from the task's `test` command when
 *    it names a runner, else from package.json.
 * 3. The model is shown the changed symbols, the diff and one of the project's own test files (for its
 *    imports and style: example-test.ts), and asked for new test files as empty-SEARCH edit blocks
 *    (src/bots/edit-blocks.ts); blocks that do not apply are fed back, up to the task's turn limit.
 * 4. Each file is run alone (`ctx.exec`, the agent's exec rules must allow the command). A scaffold is
 *    kept only when the runner collected at least one test from it and at least one test fails: it pins
 *    down behaviour still to be implemented or checked. A file that does not even load (a wrong import,
 *    a syntax error) is deleted and the runner's output goes back to the model for a corrected file,
 *    while turns are left. The others are deleted.
 * 5. The kept files are committed (`ctx.commit`; the spec's `land: branch` keeps failing tests off the
 *    user's branch).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChatMessage } from '../protocol/index.js';
import type { TaskContext, WorkerPlugin } from '../worker/plugin.js';
import { clipMiddle, clipTail } from './clip.js';
import { fenceFor } from './context-files.js';
import { changedLines } from './diff-lines.js';
import { EDIT_FORMAT_INSTRUCTIONS, fileReader, type EditBlock } from './edit-blocks.js';
import { requestEdits } from './edit-request.js';
import { findExampleTest, type ExampleTest } from './example-test.js';
import { readRange, readStringList, requireWorkdir } from './range-input.js';
import { isTestFile } from './test-files.js';
import { detectFramework, type TestFramework } from './test-framework.js';
import { exportedSymbols, touchedBy, type ExportedSymbol } from './ts-exports.js';
import { isScriptFile, loadTypeScript, parseSource } from './typescript.js';
import { NOT_IN_WORKTREE, readWorktreeFile } from './worktree-file.js';

const BOT = 'test-writer-bot';

/** A changed file test-writer-bot will not write tests for, and why. */
export interface Declined {
  readonly file: string;
  readonly reason: string;
}

export interface Target {
  readonly file: string;
  readonly symbols: readonly ExportedSymbol[];
}

/** The output of a task. */
export interface TestWriterOutput {
  readonly range: string;
  readonly framework: { readonly name: string; readonly detected_from: string; readonly command: readonly string[] } | null;
  readonly symbols: readonly { readonly file: string; readonly name: string; readonly kind: string }[];
  readonly kept: readonly { readonly file: string; readonly tests: number; readonly failed: number; readonly reason: string }[];
  readonly dropped: readonly { readonly file: string; readonly reason: string }[];
  readonly declined: readonly Declined[];
  readonly turns: number;
  readonly commit: { readonly sha: string; readonly branch?: string } | null;
}

export const SYSTEM_PROMPT = `You are test-writer-bot, a careful engineer who writes unit tests for code that was just added or changed.
You write NEW test files only. Each test states one behaviour the code should have, with concrete inputs
and the exact expected result, including edge cases (empty input, zero, negative numbers, errors thrown).
Import the code under test by a relative path from the test file. Keep each file small and self-contained.
Tests are kept only when the test runner collects them and at least one of them fails on the current code,
so favour behaviour that is easy to get wrong over restating what the code obviously does.

${EDIT_FORMAT_INSTRUCTIONS}

Every block you write must have an empty SEARCH part (it creates a new file); never edit existing files.
Write test files only (in a test/, tests/ or __tests__/ folder, or named *.test.* or *.spec.*): no
configuration, package or helper files outside those.`;

/**
 * The first user message: the changed symbols' source, the framework, one of the project's test files
 * (when it has any) and the diff (bounded, with a note when cut).
 */
export function userPrompt(range: string, framework: TestFramework, targets: readonly Target[], diff: string, example?: ExampleTest): string {
  const shown = clipMiddle(diff, 12_000, 0.8);
  const fence = fenceFor(shown);
  const parts = [
    `The commit range ${range} added or changed these exported functions and classes:`,
    ...targets.flatMap((t) => t.symbols.map((s) => `\n${t.file} (line ${s.line}), ${s.kind} ${s.name}:\n${fenceFor(s.text)}\n${s.text}\n${fenceFor(s.text)}`)),
    `\nThe project's test framework: ${framework.conventions}`,
    `Each new file is run alone with: ${[...framework.command, '<file>'].join(' ')}`,
  ];
  if (example !== undefined) {
    const text = clipMiddle(example.text, 4_000, 0.7);
    parts.push(
      `\nOne of the project's own test files, ${example.file}, to follow for imports, helpers and style (do not repeat its tests):\n${fenceFor(text)}\n${text}\n${fenceFor(text)}`,
    );
  }
  parts.push(`\nThe diff of ${range}:\n${fence}diff\n${shown}\n${fence}`, '\nWrite the test files now.');
  return parts.join('\n');
}

/** Finds the exported functions and classes the range touched; declines what the bot cannot read. */
async function findTargets(ctx: TaskContext, workdir: string, range: string): Promise<{ targets: Target[]; declined: Declined[]; diff: string }> {
  const { files, diff, truncated } = await ctx.repo.diff(range, { signal: ctx.signal });
  const declined: Declined[] = [];
  const candidates = [];
  for (const f of files) {
    if (f.status === 'deleted') continue;
    if (isTestFile(f.path)) declined.push({ file: f.path, reason: 'is a test file' });
    else if (!isScriptFile(f.path)) {
      declined.push({ file: f.path, reason: 'is not TypeScript or JavaScript (.ts, .tsx, .mts, .cts, .js, .jsx, .mjs, .cjs); test-writer-bot reads only those' });
    } else candidates.push(f);
  }
  if (candidates.length === 0) return { targets: [], declined, diff };
  const ts = await loadTypeScript();
  const lines = changedLines(diff);
  const targets: Target[] = [];
  for (const f of candidates) {
    const text = await readWorktreeFile(workdir, f.path);
    if (text === undefined) {
      declined.push({ file: f.path, reason: NOT_IN_WORKTREE });
      continue;
    }
    const exported = exportedSymbols(ts, parseSource(ts, f.path, text)).filter((s) => s.kind === 'function' || s.kind === 'class');
    // A new file changed throughout; so did, as far as we can tell, one whose hunks the size cap cut off.
    const whole = f.status === 'added' || (truncated && !lines.has(f.path));
    const touched = touchedBy(exported, whole ? 'all' : (lines.get(f.path) ?? new Set()));
    if (touched.length > 0) targets.push({ file: f.path, symbols: touched });
    else declined.push({ file: f.path, reason: 'no exported function or class was added or changed in it' });
  }
  return { targets, declined, diff };
}

/** Why a block cannot be a new test file. */
function scaffoldProblems(blocks: readonly EditBlock[]): string[] {
  const problems: string[] = [];
  for (const block of blocks) {
    if (block.search.trim() !== '') problems.push(`block at line ${block.line}: ${block.path} is an existing file; write new test files only (an empty SEARCH part)`);
    // Each file is passed to the test command as an argument: a name like an option would be read as one.
    else if (block.path.split('/').some((part) => part.startsWith('-'))) problems.push(`block at line ${block.line}: ${block.path}: file and folder names may not start with "-"`);
    // Only test files: a config, .npmrc or helper module would change how the project builds or runs.
    else if (!isTestFile(block.path)) {
      problems.push(
        `block at line ${block.line}: ${block.path} is not a test file; write only test files (in a test/, tests/ or __tests__/ folder, or named *.test.* or *.spec.*), nothing else was written`,
      );
    }
  }
  return problems;
}

/** Asks for scaffolds until their blocks apply (new test files only) or `maxTurns` replies were used. */
async function writeScaffolds(
  ctx: TaskContext,
  workdir: string,
  messages: ChatMessage[],
  maxTurns: number,
): Promise<{ files: string[]; turns: number; problems: readonly string[] }> {
  const edit = await requestEdits({
    ctx,
    workdir,
    messages,
    maxTurns,
    refuse: scaffoldProblems,
    feedback: (problems) => `Your edit blocks were not applied:\n- ${problems.join('\n- ')}\nSend the test files again as new files.`,
    onRejected: (turn, problems) => ctx.log(`${BOT}: the reply's edit blocks do not apply (turn ${turn})`, { level: 'warn', fields: { problems } }),
  });
  return edit.ok ? { files: [...edit.files.keys()], turns: edit.turns, problems: [] } : { files: [], turns: edit.turns, problems: edit.rejected.at(-1) ?? [] };
}

type Verdict = { readonly kept: true; readonly tests: number; readonly failed: number } | { readonly kept: false; readonly reason: string; readonly loadFailure: boolean };

/** Runs one scaffold alone and judges it: kept only when collected and failing. */
async function judge(ctx: TaskContext, framework: TestFramework, file: string): Promise<{ verdict: Verdict; output: string }> {
  const run = await ctx.exec([...framework.command, file], { signal: ctx.signal });
  const output = `${run.stdout}\n${run.stderr}`;
  const { tests, failed, fileOnly } = framework.counts(output, file);
  const no = (reason: string, loadFailure = false): { verdict: Verdict; output: string } => ({ verdict: { kept: false, reason, loadFailure }, output });
  if (run.timed_out) return no('the test run timed out');
  if (tests === undefined) return no(`not collected: the ${framework.name} runner printed no test summary (exit ${run.exit_code ?? run.signal})`, true);
  if (fileOnly && (failed ?? 0) > 0) return no(`not collected: it fails to load, so the ${framework.name} runner found no tests in it (exit ${run.exit_code ?? run.signal})`, true);
  if (tests === 0) return no(`not collected: the ${framework.name} runner found no tests in it`);
  if ((failed ?? 0) === 0) return no(`all ${tests} tests pass on the current code, so it pins down nothing new`);
  return { verdict: { kept: true, tests, failed: failed! }, output };
}

async function onTask(task: Parameters<WorkerPlugin['onTask']>[0], ctx: TaskContext): Promise<TestWriterOutput> {
  const range = readRange(BOT, task.input);
  const command = readStringList(BOT, task.input, 'test', '["npm", "test", "--"]');
  const workdir = requireWorkdir(BOT, task);
  await ctx.progress(`reading the changes of ${range}`, 0.05);
  const { targets, declined, diff } = await findTargets(ctx, workdir, range);
  const symbols = targets.flatMap((t) => t.symbols.map((s) => ({ file: t.file, name: s.name, kind: s.kind })));
  const empty = { range, symbols, kept: [], dropped: [], declined, turns: 0, commit: null };
  if (targets.length === 0) {
    ctx.setSummary(`No new or changed exported functions or classes in ${range}; nothing to test`);
    return { ...empty, framework: null };
  }
  const manifest = await fileReader(workdir)('package.json');
  const detected = detectFramework(manifest, command);
  if (detected === undefined) {
    throw new Error(
      `${BOT}: no test framework found in ${manifest === undefined ? 'the repository (it has no package.json)' : 'package.json'}: ` +
        'make scripts.test run node --test, vitest, jest or mocha, list one in devDependencies, or give a "test" command that names the runner (such as ["node", "--test"] or ["npx", "vitest", "run"])',
    );
  }
  const { framework } = detected;
  const frameworkOut = { name: framework.name, detected_from: detected.detectedFrom, command: framework.command };
  await ctx.progress(`asking for test scaffolds (${symbols.length} symbols, ${framework.name})`, 0.2);
  const example = await findExampleTest(workdir, targets.map((t) => t.file));
  const messages: ChatMessage[] = [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: userPrompt(range, framework, targets, diff, example) },
  ];
  const written = await writeScaffolds(ctx, workdir, messages, ctx.limits.max_turns);
  if (written.files.length === 0) {
    throw new Error(`${BOT}: after ${written.turns} model replies no test file could be written: ${written.problems.join('; ')}`);
  }
  const kept: { file: string; tests: number; failed: number; reason: string }[] = [];
  const dropped: { file: string; reason: string }[] = [];
  let turns = written.turns;
  let pending = written.files;
  while (pending.length > 0) {
    const broken: { file: string; reason: string; output: string }[] = [];
    for (const [i, file] of pending.entries()) {
      await ctx.progress(`running ${file}`, Math.min(0.9, 0.4 + (0.5 * i) / pending.length));
      const { verdict, output } = await judge(ctx, framework, file);
      if (verdict.kept) {
        kept.push({ file, tests: verdict.tests, failed: verdict.failed, reason: `collected ${verdict.tests} tests, ${verdict.failed} fail` });
        continue;
      }
      await rm(join(workdir, file), { force: true });
      if (verdict.loadFailure && turns < ctx.limits.max_turns) broken.push({ file, reason: verdict.reason, output });
      else dropped.push({ file, reason: verdict.reason });
    }
    pending = [];
    if (broken.length === 0) break;
    // Files that do not even load say nothing yet: the runner's words go back for a corrected version.
    ctx.log(`${BOT}: ${broken.length} scaffold(s) did not load; asking for corrected ones`, { level: 'warn', fields: { files: broken.map((b) => b.file) } });
    const report = broken.map((b) => {
      const out = clipTail(b.output.trim(), 3_000);
      return `${b.file}: ${b.reason}. The runner printed:\n${fenceFor(out)}\n${out}\n${fenceFor(out)}`;
    });
    messages.push({
      role: 'user',
      content: `These test files did not load, so no test in them ran; they were deleted:\n\n${report.join('\n\n')}\n\nSend corrected versions of these files only, as new files (an empty SEARCH part).`,
    });
    const again = await writeScaffolds(ctx, workdir, messages, ctx.limits.max_turns - turns);
    turns += again.turns;
    const retried = new Set(again.files);
    for (const b of broken) if (!retried.has(b.file)) dropped.push({ file: b.file, reason: b.reason });
    pending = again.files;
  }
  let commit: TestWriterOutput['commit'] = null;
  if (kept.length > 0) {
    const names = [...new Set(symbols.map((s) => s.name))].slice(0, 4).join(', ');
    commit = await ctx.commit(`Add failing test scaffolds for ${names}`, kept.map((k) => k.file), { signal: ctx.signal });
  }
  ctx.setSummary(
    kept.length > 0
      ? `Kept ${kept.length} failing test scaffold${kept.length === 1 ? '' : 's'} (${kept.map((k) => k.file).join(', ')}); dropped ${dropped.length}`
      : `No scaffold kept: ${dropped.map((d) => `${d.file} ${d.reason}`).join('; ')}`,
  );
  return { range, framework: frameworkOut, symbols, kept, dropped, declined, turns, commit };
}

const plugin: WorkerPlugin = { name: BOT, onTask: (task, ctx) => onTask(task, ctx) };
export default plugin;
