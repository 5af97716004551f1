/**
 * Built-in plugin `builtin:doc-bot`: adds JSDoc/TSDoc comments to the exported symbols of changed files
 * that lack them, and proves it changed nothing else.
 *
 * 1. The files: the task's `files`, or the files a commit range changed (`ctx.repo.diff`). TypeScript and
 *    JavaScript files are parsed with the compiler API (loaded only now); other files are declined.
 * 2. The model gets each file with the list of undocumented exported symbols and answers with edit blocks
 *    (src/bots/edit-blocks.ts) that only insert comments.
 * 3. The edit is planned without writing (`planEdits`), then checked: every edited file's syntax tree
 *    without comments must be identical before and after (comment-free-ast.ts), and only the given files
 *    may change. A failed check rejects the whole edit and is fed back to the model, up to the task's
 *    turn limit.
 * 4. An edit that passes is written and committed (`ctx.commit`; the spec's `land: commit` puts it on the
 *    user's branch).
 */
import type { ChatMessage } from '../protocol/index.js';
import type { TaskContext, WorkerPlugin } from '../worker/plugin.js';
import { commentOnlyChange } from './comment-free-ast.js';
import { fenceFor } from './context-files.js';
import { EDIT_FORMAT_INSTRUCTIONS } from './edit-blocks.js';
import { requestEdits } from './edit-request.js';
import { readRange, readStringList, requireWorkdir } from './range-input.js';
import { exportedSymbols, type ExportedSymbol } from './ts-exports.js';
import { isScriptFile, loadTypeScript, parseSource, type TypeScriptApi } from './typescript.js';
import { NOT_IN_WORKTREE, readWorktreeFile } from './worktree-file.js';

const BOT = 'doc-bot';

export interface Target {
  readonly file: string;
  readonly text: string;
  readonly missing: readonly ExportedSymbol[];
}

/** The output of a task. */
export interface DocBotOutput {
  readonly files: readonly string[];
  /** Symbols that had no doc comment and have one now. */
  readonly documented: readonly { readonly file: string; readonly name: string; readonly kind: string }[];
  /** Symbols still without one after the accepted edit. */
  readonly undocumented: readonly { readonly file: string; readonly name: string; readonly kind: string }[];
  readonly declined: readonly { readonly file: string; readonly reason: string }[];
  /** Model replies used; rejected edits, each with its reason. */
  readonly turns: number;
  readonly rejected: readonly string[];
  readonly commit: { readonly sha: string; readonly branch?: string } | null;
}

export const SYSTEM_PROMPT = `You are doc-bot, a careful technical writer who adds doc comments to source code.
For each exported symbol you are given, write a JSDoc/TSDoc comment (/** ... */) directly above its
declaration: one sentence on what it is or does, then @param for each parameter and @returns where a
function returns a value (TypeScript files: no {type} annotations; JavaScript files may give them).
Say what the code does, not how; do not invent behaviour the code does not have.

You may change comments only. Never change, reformat, reorder, add or remove code: an edit whose code
differs in any way from the original is rejected. Comments that act like code are code here: leave every
directive (// @ts-expect-error, // @ts-ignore, eslint-disable..., /// <reference ...>, /*#__PURE__*/,
/*! ... */ notices, the #! line) exactly where it is, add none, and put a new doc comment above a
directive, never between it and the line it applies to.

${EDIT_FORMAT_INSTRUCTIONS}

To add a comment, put the declaration's first line in SEARCH and the comment followed by that same line
in REPLACE.`;

function numbered(text: string): string {
  return text
    .split('\n')
    .map((line, i) => `${String(i + 1).padStart(4)}  ${line}`)
    .join('\n');
}

/** The first user message: the symbols to document, then each file with line numbers. */
export function userPrompt(targets: readonly Target[]): string {
  const parts = ['Add doc comments to these exported symbols:'];
  for (const t of targets) {
    parts.push(`\n${t.file}: ${t.missing.map((s) => `${s.kind} ${s.name} (line ${s.line})`).join(', ')}`);
  }
  parts.push('\nThe files (the line numbers on the left are not part of the file: never copy them into SEARCH or REPLACE):');
  for (const t of targets) {
    // A fence longer than any in the file: doc comments often hold ``` examples.
    const fence = fenceFor(t.text);
    parts.push(`\n${t.file}\n${fence}\n${numbered(t.text)}\n${fence}`);
  }
  return parts.join('\n');
}

/** The files to document: the task's `files`, or those the range changed; others declined with a reason. */
async function chooseFiles(ctx: TaskContext, input: unknown): Promise<{ files: string[]; declined: { file: string; reason: string }[]; given: boolean }> {
  const given = readStringList(BOT, input, 'files', '["src/math.ts"]');
  const paths = given ?? (await ctx.repo.diff(readRange(BOT, input), { signal: ctx.signal })).files.filter((f) => f.status !== 'deleted').map((f) => f.path);
  const files: string[] = [];
  const declined: { file: string; reason: string }[] = [];
  for (const path of paths) {
    if (isScriptFile(path)) files.push(path);
    else declined.push({ file: path, reason: 'is not TypeScript or JavaScript (.ts, .tsx, .mts, .cts, .js, .jsx, .mjs, .cjs); doc-bot documents only those' });
  }
  return { files, declined, given: given !== undefined };
}

/** The files' undocumented exports. A file the range changed but the worktree no longer has is declined. */
async function findTargets(ts: TypeScriptApi, workdir: string, files: readonly string[], given: boolean, declined: { file: string; reason: string }[]): Promise<Target[]> {
  const targets: Target[] = [];
  for (const file of files) {
    const text = await readWorktreeFile(workdir, file);
    if (text === undefined) {
      if (given) throw new Error(`${BOT}: ${file} does not exist in the task's worktree; check the task's "files" input`);
      declined.push({ file, reason: NOT_IN_WORKTREE });
      continue;
    }
    const missing = exportedSymbols(ts, parseSource(ts, file, text)).filter((s) => !s.hasDoc);
    if (missing.length > 0) targets.push({ file, text, missing });
  }
  return targets;
}

async function onTask(task: Parameters<WorkerPlugin['onTask']>[0], ctx: TaskContext): Promise<DocBotOutput> {
  const workdir = requireWorkdir(BOT, task);
  const { files, declined, given } = await chooseFiles(ctx, task.input);
  const none = { files: [], documented: [], undocumented: [], declined, turns: 0, rejected: [], commit: null };
  if (files.length === 0) {
    ctx.setSummary('No TypeScript or JavaScript files to document');
    return none;
  }
  const ts = await loadTypeScript();
  const targets = await findTargets(ts, workdir, files, given, declined);
  if (targets.length === 0) {
    ctx.setSummary(`Every exported symbol of ${files.join(', ')} already has a doc comment`);
    return none;
  }
  const messages: ChatMessage[] = [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: userPrompt(targets) },
  ];
  const allowed = new Set(targets.map((t) => t.file));
  const edit = await requestEdits({
    ctx,
    workdir,
    messages,
    maxTurns: ctx.limits.max_turns,
    refuse: (blocks) =>
      blocks.filter((b) => !allowed.has(b.path)).map((b) => `block at line ${b.line}: ${b.path} is not one of the files to document (${[...allowed].join(', ')})`),
    check: (planned) => {
      const problems: string[] = [];
      for (const [file, after] of planned) {
        const check = commentOnlyChange(ts, file, targets.find((t) => t.file === file)!.text, after);
        if (!check.ok) problems.push(check.reason);
      }
      return problems;
    },
    feedback: (problems) =>
      `Your edit was rejected and nothing was written:\n- ${problems.join('\n- ')}\nSend the edit again, adding doc comments only and leaving every line of code exactly as it is.`,
    beforeAsk: (turn) => ctx.progress(`asking for doc comments (attempt ${turn})`, Math.min(0.9, 0.1 + 0.15 * turn)),
    onRejected: (turn, problems) => ctx.log(`doc-bot: edit rejected (attempt ${turn})`, { level: 'warn', fields: { problems } }),
  });
  const rejected = edit.rejected.map((problems) => problems.join('; '));
  if (!edit.ok) {
    throw new Error(`${BOT}: no acceptable edit in ${ctx.limits.max_turns} model replies (limits.max_turns); the last was rejected because: ${rejected[rejected.length - 1]}`);
  }
  const changed = [...edit.files.keys()];
  const documented: { file: string; name: string; kind: string }[] = [];
  const undocumented: { file: string; name: string; kind: string }[] = [];
  for (const t of targets) {
    const now = edit.files.get(t.file);
    const after = now === undefined ? [] : exportedSymbols(ts, parseSource(ts, t.file, now));
    for (const s of t.missing) {
      const entry = { file: t.file, name: s.name, kind: s.kind };
      (after.find((a) => a.name === s.name)?.hasDoc ? documented : undocumented).push(entry);
    }
  }
  const names = documented.map((d) => d.name).slice(0, 4).join(', ');
  const commit = await ctx.commit(`Document ${names || changed.join(', ')}`, changed, { signal: ctx.signal });
  ctx.setSummary(`Documented ${documented.length} symbol${documented.length === 1 ? '' : 's'} in ${changed.join(', ')}${rejected.length > 0 ? ` after ${rejected.length} rejected edit${rejected.length === 1 ? '' : 's'}` : ''}`);
  return { files: changed, documented, undocumented, declined, turns: edit.turns, rejected, commit };
}

const plugin: WorkerPlugin = { name: BOT, onTask: (task, ctx) => onTask(task, ctx) };
export default plugin;
