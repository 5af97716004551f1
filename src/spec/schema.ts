/**
 * The agent spec (`agents/<name>.yaml`): its TypeScript type and its JSON Schema, from one source.
 *
 * `docs/agent-spec.schema.json` is generated from {@link AgentSpecSchema} (`npm run gen`) and checked
 * for drift by `npm test`. Each field carries `x-expected`, the phrase an error message uses for it
 * ("must be a number of dollars > 0"), so the schema and the messages cannot disagree.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const AGENT_SPEC_SCHEMA_ID = 'urn:codex-fleet:agent-spec:1';

/** Defaults, stated once: the schema's `default`s, the docs and the loader all read these. */
export const SPEC_DEFAULTS = Object.freeze({
  max_tokens: 4096,
  cost_budget: 0.5,
  concurrency: 1,
  max_turns: 20,
  wall_time_s: 600,
  retries: 2,
  memory_mb: 2048,
  exec_timeout_s: 300,
  max_restarts: 5,
  restart_window_s: 60,
});

const expected = (phrase: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  'x-expected': phrase,
  ...extra,
});

const AGENT_NAME_PATTERN = '^[a-z][a-z0-9-]{0,62}$';

export const ExecRuleSchema = Type.Object(
  {
    command: Type.Array(Type.String({ minLength: 1, ...expected('a non-empty string') }), {
      minItems: 1,
      title: 'Command',
      description:
        'The program and leading arguments the agent may ask the supervisor to run, e.g. `[npm, test]`. ' +
        'The program is looked up on PATH when the command runs.',
      ...expected('a non-empty list of strings (program and arguments)'),
    }),
    allow_extra_args: Type.Optional(
      Type.Boolean({
        default: false,
        title: 'Allow extra arguments',
        description: 'Whether the agent may append arguments after `command`. Default: false (exact match).',
        ...expected('true or false'),
      }),
    ),
    timeout_s: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 86_400,
        default: SPEC_DEFAULTS.exec_timeout_s,
        title: 'Timeout',
        description: `Seconds the command may run before its whole process tree is killed. Default: ${SPEC_DEFAULTS.exec_timeout_s}.`,
        ...expected('a number of seconds > 0 and <= 86400'),
      }),
    ),
  },
  {
    additionalProperties: false,
    title: 'Exec rule',
    description: 'One command the agent may ask the supervisor to run (sandboxed, no network).',
    ...expected('a mapping with "command" (and optionally "allow_extra_args", "timeout_s")'),
  },
);

export const LimitsSchema = Type.Object(
  {
    max_turns: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000,
        default: SPEC_DEFAULTS.max_turns,
        title: 'Maximum model turns',
        description: `Model calls one task may make before the supervisor fails it. Default: ${SPEC_DEFAULTS.max_turns}.`,
        ...expected('a whole number from 1 to 10000'),
      }),
    ),
    wall_time_s: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 86_400,
        default: SPEC_DEFAULTS.wall_time_s,
        title: 'Wall time',
        description: `Seconds one task may run before the supervisor cancels it. Default: ${SPEC_DEFAULTS.wall_time_s}.`,
        ...expected('a number of seconds > 0 and <= 86400'),
      }),
    ),
    retries: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        default: SPEC_DEFAULTS.retries,
        title: 'Retries',
        description: `Times a task is run again after its worker crashed or it timed out. Default: ${SPEC_DEFAULTS.retries}.`,
        ...expected('a whole number from 0 to 100'),
      }),
    ),
    memory_mb: Type.Optional(
      Type.Integer({
        minimum: 64,
        maximum: 1_048_576,
        default: SPEC_DEFAULTS.memory_mb,
        title: 'Memory',
        description: `Data memory (RLIMIT_DATA) of one worker process, in MiB. Default: ${SPEC_DEFAULTS.memory_mb}.`,
        ...expected('a whole number of MiB from 64 to 1048576'),
      }),
    ),
  },
  {
    additionalProperties: false,
    title: 'Per-task limits',
    description: 'Limits the supervisor enforces on every task of this agent.',
    ...expected('a mapping of limits (max_turns, wall_time_s, retries, memory_mb)'),
  },
);

export const RestartSchema = Type.Object(
  {
    max_restarts: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1000,
        default: SPEC_DEFAULTS.max_restarts,
        title: 'Maximum restarts',
        description: `Abnormal exits tolerated within \`window_s\` before the agent is marked errored. Default: ${SPEC_DEFAULTS.max_restarts}.`,
        ...expected('a whole number from 0 to 1000'),
      }),
    ),
    window_s: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 86_400,
        default: SPEC_DEFAULTS.restart_window_s,
        title: 'Restart window',
        description: `Seconds over which restarts are counted. Default: ${SPEC_DEFAULTS.restart_window_s}.`,
        ...expected('a number of seconds > 0 and <= 86400'),
      }),
    ),
  },
  {
    additionalProperties: false,
    title: 'Restart policy',
    description: 'How often a crashing worker is restarted before the agent is marked errored.',
    ...expected('a mapping with "max_restarts" and/or "window_s"'),
  },
);

const agentSpecProperties = {
  name: Type.String({
    pattern: AGENT_NAME_PATTERN,
    title: 'Name',
    description: 'The agent\'s name: lower-case letters, digits and "-", starting with a letter. Must equal the file name.',
    ...expected('a name of lower-case letters, digits and "-" that starts with a letter (at most 63)'),
  }),
  role: Type.String({
    minLength: 1,
    maxLength: 2000,
    title: 'Role',
    description: 'What this agent does, in a sentence or two. Shown in status views and given to its plugin.',
    ...expected('a non-empty string of at most 2000 characters'),
  }),
  model: Type.String({
    minLength: 1,
    title: 'Model',
    description: 'The model the agent\'s calls go to, e.g. `gpt-4.1-mini`; its price decides what a call costs.',
    ...expected('a model name'),
  }),
  max_tokens: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: SPEC_DEFAULTS.max_tokens,
      title: 'Maximum output tokens',
      description: `Output tokens one model call may produce. Default: ${SPEC_DEFAULTS.max_tokens}.`,
      ...expected('a whole number of tokens from 1 to 1000000'),
    }),
  ),
  cost_budget: Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 100_000,
      default: SPEC_DEFAULTS.cost_budget,
      title: 'Cost budget',
      description:
        `US dollars this agent may spend on model calls in all. When the next call could pass it, the agent ` +
        `is paused and you are told. Default: ${SPEC_DEFAULTS.cost_budget}.`,
      ...expected('a number of dollars > 0'),
    }),
  ),
  allowed_syscalls: Type.Optional(
    Type.Array(
      Type.String({
        pattern: '^@?[a-z0-9_-]+$',
        ...expected('a syscall name or a @group'),
      }),
      {
        default: [],
        uniqueItems: true,
        title: 'Allowed syscalls',
        description:
          'Syscalls (e.g. `timer_create`) or groups (e.g. `@timer`) this agent\'s workers may make on top of the ' +
          'base set the runtime needs. Process creation, sockets and the other refused syscalls can never be added. ' +
          'File metadata, xattr writers and inotify (`@file-metadata`, `@xattr`, `@file-watch`) never reach workers: ' +
          'listed here, they reach only the agent\'s commands, a weakening. See docs/agent-spec.md.',
        ...expected('a list of syscall names and @groups'),
      },
    ),
  ),
  plugin: Type.Optional(
    Type.String({
      minLength: 1,
      title: 'Plugin',
      description:
        'The role plugin the Node runner loads: `builtin:<name>` for a bot that ships with codex fleet, or a path ' +
        'to a JavaScript ES module, relative to this file. Exactly one of `plugin` and `command`.',
      ...expected('"builtin:<name>" or a path to a .js or .mjs file'),
    }),
  ),
  command: Type.Optional(
    Type.Array(Type.String({ minLength: 1, ...expected('a non-empty string') }), {
      minItems: 1,
      title: 'Command',
      description:
        'A worker program in any language that speaks docs/protocol.md: the executable and its arguments. ' +
        'Arguments starting with ./ or ../ are paths relative to this file. Exactly one of `plugin` and `command`.',
      ...expected('a non-empty list of strings (program and arguments)'),
    }),
  ),
  read_paths: Type.Optional(
    Type.Array(Type.String({ minLength: 1, ...expected('a path (a bare ~ is YAML for nothing, and your home directory is never readable)') }), {
      default: [],
      uniqueItems: true,
      title: 'Read paths',
      description:
        'Folders or files the worker may read on top of its runtime and program, e.g. the libraries of an ' +
        'interpreter in an unusual place or the folder of a worker made of several files. Relative to this ' +
        'file; `~/` is your home. Never the repository root, your home, the fleet state directory, or a ' +
        'folder that holds secrets (`.git`, `.env`, `.ssh`, …): such a spec is invalid. Default: none.',
      ...expected('a list of paths'),
    }),
  ),
  concurrency: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 64,
      default: SPEC_DEFAULTS.concurrency,
      title: 'Concurrency',
      description: `Worker processes run for this agent; each runs one task at a time. Default: ${SPEC_DEFAULTS.concurrency}.`,
      ...expected('a whole number from 1 to 64'),
    }),
  ),
  provider: Type.Optional(
    Type.String({
      minLength: 1,
      title: 'Provider',
      description: 'The model provider (an OpenAI-compatible endpoint) to use. Default: the fleet\'s default provider.',
      ...expected('a provider name'),
    }),
  ),
  limits: Type.Optional(LimitsSchema),
  exec: Type.Optional(
    Type.Array(ExecRuleSchema, {
      default: [],
      title: 'Exec allow-list',
      description: 'Commands the agent may ask the supervisor to run for it. Default: none.',
      ...expected('a list of exec rules'),
    }),
  ),
  restart: Type.Optional(RestartSchema),
};

export const AgentSpecSchema = Type.Object(agentSpecProperties, {
  $id: AGENT_SPEC_SCHEMA_ID,
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'codex fleet agent spec',
  description: 'One specialist agent of a codex fleet: agents/<name>.yaml.',
  additionalProperties: false,
  oneOf: [{ required: ['plugin'] }, { required: ['command'] }],
  ...expected('a mapping of agent fields'),
});

/** A spec as written in YAML, before defaults. */
export type AgentSpecInput = Static<typeof AgentSpecSchema>;

/** The fields a spec file may have, in documentation order. */
export const SPEC_FIELDS = Object.keys(agentSpecProperties);

/** The `x-expected` phrase of a schema node, if any. */
export function expectedPhrase(schema: TSchema | undefined): string | undefined {
  const phrase = (schema as Record<string, unknown> | undefined)?.['x-expected'];
  return typeof phrase === 'string' ? phrase : undefined;
}
