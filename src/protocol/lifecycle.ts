/**
 * Lifecycle methods: `initialize`, `ping`, `shutdown`, `exit` and `$/cancelRequest`.
 *
 * @example
 * ```ts
 * import { Initialize, type InitializeParams } from './lifecycle.js';
 * console.log(Initialize.method); // "initialize"
 * ```
 */
import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes } from './error-codes.js';
import { RequestIdSchema } from './jsonrpc.js';
import { defineNotification, defineRequest } from './method.js';

const Name = Type.String({ minLength: 1 });

/**
 * The agent spec as the worker receives it: the spec's fields that concern the worker. Unknown fields
 * are allowed so a newer supervisor can add some.
 */
export const AgentInfoSchema = Type.Object(
  {
    name: Name,
    role: Type.String(),
    model: Type.String(),
    max_tokens: Type.Integer({ minimum: 1 }),
    cost_budget: Type.Number({ minimum: 0 }),
    allowed_syscalls: Type.Array(Type.String()),
    exec: Type.Array(
      Type.Object(
        {
          command: Type.Array(Type.String(), { minItems: 1 }),
          allow_extra_args: Type.Boolean(),
          timeout_s: Type.Number(),
        },
        { additionalProperties: true },
      ),
      { description: 'The commands `exec/run` accepts.' },
    ),
  },
  { additionalProperties: true, title: 'Agent', description: 'The worker\'s agent spec (a subset).' },
);
export type AgentInfo = Static<typeof AgentInfoSchema>;

/** Limits the supervisor enforces, told to the worker so it can plan. */
export const WorkerLimitsSchema = Type.Object(
  {
    max_line_bytes: Type.Integer({ minimum: 1, description: 'Maximum line size in bytes (16 MiB in 1.x).' }),
    max_turns: Type.Integer({ minimum: 1, description: 'Model calls one task may make.' }),
    wall_time_s: Type.Number({ exclusiveMinimum: 0, description: 'Seconds a task may run before it is cancelled.' }),
    memory_mb: Type.Integer({ minimum: 1, description: 'The worker process\'s data memory limit, MiB.' }),
    exec_output_bytes: Type.Integer({
      minimum: 0,
      description: 'Bytes of stdout and of stderr `exec/run` returns; more is cut and flagged truncated.',
    }),
  },
  { additionalProperties: true, title: 'Limits' },
);
export type WorkerLimits = Static<typeof WorkerLimitsSchema>;

export const InitializeParamsSchema = Type.Object(
  {
    protocol_version: Type.String({ pattern: '^\\d+\\.\\d+$', description: 'The supervisor\'s protocol version.' }),
    supervisor: Type.Object({ name: Name, version: Type.String() }, { additionalProperties: true }),
    agent: AgentInfoSchema,
    workspace: Type.String({ minLength: 1, description: 'Absolute path of the worker\'s slot directory, its only writable place.' }),
    plugin: Type.Optional(Type.String({ minLength: 1, description: 'Plugin module path for the Node runner; others ignore it.' })),
    limits: WorkerLimitsSchema,
    capabilities: Type.Object(
      {
        model_streaming: Type.Boolean({ description: 'The supervisor streams `model/delta` notifications.' }),
        exec: Type.Boolean({ description: 'The supervisor serves `exec/run` for this agent.' }),
        commit: Type.Boolean({ description: 'The supervisor serves `commit/request` for this agent.' }),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: false, title: 'initialize params' },
);
export type InitializeParams = Static<typeof InitializeParamsSchema>;

export const InitializeResultSchema = Type.Object(
  {
    protocol_version: Type.String({ pattern: '^\\d+\\.\\d+$', description: 'The worker\'s protocol version.' }),
    worker: Type.Object(
      {
        name: Name,
        version: Type.Optional(Type.String()),
        language: Type.Optional(Type.String({ description: 'e.g. "node", "python".' })),
      },
      { additionalProperties: true },
    ),
    capabilities: Type.Object(
      {
        concurrency: Type.Integer({ minimum: 1, description: 'Tasks the worker runs at once; more are answered Busy.' }),
        cancellation: Type.Boolean({ description: 'The worker honours `$/cancelRequest` for `task/run`.' }),
        conformance: Type.Boolean({ description: 'The worker runs the `conformance.*` tasks.' }),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: false, title: 'initialize result' },
);
export type InitializeResult = Static<typeof InitializeResultSchema>;

/** The handshake; the first request the supervisor sends. */
export const Initialize = defineRequest({
  method: 'initialize',
  direction: 'supervisor-to-worker',
  description:
    'The handshake. Gives the worker its agent spec, workspace and limits; the worker loads its program and ' +
    'answers with its protocol version and capabilities. Sent once, first.',
  params: InitializeParamsSchema,
  result: InitializeResultSchema,
  errors: [ErrorCodes.UnsupportedProtocolVersion, ErrorCodes.PluginFailed, ErrorCodes.InvalidRequest],
});

export const EmptySchema = Type.Object({}, { additionalProperties: false, title: 'empty' });

/** Liveness check; any time, also before `initialize`. */
export const Ping = defineRequest({
  method: 'ping',
  direction: 'both',
  description: 'Liveness check. Answered with `{}` at any time, also before `initialize` and during `shutdown`.',
  params: EmptySchema,
  result: EmptySchema,
});

/** Polite stop: the worker finishes, releases its plugin and answers; `exit` follows. */
export const Shutdown = defineRequest({
  method: 'shutdown',
  direction: 'supervisor-to-worker',
  description:
    'Polite stop. The worker cancels running tasks, lets its program clean up, and answers `null`. After it, ' +
    'it answers every request but `ping` with ShuttingDown and waits for `exit`.',
  params: EmptySchema,
  result: Type.Null(),
});

/** The worker exits: code 0 after a `shutdown`, 1 without one. */
export const Exit = defineNotification({
  method: 'exit',
  direction: 'supervisor-to-worker',
  description: 'The worker exits now: status 0 if `shutdown` was answered before, otherwise 1.',
  params: EmptySchema,
});

export const CancelParamsSchema = Type.Object(
  { id: RequestIdSchema },
  { additionalProperties: false, title: '$/cancelRequest params' },
);
export type CancelParams = Static<typeof CancelParamsSchema>;

/** Cancels a request in flight; either peer, for requests it sent. */
export const CancelRequest = defineNotification({
  method: '$/cancelRequest',
  direction: 'both',
  description:
    'Asks the peer to stop working on the request with this id. The peer still answers that request: with ' +
    'RequestCancelled (-32001), or with its result if it had finished. Unknown ids are ignored.',
  params: CancelParamsSchema,
});
