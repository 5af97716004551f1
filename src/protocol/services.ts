/**
 * Worker-to-supervisor services: `model/complete` (streamed through `model/delta`), `exec/run`,
 * `commit/request`, and the `log` notification. A worker reaches a model, commands and git only through
 * these.
 *
 * @example
 * ```ts
 * import type { ModelCompleteParams } from './services.js';
 * const p: ModelCompleteParams = { messages: [{ role: 'user', content: 'Say hi' }], stream: true };
 * ```
 */
import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes } from './error-codes.js';
import { RequestIdSchema } from './jsonrpc.js';
import { defineNotification, defineRequest } from './method.js';

const TaskId = Type.Optional(
  Type.String({ minLength: 1, description: 'The task this request serves; the supervisor charges it to that task.' }),
);

/** A call of one of the caller's tools, as the model asked for it (protocol 1.1). */
export const ToolCallSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, description: 'The call\'s id; a `role: "tool"` message answers it by this id.' }),
    name: Type.String({ minLength: 1, description: 'The tool\'s name.' }),
    arguments: Type.String({ description: 'The arguments, a JSON text as the model wrote it (check it before use).' }),
  },
  { additionalProperties: false, title: 'Tool call' },
);
export type ToolCall = Static<typeof ToolCallSchema>;

const SystemOrUserMessage = Type.Object(
  {
    role: Type.Union([Type.Literal('system'), Type.Literal('user')]),
    content: Type.String(),
  },
  { additionalProperties: false },
);

const AssistantMessage = Type.Object(
  {
    role: Type.Literal('assistant'),
    content: Type.String({ description: 'What the model said; may be empty when it only called tools.' }),
    tool_calls: Type.Optional(
      Type.Array(ToolCallSchema, { minItems: 1, description: 'Protocol 1.1: the tool calls of an earlier reply, sent back as history.' }),
    ),
  },
  { additionalProperties: false },
);

const ToolResultMessage = Type.Object(
  {
    role: Type.Literal('tool', { description: 'Protocol 1.1: the result of one tool call.' }),
    tool_call_id: Type.String({ minLength: 1, description: 'The `id` of the tool call this answers.' }),
    content: Type.String(),
  },
  { additionalProperties: false },
);

export const ChatMessageSchema = Type.Union([SystemOrUserMessage, AssistantMessage, ToolResultMessage], {
  title: 'Chat message',
  description: 'A system, user or assistant message; in 1.1 also an assistant message with `tool_calls` and a `role: "tool"` result.',
});
export type ChatMessage = Static<typeof ChatMessageSchema>;

/** A function the model may call (protocol 1.1). */
export const ToolSchema = Type.Object(
  {
    type: Type.Literal('function'),
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    description: Type.Optional(Type.String()),
    parameters: Type.Record(Type.String(), Type.Unknown(), { description: 'A JSON Schema (an object) for the arguments.' }),
    strict: Type.Optional(Type.Boolean({ description: 'Ask the provider to hold the arguments to the schema exactly.' })),
  },
  { additionalProperties: false, title: 'Tool' },
);
export type Tool = Static<typeof ToolSchema>;

export const ToolChoiceSchema = Type.Union(
  [
    Type.Literal('auto'),
    Type.Literal('none'),
    Type.Literal('required'),
    Type.Object({ type: Type.Literal('function'), name: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  ],
  { title: 'Tool choice', description: 'Protocol 1.1. Default "auto" when `tools` are given.' },
);
export type ToolChoice = Static<typeof ToolChoiceSchema>;

export const ResponseFormatSchema = Type.Union(
  [
    Type.Object({ type: Type.Literal('text') }, { additionalProperties: false }),
    Type.Object(
      {
        type: Type.Literal('json_schema'),
        name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
        schema: Type.Record(Type.String(), Type.Unknown(), { description: 'The JSON Schema the reply\'s text must match.' }),
        strict: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
  ],
  { title: 'Response format', description: 'Protocol 1.1: plain text (default) or structured output matching a JSON Schema.' },
);
export type ResponseFormat = Static<typeof ResponseFormatSchema>;

export const ModelCompleteParamsSchema = Type.Object(
  {
    messages: Type.Array(ChatMessageSchema, { minItems: 1 }),
    max_tokens: Type.Optional(
      Type.Integer({ minimum: 1, description: 'At most the agent\'s `max_tokens`, which is also the default.' }),
    ),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    stop: Type.Optional(Type.Array(Type.String(), { maxItems: 4 })),
    stream: Type.Optional(Type.Boolean({ description: 'Send `model/delta` notifications. Default true.' })),
    tools: Type.Optional(Type.Array(ToolSchema, { maxItems: 128, description: 'Protocol 1.1: functions the model may call.' })),
    tool_choice: Type.Optional(ToolChoiceSchema),
    response_format: Type.Optional(ResponseFormatSchema),
    task_id: TaskId,
  },
  { additionalProperties: false, title: 'model/complete params' },
);
export type ModelCompleteParams = Static<typeof ModelCompleteParamsSchema>;

export const UsageSchema = Type.Object(
  {
    input_tokens: Type.Integer({ minimum: 0 }),
    output_tokens: Type.Integer({ minimum: 0 }),
    cached_input_tokens: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Protocol 1.1: of `input_tokens`, those read from the provider\'s prompt cache.' }),
    ),
    reasoning_tokens: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Protocol 1.1: of `output_tokens`, those spent on hidden reasoning.' }),
    ),
  },
  { additionalProperties: false, title: 'Usage' },
);
export type Usage = Static<typeof UsageSchema>;

export const ModelCompleteResultSchema = Type.Object(
  {
    text: Type.String({ description: 'The whole reply: the concatenation of every delta\'s `text`.' }),
    finish_reason: Type.Union(
      [Type.Literal('stop'), Type.Literal('length'), Type.Literal('content_filter'), Type.Literal('tool_calls')],
      { description: '"tool_calls" (protocol 1.1) when the reply asks for tool calls.' },
    ),
    tool_calls: Type.Optional(Type.Array(ToolCallSchema, { description: 'Protocol 1.1: the tools the model wants called.' })),
    model: Type.String({ description: 'The model that answered.' }),
    usage: UsageSchema,
    cost_usd: Type.Number({ minimum: 0, description: 'What the call cost, in US dollars, as charged to the budget.' }),
  },
  { additionalProperties: false, title: 'model/complete result' },
);
export type ModelCompleteResult = Static<typeof ModelCompleteResultSchema>;

export const ModelDeltaParamsSchema = Type.Object(
  {
    request_id: RequestIdSchema,
    index: Type.Integer({ minimum: 0, description: '0, 1, 2, … in order.' }),
    text: Type.String(),
  },
  { additionalProperties: false, title: 'model/delta params' },
);
export type ModelDeltaParams = Static<typeof ModelDeltaParamsSchema>;

/** One piece of a streamed model reply. */
export const ModelDelta = defineNotification({
  method: 'model/delta',
  direction: 'supervisor-to-worker',
  description: 'A piece of the reply to the `model/complete` request `request_id`, in order, before its response.',
  params: ModelDeltaParamsSchema,
  stream: true,
});

/** Asks the supervisor's model gateway for a completion. */
export const ModelComplete = defineRequest({
  method: 'model/complete',
  direction: 'worker-to-supervisor',
  description:
    'A chat completion with the agent\'s model, metered against its budget. With `stream` (the default) the ' +
    'supervisor sends `model/delta` notifications first; the response carries the whole text, usage and cost. ' +
    'A call the agent cannot afford now waits (the agent is paused) until it is resumed with more budget.',
  params: ModelCompleteParamsSchema,
  result: ModelCompleteResultSchema,
  streams: [ModelDelta],
  errors: [ErrorCodes.BudgetExceeded, ErrorCodes.ModelError, ErrorCodes.TurnLimitExceeded, ErrorCodes.RequestCancelled],
});

export const ExecRunParamsSchema = Type.Object(
  {
    argv: Type.Array(Type.String(), { minItems: 1, description: 'Program and arguments; must match an exec rule.' }),
    cwd: Type.Optional(Type.String({ description: 'Working directory, inside the workspace. Default: the task\'s workdir.' })),
    stdin: Type.Optional(Type.String({ description: 'Text written to the command\'s stdin.' })),
    timeout_s: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'At most the rule\'s `timeout_s`.' })),
    task_id: TaskId,
  },
  { additionalProperties: false, title: 'exec/run params' },
);
export type ExecRunParams = Static<typeof ExecRunParamsSchema>;

export const ExecRunResultSchema = Type.Object(
  {
    exit_code: Type.Union([Type.Integer(), Type.Null()], { description: 'null when killed by a signal.' }),
    signal: Type.Union([Type.String(), Type.Null()]),
    stdout: Type.String(),
    stderr: Type.String(),
    stdout_truncated: Type.Boolean(),
    stderr_truncated: Type.Boolean(),
    timed_out: Type.Boolean(),
    duration_ms: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false, title: 'exec/run result' },
);
export type ExecRunResult = Static<typeof ExecRunResultSchema>;

/** Runs an allow-listed command in the agent's command sandbox. */
export const ExecRun = defineRequest({
  method: 'exec/run',
  direction: 'worker-to-supervisor',
  description:
    'Runs a command from the agent\'s exec allow-list in the command sandbox (no network) and returns its exit ' +
    'status and bounded output. A non-zero exit is a result, not an error.',
  params: ExecRunParamsSchema,
  result: ExecRunResultSchema,
  errors: [ErrorCodes.ExecNotAllowed, ErrorCodes.ExecFailed, ErrorCodes.RequestCancelled],
});

export const CommitRequestParamsSchema = Type.Object(
  {
    message: Type.String({ minLength: 1 }),
    paths: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Files to commit, relative to the task\'s workdir.',
    }),
    task_id: TaskId,
  },
  { additionalProperties: false, title: 'commit/request params' },
);
export type CommitRequestParams = Static<typeof CommitRequestParamsSchema>;

export const CommitRequestResultSchema = Type.Object(
  {
    sha: Type.String({ pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$', description: 'The new commit.' }),
    branch: Type.Optional(Type.String()),
  },
  { additionalProperties: false, title: 'commit/request result' },
);
export type CommitRequestResult = Static<typeof CommitRequestResultSchema>;

/** Asks the supervisor's commit queue to commit files. */
export const CommitRequest = defineRequest({
  method: 'commit/request',
  direction: 'worker-to-supervisor',
  description: 'Commits the given paths of the task\'s worktree through the supervisor\'s commit queue (file locks held).',
  params: CommitRequestParamsSchema,
  result: CommitRequestResultSchema,
  errors: [ErrorCodes.CommitRejected, ErrorCodes.CommitConflict, ErrorCodes.RequestCancelled],
});

export const LogParamsSchema = Type.Object(
  {
    level: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')]),
    message: Type.String(),
    task_id: TaskId,
    fields: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false, title: 'log params' },
);
export type LogParams = Static<typeof LogParamsSchema>;

/** A log line for the supervisor's log and status views. */
export const Log = defineNotification({
  method: 'log',
  direction: 'worker-to-supervisor',
  description: 'A log line. Workers may also write free text to stderr; `log` is the structured channel.',
  params: LogParamsSchema,
});
