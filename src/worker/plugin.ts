/**
 * The plugin API: what a role plugin exports and what it gets from the worker runner. Import it as
 * `codex-fleet/plugin`. This module has no runtime dependencies beyond one identity helper, so type
 * imports cost nothing.
 *
 * A plugin is an ES module whose default export is a {@link WorkerPlugin} (or a function returning one).
 * The runner calls `init(ctx)` once after the handshake, `onTask(task, ctx)` for every task, and
 * `shutdown()` before the process exits. Everything privileged goes through `ctx`: model calls, commands
 * and commits are requests to the supervisor, which checks them against the agent's spec.
 *
 * @example
 * ```ts
 * import { definePlugin } from 'codex-fleet/plugin';
 *
 * export default definePlugin({
 *   name: 'shout-bot',
 *   async onTask(task, ctx) {
 *     const text = await ctx.model.complete({ prompt: `Shout this: ${String(task.input)}` }).text();
 *     await ctx.progress('answered', 1);
 *     return { text };
 *   },
 * });
 * ```
 */
import type {
  AgentInfo,
  ChatMessage,
  CommitRequestResult,
  ExecRunResult,
  ModelCompleteResult,
  RepoDiffResult,
  ResponseFormat,
  Task,
  Tool,
  ToolCall,
  ToolChoice,
  Usage,
  WorkerLimits,
} from '../protocol/index.js';

export type {
  AgentInfo,
  ChatMessage,
  CommitRequestResult,
  ExecRunResult,
  ModelCompleteResult,
  RepoDiffResult,
  ResponseFormat,
  Task,
  Tool,
  ToolCall,
  ToolChoice,
  Usage,
  WorkerLimits,
};

/**
 * A model request. Give `messages`, or `prompt` as a shorthand for one user message. `tools`,
 * `tool_choice` and `response_format` need a supervisor that speaks protocol 1.1.
 *
 * @example
 * ```ts
 * const a: CompletionRequest = { prompt: 'Fix the failing test', max_tokens: 512 };
 * const b: CompletionRequest = { messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hi' }] };
 * const c: CompletionRequest = {
 *   prompt: 'What is the weather in Oslo?',
 *   tools: [{ type: 'function', name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
 * };
 * // After a reply with finish_reason "tool_calls", send the calls back with their results:
 * const d: CompletionRequest = {
 *   messages: [
 *     { role: 'user', content: 'What is the weather in Oslo?' },
 *     { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' }] },
 *     { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":4}' },
 *   ],
 * };
 * const e: CompletionRequest = {
 *   prompt: 'Name a prime',
 *   response_format: { type: 'json_schema', name: 'prime', schema: { type: 'object', properties: { n: { type: 'integer' } } } },
 * };
 * ```
 */
export type CompletionRequest = (
  | { readonly messages: readonly ChatMessage[]; readonly prompt?: never }
  | { readonly prompt: string; readonly messages?: never }
) & {
  /** At most the agent's `max_tokens` (the default). */
  readonly max_tokens?: number;
  readonly temperature?: number;
  readonly stop?: readonly string[];
  /** Default true: deltas arrive as the model writes. False: no deltas, the whole reply at once. */
  readonly stream?: boolean;
  /** Functions the model may call; its reply then may carry `tool_calls` (finish_reason "tool_calls"). */
  readonly tools?: readonly Tool[];
  /** Whether and which tool the model must call. Default "auto". */
  readonly tool_choice?: ToolChoice;
  /** Structured output: the reply's text is JSON matching this schema. */
  readonly response_format?: ResponseFormat;
};

/**
 * One piece of a streamed reply.
 *
 * @example
 * ```ts
 * for await (const delta of ctx.model.complete({ prompt: 'Hi' })) process.stderr.write(delta.text);
 * ```
 */
export interface CompletionDelta {
  /** 0, 1, 2, … */
  readonly index: number;
  readonly text: string;
}

/**
 * A model reply in progress: iterate it for deltas as they arrive; `result` resolves with the whole text,
 * the usage and the cost once the reply is complete. The request is sent when `complete()` is called,
 * whether or not the stream is iterated.
 *
 * @example
 * ```ts
 * const reply = ctx.model.complete({ prompt: 'Write a haiku' });
 * for await (const d of reply) ctx.log(d.text, { level: 'debug' });
 * const { text, usage, cost_usd } = await reply.result;
 * ```
 */
export interface CompletionStream extends AsyncIterable<CompletionDelta> {
  /**
   * The final response: full text, `finish_reason`, `tool_calls` (when the model asked for tools), `usage
   * { input_tokens, output_tokens, cached_input_tokens?, reasoning_tokens? }`, `cost_usd`.
   */
  readonly result: Promise<ModelCompleteResult>;
  /** Shorthand for `(await result).text`. */
  text(): Promise<string>;
}

/**
 * Options of {@link WorkerContext.exec}.
 *
 * @example
 * ```ts
 * const opts: ExecOptions = { cwd: 'packages/core', timeout_s: 120 };
 * ```
 */
export interface ExecOptions {
  /** Working directory inside the workspace. Default: the task's workdir. */
  readonly cwd?: string;
  /** Text for the command's stdin. */
  readonly stdin?: string;
  /** At most the exec rule's timeout. */
  readonly timeout_s?: number;
  /** Aborting cancels the command. Default: the task's signal. */
  readonly signal?: AbortSignal;
}

/**
 * Log levels of {@link WorkerContext.log}.
 *
 * @example
 * ```ts
 * const level: LogLevel = 'warn';
 * ```
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * What a plugin can do. Given to `init`; `onTask` gets a {@link TaskContext}, which adds the task's signal
 * and progress reports and charges every request to the task.
 *
 * @example
 * ```ts
 * async init(ctx: WorkerContext) {
 *   ctx.log(`starting as ${ctx.agent.name} in ${ctx.workspace}`);
 * }
 * ```
 */
export interface WorkerContext {
  /** The agent spec (name, role, model, max_tokens, cost_budget, exec rules, …). */
  readonly agent: AgentInfo;
  /** Absolute path of the worker's slot directory: the only place it may write. */
  readonly workspace: string;
  /** Limits the supervisor enforces. */
  readonly limits: WorkerLimits;
  /** The protocol version agreed in the handshake. */
  readonly protocolVersion: string;
  /** The agent's model, reached through the supervisor (metered against `cost_budget`). */
  readonly model: {
    /**
     * Streams a completion. A call the agent cannot afford right now waits (the agent is paused) until
     * it is resumed with more budget. Fails with an `RpcError` whose `code` is `BudgetExceeded` (-32020,
     * a call that can never fit the budget), `ModelError` (-32021) or `TurnLimitExceeded` (-32022) when
     * the supervisor refuses or the provider fails.
     *
     * @example
     * ```ts
     * const text = await ctx.model.complete({ prompt: 'Summarise: ' + diff }).text();
     * ```
     */
    complete(request: CompletionRequest, options?: { readonly signal?: AbortSignal }): CompletionStream;
  };
  /**
   * Runs an allow-listed command (the agent's `exec` rules) in the command sandbox. A non-zero exit is
   * a result; a command not on the list fails with `ExecNotAllowed` (-32030).
   *
   * @example
   * ```ts
   * const r = await ctx.exec(['npm', 'test']);
   * if (r.exit_code !== 0) ctx.log(r.stderr, { level: 'warn' });
   * ```
   */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecRunResult>;
  /**
   * Asks the supervisor's commit queue to commit files (relative to the task's workdir).
   *
   * @example
   * ```ts
   * const { sha } = await ctx.commit('Fix off-by-one in parser', ['src/parser.ts']);
   * ```
   */
  commit(message: string, paths: readonly string[], options?: { readonly signal?: AbortSignal }): Promise<CommitRequestResult>;
  /** Read-only facts about the task's repository, answered by the supervisor (workers cannot run git). */
  readonly repo: {
    /**
     * The changed files and unified diff of a commit range in the task's worktree (`HEAD` is the task's
     * branch). Fails with an `RpcError` whose `code` is `RepoError` (-32060) when the range does not resolve.
     *
     * @example
     * ```ts
     * const { files, diff } = await ctx.repo.diff('HEAD~1..HEAD');
     * ctx.log(`${files.length} files changed, ${diff.length} bytes of diff`);
     * ```
     */
    diff(range: string, options?: { readonly signal?: AbortSignal }): Promise<RepoDiffResult>;
  };
  /**
   * Sends a structured log line to the supervisor (fire and forget).
   *
   * @example
   * ```ts
   * ctx.log('patch applied', { fields: { files: 2 } });
   * ```
   */
  log(message: string, options?: { readonly level?: LogLevel; readonly fields?: Readonly<Record<string, unknown>> }): void;
}

/**
 * The context of one task.
 *
 * @example
 * ```ts
 * async onTask(task: Task, ctx: TaskContext) {
 *   await ctx.progress('reading files', 0.1);
 *   if (ctx.signal.aborted) throw ctx.signal.reason;
 *   ctx.setSummary('nothing to do');
 *   return null;
 * }
 * ```
 */
export interface TaskContext extends WorkerContext {
  readonly task: Task;
  /**
   * The task's deadline (Unix ms) as it stands now: it starts as `task.deadline_ms` and moves later when
   * the supervisor extends it (time spent waiting for budget does not count).
   */
  readonly deadlineMs: number | undefined;
  /** Aborted when the supervisor cancels the task or shuts the worker down. Pass it on; stop soon after. */
  readonly signal: AbortSignal;
  /** Reports progress (tied to this task's `task/run` request). `fraction` is 0..1. */
  progress(message: string, fraction?: number): Promise<void>;
  /** Sets the one- or two-line summary people see with the result. */
  setSummary(summary: string): void;
}

/**
 * A role plugin. Only `onTask` is required.
 *
 * @example
 * ```ts
 * const plugin: WorkerPlugin = {
 *   name: 'echo',
 *   onTask: (task) => task.input,
 * };
 * ```
 */
export interface WorkerPlugin {
  /** Reported in the handshake. Default: the module's file name. */
  readonly name?: string;
  readonly version?: string;
  /** Tasks this plugin can run at once (default 1); more are answered `Busy`. */
  readonly concurrency?: number;
  /** Called once after the handshake, before any task. Throwing fails the handshake (`PluginFailed`). */
  init?(ctx: WorkerContext): void | Promise<void>;
  /**
   * Runs one task and returns its output: any JSON value (`undefined` becomes `null`). Throwing fails the
   * task (`TaskFailed`, or the error's own code when it is an `RpcError` in codex fleet's range).
   */
  onTask(task: Task, ctx: TaskContext): unknown;
  /** Called once before the process exits (after `shutdown`, or when the supervisor goes away). */
  shutdown?(): void | Promise<void>;
}

/**
 * Declares a plugin with full type checking; returns it unchanged.
 *
 * @example
 * ```ts
 * export default definePlugin({
 *   name: 'echo-bot',
 *   onTask: (task) => task.input,
 * });
 * ```
 */
export function definePlugin<T extends WorkerPlugin>(plugin: T): T {
  return plugin;
}
