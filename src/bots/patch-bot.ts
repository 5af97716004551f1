/**
 * Built-in plugin `builtin:patch-bot`: repairs code until a failing test command passes, then commits
 * the fix through the supervisor's commit queue.
 *
 * The loop: run the test (`ctx.exec`); if it passes there is nothing to do. Otherwise show the model the
 * failing output, the files it names and the user's hints and plan, and ask for search/replace blocks
 * (edit-blocks.ts). Apply them all or none, run the test again, and feed the new failing output (or why
 * the blocks did not apply) back as the next request's last message, up to the task's `max_turns` model
 * calls. On green, commit the changed files; on exhaustion, fail with the last test output, committing
 * nothing. Input: docs/bots/patch-bot.input.schema.json; output `{attempts, files, commit}`.
 */
import { ErrorCodes } from '../protocol/error-codes.js';
import { RpcError } from '../rpc/errors.js';
import type { ChatMessage, CommitRequestResult, ExecRunResult, TaskContext, WorkerPlugin } from '../worker/plugin.js';
import { clipTail } from './clip.js';
import { gatherFiles, type ContextFile } from './context-files.js';
import { fileReader, parseEditBlocks, planEdits, writePlan } from './edit-blocks.js';
import { protectedEditProblems } from './patch-guard.js';
import { parsePatchInput, type PatchInput } from './patch-input.js';
import { describeRun, firstRequest, notApplied, PATCH_SYSTEM_PROMPT, stillFailing } from './patch-prompt.js';

/** Earlier attempts kept word for word in each request (older ones are summarised by the files' state). */
const KEPT_EXCHANGES = 3;

/** Characters of the last test output in the error of a task that gave up (the task's error is text). */
const LAST_OUTPUT_CHARS = 4_000;

export interface PatchOutput {
  /** Model calls made. */
  readonly attempts: number;
  /** Files the fix changed or created, relative to the repository root. */
  readonly files: readonly string[];
  /** Where the fix was committed; null when the test already passed. */
  readonly commit: CommitRequestResult | null;
}

const passed = (run: ExecRunResult): boolean => run.exit_code === 0 && !run.timed_out;

const command = (argv: readonly string[]): string => `\`${argv.join(' ')}\``;

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** Reads the files a change touched, as they are now, for feedback. */
async function currentFiles(root: string, paths: readonly string[]): Promise<ContextFile[]> {
  return paths.length === 0 ? [] : gatherFiles(root, { hints: paths });
}

class PatchRun {
  readonly #read: (path: string) => Promise<string | undefined>;
  /** Each edited file's content before the first edit (undefined: it did not exist). */
  readonly #originals = new Map<string, string | undefined>();
  readonly #history: ChatMessage[] = [];
  #firstMessage = '';
  #attempts = 0;
  #spentUsd = 0;

  constructor(
    private readonly ctx: TaskContext,
    private readonly input: PatchInput,
    private readonly root: string,
  ) {
    this.#read = fileReader(root);
  }

  async run(): Promise<PatchOutput> {
    const { argv } = this.input;
    await this.ctx.progress(`running ${command(argv)}`, 0);
    let run = await this.ctx.exec(argv);
    if (passed(run)) {
      this.ctx.setSummary(`${command(argv)} already passes; nothing to fix`);
      return { attempts: 0, files: [], commit: null };
    }
    if (run.timed_out) throw hangingTest(argv, run);
    const firstRun = run;
    const context = await gatherFiles(this.root, { hints: this.input.files, output: `${run.stdout}\n${run.stderr}` });
    this.#firstMessage = firstRequest({ argv, run, plan: this.input.plan, files: context });
    const maxTurns = this.ctx.limits.max_turns;
    while (this.#attempts < maxTurns) {
      const reply = await this.#ask(maxTurns, firstRun);
      if (reply === undefined) break; // the supervisor's turn limit
      const parsed = parseEditBlocks(reply);
      const refused = [...parsed.problems, ...protectedEditProblems(parsed.blocks, this.input)];
      const plan = refused.length > 0 ? { ok: false as const, problems: refused } : await planEdits(parsed.blocks, this.#read);
      if (!plan.ok) {
        this.ctx.log(`attempt ${this.#attempts}: the edits did not apply`, { level: 'warn', fields: { problems: plan.problems } });
        const named = [...new Set(parsed.blocks.map((b) => b.path))];
        this.#history.push({ role: 'user', content: notApplied(plan.problems, await currentFiles(this.root, named)) });
        continue;
      }
      for (const path of plan.files.keys()) if (!this.#originals.has(path)) this.#originals.set(path, await this.#read(path));
      await writePlan(this.root, plan.files);
      await this.ctx.progress(`attempt ${this.#attempts}: edited ${[...plan.files.keys()].join(', ')}; running ${command(argv)}`, this.#fraction(maxTurns));
      run = await this.ctx.exec(argv);
      if (passed(run)) return this.#commit();
      this.ctx.log(`attempt ${this.#attempts}: ${command(argv)} still fails`, { fields: { exit_code: run.exit_code } });
      this.#history.push({ role: 'user', content: stillFailing(argv, run, await currentFiles(this.root, [...plan.files.keys()])) });
    }
    throw this.#exhausted(run);
  }

  /** Progress: attempts finished of the most there may be (`done` of the current one counted or not). */
  #fraction(maxTurns: number, current: 'asking' | 'testing' = 'testing'): number {
    return Math.min(0.95, (this.#attempts - (current === 'asking' ? 1 : 0)) / maxTurns);
  }

  /** One model call with the bounded conversation; undefined when the supervisor's turn limit is reached. */
  async #ask(maxTurns: number, firstRun: ExecRunResult): Promise<string | undefined> {
    this.#attempts++;
    await this.ctx.progress(`attempt ${this.#attempts} of ${maxTurns}: asking ${this.ctx.agent.model} for a patch`, this.#fraction(maxTurns, 'asking'));
    const messages = await this.#messages(firstRun);
    try {
      const result = await this.ctx.model.complete({ messages }).result;
      this.#spentUsd += result.cost_usd;
      this.#history.push({ role: 'assistant', content: result.text });
      return result.text;
    } catch (error) {
      if ((error as { code?: unknown }).code === ErrorCodes.TurnLimitExceeded) {
        this.#attempts--;
        return undefined;
      }
      throw error;
    }
  }

  /**
   * The request: the system prompt, the first request, then the last few exchanges. When older ones are
   * left out, the first request is rebuilt with the files as they are now, so every SEARCH text the
   * model can copy is current.
   */
  async #messages(firstRun: ExecRunResult): Promise<ChatMessage[]> {
    const keep = KEPT_EXCHANGES * 2;
    const system: ChatMessage = { role: 'system', content: PATCH_SYSTEM_PROMPT };
    if (this.#history.length <= keep) return [system, { role: 'user', content: this.#firstMessage }, ...this.#history];
    const left = (this.#history.length - keep) / 2;
    const files = await gatherFiles(this.root, {
      hints: [...this.input.files, ...this.#originals.keys()],
      output: `${firstRun.stdout}\n${firstRun.stderr}`,
    });
    const first =
      firstRequest({ argv: this.input.argv, run: firstRun, plan: this.input.plan, files }) +
      `\n\n(${plural(left, 'earlier attempt')} left out here; the files above are as those attempts left them.)`;
    return [system, { role: 'user', content: first }, ...this.#history.slice(-keep)];
  }

  /** The files whose content differs from before the first edit. */
  async #changedFiles(): Promise<string[]> {
    const changed: string[] = [];
    for (const [path, before] of this.#originals) if ((await this.#read(path)) !== before) changed.push(path);
    return changed;
  }

  async #commit(): Promise<PatchOutput> {
    const { argv } = this.input;
    const files = await this.#changedFiles();
    if (files.length === 0) {
      // The edits changed nothing, yet the test passes now: it is flaky or depends on something else.
      this.ctx.setSummary(`${command(argv)} passed after ${plural(this.#attempts, 'attempt')} without a change to commit`);
      return { attempts: this.#attempts, files, commit: null };
    }
    await this.ctx.progress(`${command(argv)} passes; committing ${files.join(', ')}`, 0.97);
    const body = [
      `${command(argv)} passes after ${plural(this.#attempts, 'attempt')} by patch-bot.`,
      ...(this.input.plan === undefined ? [] : ['', `Plan: ${this.input.plan.trim().split('\n')[0]}`]),
    ].join('\n');
    const commit = await this.ctx.commit(`Fix failing test: ${argv.join(' ')}\n\n${body}`, files);
    this.ctx.setSummary(
      `fixed ${command(argv)} in ${plural(this.#attempts, 'attempt')} ($${this.#spentUsd.toFixed(4)}): ` +
        `${files.join(', ')}; committed ${commit.sha.slice(0, 10)}${commit.branch === undefined ? '' : ` on ${commit.branch}`}`,
    );
    return { attempts: this.#attempts, files, commit };
  }

  #exhausted(run: ExecRunResult): RpcError {
    const { argv } = this.input;
    const tried = [...this.#originals.keys()];
    this.ctx.setSummary(`gave up after ${plural(this.#attempts, 'attempt')}: ${command(argv)} still fails`);
    const last = describeRun(argv, { ...run, stdout: clipTail(run.stdout, LAST_OUTPUT_CHARS), stderr: clipTail(run.stderr, LAST_OUTPUT_CHARS / 2) });
    const message =
      `patch-bot gave up after ${plural(this.#attempts, 'attempt')} (the agent's limits.max_turns is ${this.ctx.limits.max_turns}): ` +
      `${command(argv)} still fails and nothing was committed. Submit again with a "plan" or more "files", ` +
      `raise limits.max_turns, or add --keep to inspect the worktree.\n\nLast run: ${last}`;
    return new RpcError(ErrorCodes.TaskFailed, message, {
      attempts: this.#attempts,
      files: tried,
      test: { argv: [...argv], exit_code: run.exit_code, timed_out: run.timed_out, stdout: clipTail(run.stdout, 12_000), stderr: clipTail(run.stderr, 12_000) },
    });
  }
}

/**
 * The error for a test command that timed out on its first run, before any edit: a hanging test (a
 * server left listening, a promise never settled, a watch mode) is not something a patch fixes, and
 * every attempt would wait out the same timeout.
 */
export function hangingTest(argv: readonly string[], run: ExecRunResult): Error {
  const seconds = Math.round(run.duration_ms / 1000);
  const last = describeRun(argv, { ...run, stdout: clipTail(run.stdout, LAST_OUTPUT_CHARS), stderr: clipTail(run.stderr, LAST_OUTPUT_CHARS / 2) });
  return new Error(
    `patch-bot: the test command ${command(argv)} timed out on its first run, before any change (killed after ${seconds} s, ` +
      "the timeout_s of the agent's exec rule for it). A test that hangs is not something a patch can fix, so no model " +
      'was asked and nothing was changed. Make the command finish on its own (no watch mode, close servers and timers), ' +
      `or give a command that runs only the failing test, and submit again.\n\nFirst run: ${last}`,
  );
}

const PACKAGE_RUNNERS = new Set(['npm', 'yarn', 'pnpm']);

/**
 * Why a test command run by npm, yarn or pnpm cannot work in `root`, or undefined: the worktree has no
 * package.json, or it has no script the command names (`npm test`, `npm run <name>`). A model shown
 * that failure could only "fix" it by writing a package.json or a script that passes, so patch-bot
 * stops before asking.
 */
export async function packageScriptProblem(root: string, argv: readonly string[]): Promise<string | undefined> {
  const runner = argv[0]!.split('/').pop()!;
  if (!PACKAGE_RUNNERS.has(runner)) return undefined;
  const text = await fileReader(root)('package.json').catch(() => undefined);
  if (text === undefined) {
    return `the test command ${command(argv)} runs through ${runner}, but the repository has no package.json at its root: commit one with a "test" script, or give a command that runs the tests directly, such as ["node", "--test"]`;
  }
  const [verb, name] = argv.slice(1);
  const script = verb === 'test' || verb === 't' ? 'test' : verb === 'run' || verb === 'run-script' ? name : undefined;
  if (script === undefined) return undefined;
  let scripts: unknown;
  try {
    scripts = (JSON.parse(text) as { scripts?: unknown }).scripts;
  } catch {
    return undefined; // npm reports a broken package.json itself; the model may well fix that
  }
  const has = typeof scripts === 'object' && scripts !== null && typeof (scripts as Record<string, unknown>)[script] === 'string';
  return has ? undefined : `the test command ${command(argv)} runs the script "${script}", but package.json has no "scripts.${script}": add it, or give the command that runs the tests`;
}

const patchBot: WorkerPlugin = {
  name: 'patch-bot',
  async onTask(task, ctx) {
    const input = parsePatchInput(task.input);
    if (task.workdir === undefined) {
      throw new Error(
        'patch-bot needs a git worktree for its task: run the fleet inside a git repository, and give the agent ' +
          'exec rules (or "worktree: true") in its spec',
      );
    }
    const problem = await packageScriptProblem(task.workdir, input.argv);
    if (problem !== undefined) throw new Error(`patch-bot: ${problem}`);
    return new PatchRun(ctx, input, task.workdir).run();
  },
};

export default patchBot;
