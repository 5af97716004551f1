/**
 * Tasks: `task/run` and its stream, `task/progress`.
 *
 * @example
 * ```ts
 * import type { Task } from './task.js';
 * const task: Task = { id: 't-1', kind: 'echo', input: { hello: 'world' } };
 * ```
 */
import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes } from './error-codes.js';
import { RequestIdSchema } from './jsonrpc.js';
import { defineNotification, defineRequest } from './method.js';

export const TaskSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, description: 'The task id, unique in the fleet.' }),
    kind: Type.String({
      minLength: 1,
      description: 'What to do, e.g. "repair". Kinds starting with "conformance." are the conformance kit\'s.',
    }),
    input: Type.Unknown({ description: 'The task\'s input: any JSON value the agent understands.' }),
    title: Type.Optional(Type.String({ description: 'One line for status views.' })),
    workdir: Type.Optional(
      Type.String({ minLength: 1, description: 'Absolute path of the task\'s git worktree, inside the workspace.' }),
    ),
    deadline_ms: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Unix time in ms after which the supervisor cancels the task.' }),
    ),
  },
  { additionalProperties: false, title: 'Task' },
);
export type Task = Static<typeof TaskSchema>;

export const TaskRunParamsSchema = Type.Object({ task: TaskSchema }, { additionalProperties: false, title: 'task/run params' });
export type TaskRunParams = Static<typeof TaskRunParamsSchema>;

export const TaskResultSchema = Type.Object(
  {
    output: Type.Unknown({ description: 'The task\'s result: any JSON value.' }),
    summary: Type.Optional(Type.String({ description: 'One or two lines for people.' })),
  },
  { additionalProperties: false, title: 'task/run result', required: ['output'] },
);
export type TaskResult = { output: unknown; summary?: string };

export const TaskProgressParamsSchema = Type.Object(
  {
    request_id: RequestIdSchema,
    task_id: Type.String({ minLength: 1 }),
    message: Type.Optional(Type.String()),
    fraction: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Done so far, 0..1.' })),
  },
  { additionalProperties: false, title: 'task/progress params' },
);
export type TaskProgressParams = Static<typeof TaskProgressParamsSchema>;

/** Progress of a running task, tied to its `task/run` request. */
export const TaskProgress = defineNotification({
  method: 'task/progress',
  direction: 'worker-to-supervisor',
  description: 'Progress of a running task; `request_id` is the id of its `task/run` request.',
  params: TaskProgressParamsSchema,
  stream: true,
});

export const TaskDeadlineParamsSchema = Type.Object(
  {
    task_id: Type.String({ minLength: 1 }),
    deadline_ms: Type.Integer({ minimum: 0, description: 'The task\'s new deadline, Unix time in ms.' }),
    reason: Type.Optional(Type.String({ description: 'Why it moved, for logs.' })),
  },
  { additionalProperties: false, title: 'task/deadline params' },
);
export type TaskDeadlineParams = Static<typeof TaskDeadlineParamsSchema>;

/** The task's deadline moved (protocol 1.1): e.g. it waited for budget, and waiting does not count. */
export const TaskDeadline = defineNotification({
  method: 'task/deadline',
  direction: 'supervisor-to-worker',
  description:
    'Protocol 1.1: the running task `task_id` has a new `deadline_ms` (time it spent waiting for budget does not ' +
    'count against its wall time). Sent only to workers that negotiated 1.1.',
  params: TaskDeadlineParamsSchema,
});

/** Runs one task; the response is the task's result. */
export const TaskRun = defineRequest({
  method: 'task/run',
  direction: 'supervisor-to-worker',
  description:
    'Runs one task. The worker may send `task/progress` tied to this request and makes worker-to-supervisor ' +
    'requests while it runs; the response is the task\'s result, or an error (TaskFailed, RequestCancelled, Busy).',
  params: TaskRunParamsSchema,
  result: TaskResultSchema,
  streams: [TaskProgress],
  errors: [ErrorCodes.TaskFailed, ErrorCodes.RequestCancelled, ErrorCodes.Busy, ErrorCodes.NotInitialized, ErrorCodes.ShuttingDown],
});
