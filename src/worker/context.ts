/**
 * The `ctx` objects a plugin gets: every method is a worker-to-supervisor request or notification on the
 * connection. Classes with prototype methods, so a task costs one small object rather than a dozen
 * closures (this is on the hot path of every `task/run`).
 *
 * @example
 * ```ts
 * const ctx = new WorkerContextImpl(conn, initializeParams);
 * const taskCtx = new TaskContextImpl(conn, initializeParams, task, requestCtx, state);
 * ```
 */
import type { InitializeParams } from '../protocol/lifecycle.js';
import { negotiatedMinor } from '../protocol/version.js';
import type { ModelCompleteParams, ModelDeltaParams } from '../protocol/services.js';
import { CommitRequest, ExecRun, Log, ModelComplete } from '../protocol/services.js';
import { TaskProgress, type Task } from '../protocol/task.js';
import type { Connection, RequestContext } from '../rpc/connection.js';
import { DeltaStream } from './completion.js';
import type { CompletionRequest, CompletionStream, ExecOptions, LogLevel, TaskContext, WorkerContext } from './plugin.js';

type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Copies an object without its `undefined` members (wire params under exactOptionalPropertyTypes). */
function defined<T extends Record<string, unknown>>(obj: T): Compact<T> {
  const out: Record<string, unknown> = {};
  for (const key in obj) if (obj[key] !== undefined) out[key] = obj[key];
  return out as Compact<T>;
}

/** Cancellation of one task: the AbortSignal is only created if someone asks for it. */
export class TaskCancellation {
  #controller: AbortController | undefined;
  #reason: unknown;
  cancelled = false;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.cancelled) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get reason(): unknown {
    return this.#reason;
  }

  abort(reason: unknown): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** Whether a model request uses anything protocol 1.0 does not have. */
function usesProtocol11(params: ModelCompleteParams): boolean {
  if (params.tools !== undefined || params.tool_choice !== undefined || params.response_format !== undefined) return true;
  return params.messages.some((m) => m.role === 'tool' || ('tool_calls' in m && m.tool_calls !== undefined));
}

class ModelClient {
  constructor(
    private readonly minor: number,
    private readonly conn: Connection,
    private readonly taskId: string | undefined,
    private readonly cancellation: TaskCancellation | undefined,
  ) {}

  complete(request: CompletionRequest, options: { readonly signal?: AbortSignal } = {}): CompletionStream {
    const messages = request.messages ?? [{ role: 'user' as const, content: request.prompt ?? '' }];
    const params = defined({
      messages: [...messages],
      max_tokens: request.max_tokens,
      temperature: request.temperature,
      stop: request.stop === undefined ? undefined : [...request.stop],
      stream: request.stream ?? true,
      tools: request.tools === undefined ? undefined : [...request.tools],
      tool_choice: request.tool_choice,
      response_format: request.response_format,
      task_id: this.taskId,
    }) as ModelCompleteParams;
    const stream = new DeltaStream();
    if (this.minor < 1 && usesProtocol11(params)) {
      stream.settle(Promise.reject(new Error(
        'tools, tool_choice, response_format and tool messages need protocol 1.1; this supervisor speaks 1.0',
      )));
      return stream;
    }
    const signal = options.signal ?? this.cancellation?.signal;
    const result = this.conn.request(ModelComplete, params, {
      ...(signal === undefined ? {} : { signal }),
      onStream: (n) => {
        const p = n.params as ModelDeltaParams;
        stream.push({ index: p.index, text: p.text });
      },
    });
    result.catch(() => undefined); // the caller sees the failure through `result` or the iterator
    stream.settle(result);
    return stream;
  }
}

export class WorkerContextImpl implements WorkerContext {
  #model: ModelClient | undefined;

  constructor(
    protected readonly conn: Connection,
    protected readonly init: InitializeParams,
    protected readonly taskId?: string,
    protected readonly cancellation?: TaskCancellation,
  ) {}

  get agent(): WorkerContext['agent'] {
    return this.init.agent;
  }
  get workspace(): string {
    return this.init.workspace;
  }
  get limits(): WorkerContext['limits'] {
    return this.init.limits;
  }
  get protocolVersion(): string {
    return this.init.protocol_version;
  }
  get model(): WorkerContext['model'] {
    return (this.#model ??= new ModelClient(negotiatedMinor(this.init.protocol_version), this.conn, this.taskId, this.cancellation));
  }

  exec(argv: readonly string[], options: ExecOptions = {}): ReturnType<WorkerContext['exec']> {
    const signal = options.signal ?? this.cancellation?.signal;
    return this.conn.request(
      ExecRun,
      defined({ argv: [...argv], cwd: options.cwd, stdin: options.stdin, timeout_s: options.timeout_s, task_id: this.taskId }),
      signal === undefined ? {} : { signal },
    );
  }

  commit(message: string, paths: readonly string[], options: { readonly signal?: AbortSignal } = {}): ReturnType<WorkerContext['commit']> {
    const signal = options.signal ?? this.cancellation?.signal;
    return this.conn.request(CommitRequest, defined({ message, paths: [...paths], task_id: this.taskId }), signal === undefined ? {} : { signal });
  }

  log(message: string, options: { readonly level?: LogLevel; readonly fields?: Readonly<Record<string, unknown>> } = {}): void {
    this.conn
      .notify(
        Log,
        defined({ level: options.level ?? 'info', message, task_id: this.taskId, fields: options.fields === undefined ? undefined : { ...options.fields } }),
      )
      .catch(() => undefined);
  }
}

export class TaskContextImpl extends WorkerContextImpl implements TaskContext {
  summary: string | undefined;
  /** Moved by `task/deadline`. */
  deadlineMs: number | undefined;

  constructor(
    conn: Connection,
    init: InitializeParams,
    readonly task: Task,
    private readonly request: RequestContext,
    private readonly state: TaskCancellation,
  ) {
    super(conn, init, task.id, state);
    this.deadlineMs = task.deadline_ms;
  }

  get signal(): AbortSignal {
    return this.state.signal;
  }

  progress(message: string, fraction?: number): Promise<void> {
    const params = fraction === undefined ? { task_id: this.task.id, message } : { task_id: this.task.id, message, fraction };
    return this.request.stream(TaskProgress, params);
  }

  setSummary(summary: string): void {
    this.summary = summary;
  }
}
