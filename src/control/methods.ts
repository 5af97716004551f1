/**
 * The control API: JSON-RPC 2.0 over the supervisor's Unix socket. This is how the CLI, a main agent
 * (through `codex fleet mcp`) or any program drives a running fleet; docs/control.md is generated
 * from these definitions.
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineNotification, defineRequest } from '../protocol/method.js';
import { MAX_JSON_DEPTH } from '../protocol/version.js';

/**
 * Deepest nesting of a control message: the worker protocol's limit plus room for the control
 * envelopes around a task's input and result, so whatever a worker may send can be read back here.
 */
export const CONTROL_MAX_DEPTH = MAX_JSON_DEPTH + 16;
import { LIST_ERROR_CHARS, MAX_LIST_BYTES, MAX_READ_CHARS, MAX_TASK_INPUT_BYTES, PREVIEW_CHARS, VIEW_INLINE_BYTES } from './task-limits.js';

/** Control-API error codes (JSON-RPC server-error range, beside the worker protocol's). */
export const ControlErrorCodes = Object.freeze({
  Unauthorized: -32050,
  UnknownAgent: -32051,
  UnknownTask: -32052,
  NotAccepting: -32053,
  WaitTimeout: -32054,
  AgentUnavailable: -32055,
  TooLarge: -32056,
  InvalidBase: -32057,
  LandRefused: -32058,
});

export const CONTROL_ERROR_MEANINGS: Readonly<Record<keyof typeof ControlErrorCodes, string>> = Object.freeze({
  Unauthorized: 'The connection has not sent `fleet/hello` with the token from the state directory.',
  UnknownAgent: 'No agent of that name is loaded in this fleet.',
  UnknownTask: 'No task with that id is in the journal.',
  NotAccepting: 'The fleet is stopping and accepts no new tasks.',
  WaitTimeout: '`tasks/wait` gave up before the task finished; the task goes on.',
  AgentUnavailable: 'The agent is errored (its workers crash-looped) or cannot run on this machine; the message says why and what to do.',
  TooLarge: 'The task input is larger than the maximum task input size (see "Sizes").',
  InvalidBase: 'The task\'s `base` is not a commit of the fleet\'s repository (or the project is not a git repository).',
  LandRefused: 'Landing or discarding a task\'s branch was refused; the message says why. Nothing was changed.',
});

const TaskState = Type.Union(
  [Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed'), Type.Literal('cancelled')],
  { description: 'queued → running → done | failed | cancelled (running → queued again on a retry).' },
);

const TaskTimes = {
  attempts: Type.Integer({ minimum: 0, description: 'Times the task was started.' }),
  created_at: Type.Integer({ description: 'Milliseconds since the epoch.' }),
  updated_at: Type.Integer(),
  started_at: Type.Union([Type.Integer(), Type.Null()]),
  finished_at: Type.Union([Type.Integer(), Type.Null()]),
};

export const TaskViewSchema = Type.Object(
  {
    id: Type.String({ description: 'Task id, e.g. `tmifx2k3a9f01c`.' }),
    agent: Type.String(),
    kind: Type.String({ description: 'What to do, for the agent\'s plugin; `default` when none was named.' }),
    input: Type.Unknown({
      description: `The task input as submitted, when its JSON text is at most ${VIEW_INLINE_BYTES} bytes (\`input_inline\`); else null: read it with \`tasks/read\`.`,
    }),
    input_bytes: Type.Integer({ minimum: 0, description: 'Size of the input\'s JSON text, in bytes.' }),
    input_inline: Type.Boolean({ description: 'Whether `input` holds the whole input.' }),
    state: TaskState,
    ...TaskTimes,
    result: Type.Unknown({
      description: `The worker's result (state \`done\`) when at most ${VIEW_INLINE_BYTES} bytes (\`result_inline\`), else null.`,
    }),
    result_bytes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Size of the result\'s JSON text; null without a result.' }),
    result_inline: Type.Boolean({ description: 'Whether `result` holds the whole result (true when there is none).' }),
    error: Type.Union([Type.String(), Type.Null()], { description: 'Why it failed, was cancelled or re-queued.' }),
  },
  { additionalProperties: false, title: 'Task' },
);
export type TaskView = Static<typeof TaskViewSchema>;

export const TaskSummarySchema = Type.Object(
  {
    id: Type.String(),
    agent: Type.String(),
    kind: Type.String(),
    state: TaskState,
    ...TaskTimes,
    input_bytes: Type.Integer({ minimum: 0, description: 'Size of the input\'s JSON text, in bytes.' }),
    input_preview: Type.String({ description: `The first ${PREVIEW_CHARS} characters of the input's JSON text.` }),
    result_bytes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Size of the result\'s JSON text; null without a result.' }),
    result_preview: Type.Union([Type.String(), Type.Null()], { description: `The first ${PREVIEW_CHARS} characters of the result's JSON text.` }),
    error: Type.Union([Type.String(), Type.Null()], { description: `Why it failed, was cancelled or re-queued (its first ${LIST_ERROR_CHARS} characters).` }),
  },
  { additionalProperties: false, title: 'Task summary' },
);
export type TaskSummary = Static<typeof TaskSummarySchema>;

const AgentState = Type.Union(
  [Type.Literal('starting'), Type.Literal('running'), Type.Literal('paused'), Type.Literal('errored'), Type.Literal('stopped')],
  {
    description:
      'running: takes tasks; paused: keeps its tasks queued (by `agents/pause`, or when it cannot afford its next call); ' +
      'errored: its workers crash-looped or cannot be sandboxed; stopped: killed by `agents/kill`.',
  },
);

export const AgentStatusSchema = Type.Object(
  {
    name: Type.String(),
    role: Type.String({ description: 'What the agent is for: its spec\'s `role`.' }),
    state: AgentState,
    reason: Type.Union([Type.String(), Type.Null()], { description: 'Why it is paused, errored or stopped.' }),
    model: Type.String(),
    cost_budget: Type.Number({ description: 'US dollars: the spec\'s value.' }),
    budget_usd: Type.Number({ description: 'The budget in force, US dollars: the spec\'s, or an override set by `agents/resume`.' }),
    budget_source: Type.Union([Type.Literal('spec'), Type.Literal('override')], { description: 'Where `budget_usd` comes from.' }),
    budget_why: Type.String({ description: 'Why that budget is in force, in one sentence.' }),
    spent_usd: Type.Number({ description: 'Charged so far, over the life of the state directory (unsettled calls count in full).' }),
    reserved_usd: Type.Number({ description: 'Held now for calls in flight (their worst case).' }),
    calls: Type.Integer({ description: 'Model calls charged or in flight.' }),
    unsettled_calls: Type.Integer({ description: 'Calls whose usage never came back: their whole reservation is charged.' }),
    waiting_calls: Type.Integer({ description: 'Calls waiting for budget now.' }),
    input_tokens: Type.Integer(),
    output_tokens: Type.Integer(),
    concurrency: Type.Integer(),
    workers: Type.Integer({ description: 'Worker processes alive now.' }),
    worker_states: Type.Array(Type.String(), { description: 'Each worker slot\'s state: starting, ready, busy, stopping, stopped, errored.' }),
    restarts: Type.Integer({ description: 'Abnormal worker exits since the fleet started.' }),
    queued: Type.Integer(),
    running: Type.Integer(),
    done: Type.Integer(),
    failed: Type.Integer(),
    cancelled: Type.Integer(),
  },
  { additionalProperties: false, title: 'Agent status' },
);
export type AgentStatus = Static<typeof AgentStatusSchema>;

export const FleetStatusSchema = Type.Object(
  {
    pid: Type.Integer(),
    version: Type.String(),
    state_dir: Type.String(),
    project: Type.String({ description: 'The directory the fleet was started in.' }),
    started_at: Type.Integer(),
    sandbox: Type.Union([Type.Literal('enforced'), Type.Literal('disabled')], {
      description: '`disabled` only when started with --unsafe-no-sandbox.',
    }),
    agents: Type.Array(AgentStatusSchema),
    totals: Type.Object(
      {
        spent_usd: Type.Number(),
        reserved_usd: Type.Number(),
        budget_usd: Type.Union([Type.Number(), Type.Null()], { description: 'The fleet-wide budget (codex-fleet.yaml), or null.' }),
        calls: Type.Integer(),
        input_tokens: Type.Integer(),
        output_tokens: Type.Integer(),
      },
      { additionalProperties: false, description: 'Every agent together.' },
    ),
  },
  { additionalProperties: false, title: 'Fleet status' },
);
export type FleetStatus = Static<typeof FleetStatusSchema>;

export const FleetEventSchema = Type.Object(
  {
    time: Type.Integer({ description: 'Milliseconds since the epoch.' }),
    type: Type.String({
      description:
        'fleet.started, fleet.stopping, fleet.stopped, fleet.error, agent.state, agent.budget (paused for budget, with ' +
        'the numbers and the command to continue; or a budget set by agents/resume), ledger.unsettled (a call found in ' +
        'flight after a crash: fully charged), worker.state, worker.exit, task.queued, ' +
        'task.started, task.progress, task.done, task.failed, task.retry, task.cancelled, log.',
    }),
    agent: Type.Optional(Type.String()),
    worker: Type.Optional(Type.Integer({ description: 'Slot index of the worker within its agent.' })),
    task: Type.Optional(Type.String()),
    message: Type.String({ description: 'One readable line.' }),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false, title: 'Fleet event' },
);
export type FleetEvent = Static<typeof FleetEventSchema>;

const Empty = Type.Object({}, { additionalProperties: false });
const AgentParams = Type.Object({ agent: Type.String({ minLength: 1 }) }, { additionalProperties: false });
const TaskIdParams = Type.Object({ id: Type.String({ minLength: 1 }) }, { additionalProperties: false });
const TaskResult = Type.Object({ task: TaskViewSchema }, { additionalProperties: false });
const AgentResult = Type.Object({ agent: AgentStatusSchema }, { additionalProperties: false });

export const Hello = defineRequest({
  method: 'fleet/hello',
  direction: 'client-to-supervisor',
  description:
    'Authenticates the connection with the token in `<state dir>/control.token`. Must be the first request; ' +
    'every other request before it fails with Unauthorized.',
  params: Type.Object(
    { token: Type.String({ minLength: 1 }), client: Type.Optional(Type.String({ description: 'Who is asking, for logs.' })) },
    { additionalProperties: false },
  ),
  result: Type.Object({ pid: Type.Integer(), version: Type.String(), state_dir: Type.String() }, { additionalProperties: false }),
  errors: [ControlErrorCodes.Unauthorized],
});

export const Status = defineRequest({
  method: 'fleet/status',
  direction: 'client-to-supervisor',
  description: 'The fleet and every agent: state, workers, task counts.',
  params: Empty,
  result: FleetStatusSchema,
});

export const Submit = defineRequest({
  method: 'tasks/submit',
  direction: 'client-to-supervisor',
  description:
    `Queues a task for an agent. The task is on disk before this answers. The input's JSON text may be at most ${MAX_TASK_INPUT_BYTES} bytes ` +
    '(TooLarge). A task for an errored agent is refused (AgentUnavailable, with why and what to do); one for a paused or stopped agent is ' +
    'queued, and `note` says it waits.',
  params: Type.Object(
    {
      agent: Type.String({ minLength: 1 }),
      kind: Type.Optional(Type.String({ minLength: 1, description: 'What to do, e.g. "repair". Default: "default".' })),
      input: Type.Unknown({
        description:
          'Any JSON value the agent understands. For an agent on a built-in bot (`plugin: builtin:<bot>`) it must match the bot\'s ' +
          'schema, docs/bots/<bot>.input.schema.json, and the commands it names must be on the agent\'s exec allow-list ' +
          '(else InvalidParams, naming the field and the schema).',
      }),
      base: Type.Optional(
        Type.String({
          minLength: 1,
          description: 'The commit the task\'s worktree starts from: a branch, tag or sha, `HEAD` (the default), or `worktree` (a snapshot of your uncommitted changes).',
        }),
      ),
      keep: Type.Optional(Type.Boolean({ description: 'Keep the task\'s worktree after it finishes, for review. Default false.' })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      task: TaskViewSchema,
      note: Type.Optional(Type.String({ description: 'Set when the task will wait, e.g. its agent is paused, and why.' })),
    },
    { additionalProperties: false },
  ),
  errors: [ControlErrorCodes.UnknownAgent, ControlErrorCodes.NotAccepting, ControlErrorCodes.AgentUnavailable, ControlErrorCodes.TooLarge, ControlErrorCodes.InvalidBase],
});

export const GetTask = defineRequest({
  method: 'tasks/get',
  direction: 'client-to-supervisor',
  description: 'One task, with its result once it is done.',
  params: TaskIdParams,
  result: TaskResult,
  errors: [ControlErrorCodes.UnknownTask],
});

export const ListTasks = defineRequest({
  method: 'tasks/list',
  direction: 'client-to-supervisor',
  description: 'Task summaries, newest first: sizes and a short preview of input and result, never the whole of them.',
  params: Type.Object(
    {
      agent: Type.Optional(Type.String()),
      state: Type.Optional(TaskState),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      tasks: Type.Array(TaskSummarySchema),
      truncated: Type.Optional(
        Type.Boolean({ description: `Set when the list stopped at about ${MAX_LIST_BYTES} bytes, before \`limit\`: ask again with \`state\` or a smaller \`limit\`.` }),
      ),
    },
    { additionalProperties: false },
  ),
});

export const ReadTask = defineRequest({
  method: 'tasks/read',
  direction: 'client-to-supervisor',
  description:
    'A page of a task\'s input or result as JSON text: `length` characters from `offset` (both in characters of the text). ' +
    'Read from offset 0 until `done`, join the pages and parse them: the way to read what a task view leaves out.',
  params: Type.Object(
    {
      id: Type.String({ minLength: 1 }),
      field: Type.Union([Type.Literal('input'), Type.Literal('result')]),
      offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
      length: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_READ_CHARS, default: MAX_READ_CHARS })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      text: Type.String({ description: 'The page.' }),
      offset: Type.Integer({ minimum: 0 }),
      total: Type.Integer({ minimum: 0, description: 'Characters in the whole text (0 when the task has no result).' }),
      done: Type.Boolean({ description: 'Whether this page reaches the end.' }),
    },
    { additionalProperties: false },
  ),
  errors: [ControlErrorCodes.UnknownTask],
});

export const PruneTasks = defineRequest({
  method: 'tasks/prune',
  direction: 'client-to-supervisor',
  description:
    'Applies the retention policy now: deletes finished (done, failed, cancelled) tasks older than `keep_days` and beyond the newest ' +
    '`keep_tasks` finished ones. Queued and running tasks, agent flags and spend records are never deleted. Omitted values are the ' +
    'fleet\'s own policy (`codex fleet start --keep-days/--keep-tasks`).',
  params: Type.Object(
    {
      keep_days: Type.Optional(Type.Number({ minimum: 0 })),
      keep_tasks: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      deleted: Type.Integer({ minimum: 0 }),
      remaining: Type.Integer({ minimum: 0, description: 'Tasks left in the journal.' }),
      keep_days: Type.Number(),
      keep_tasks: Type.Integer(),
    },
    { additionalProperties: false },
  ),
});

export const WaitTask = defineRequest({
  method: 'tasks/wait',
  direction: 'client-to-supervisor',
  description: 'Answers once the task is done, failed or cancelled (at once if it already is).',
  params: Type.Object(
    { id: Type.String({ minLength: 1 }), timeout_s: Type.Optional(
        Type.Number({ exclusiveMinimum: 0, maximum: 2_147_483, description: 'Give up after this long (WaitTimeout); at most 2147483 s (24 days).' }),
      ) },
    { additionalProperties: false },
  ),
  result: TaskResult,
  errors: [ControlErrorCodes.UnknownTask, ControlErrorCodes.WaitTimeout],
});

export const CancelTask = defineRequest({
  method: 'tasks/cancel',
  direction: 'client-to-supervisor',
  description: 'Cancels a queued or running task (a running one is cancelled in its worker first).',
  params: TaskIdParams,
  result: TaskResult,
  errors: [ControlErrorCodes.UnknownTask],
});

export const PauseAgent = defineRequest({
  method: 'agents/pause',
  direction: 'client-to-supervisor',
  description: 'Stops giving the agent new tasks; running tasks finish. Remembered across restarts.',
  params: AgentParams,
  result: AgentResult,
  errors: [ControlErrorCodes.UnknownAgent],
});

export const ResumeAgent = defineRequest({
  method: 'agents/resume',
  direction: 'client-to-supervisor',
  description:
    'Resumes a paused, stopped or errored agent (its workers are started again; calls waiting for budget try again). ' +
    '`budget_usd` sets its budget, `add_usd` raises the one in force; either is kept across restarts until the ' +
    'spec\'s `cost_budget` changes.',
  params: Type.Object(
    {
      agent: Type.String({ minLength: 1 }),
      budget_usd: Type.Optional(Type.Number({ minimum: 0, description: 'The new budget, US dollars.' })),
      add_usd: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Added to the budget in force, US dollars.' })),
    },
    { additionalProperties: false },
  ),
  result: AgentResult,
  errors: [ControlErrorCodes.UnknownAgent],
});

export const CostRowSchema = Type.Object(
  {
    key: Type.String({ description: 'The agent, model or task id.' }),
    spent_usd: Type.Number(),
    reserved_usd: Type.Number(),
    calls: Type.Integer(),
    unsettled_calls: Type.Integer(),
    input_tokens: Type.Integer(),
    output_tokens: Type.Integer(),
  },
  { additionalProperties: false, title: 'Cost row' },
);
export type CostRow = Static<typeof CostRowSchema>;

export const Cost = defineRequest({
  method: 'fleet/cost',
  direction: 'client-to-supervisor',
  description: 'Where the money went: spent and reserved per agent, model or task, from the ledger.',
  params: Type.Object(
    {
      by: Type.Optional(Type.Union([Type.Literal('agent'), Type.Literal('model'), Type.Literal('task')], { default: 'agent' })),
      agent: Type.Optional(Type.String({ minLength: 1, description: 'Only this agent\'s calls.' })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    { by: Type.String(), rows: Type.Array(CostRowSchema), total_spent_usd: Type.Number(), total_reserved_usd: Type.Number() },
    { additionalProperties: false },
  ),
  errors: [ControlErrorCodes.UnknownAgent],
});

export const KillAgent = defineRequest({
  method: 'agents/kill',
  direction: 'client-to-supervisor',
  description:
    'Stops the agent\'s workers now (cancel, shutdown, SIGTERM, SIGKILL). Their running tasks go back to the queue; ' +
    'the agent stays stopped until `agents/resume`.',
  params: AgentParams,
  result: AgentResult,
  errors: [ControlErrorCodes.UnknownAgent],
});

export const StopFleet = defineRequest({
  method: 'fleet/stop',
  direction: 'client-to-supervisor',
  description:
    'Stops the fleet: by default it drains (takes no new tasks, lets running ones finish); with `now` it kills ' +
    'the workers and re-queues their tasks. Queued tasks stay in the journal for the next start.',
  params: Type.Object({ now: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
  result: Empty,
});

export const Subscribe = defineRequest({
  method: 'events/subscribe',
  direction: 'client-to-supervisor',
  description: 'From now on the supervisor sends this connection a `fleet/event` notification per event.',
  params: Empty,
  result: Empty,
});

export const EventNotification = defineNotification({
  method: 'fleet/event',
  direction: 'supervisor-to-client',
  description: 'One fleet event, sent to subscribed connections.',
  params: Type.Object({ event: FleetEventSchema }, { additionalProperties: false }),
});

const BranchSchema = Type.Object(
  {
    task: Type.String(),
    agent: Type.String(),
    branch: Type.String(),
    base: Type.String(),
    state: Type.String({ description: 'queued, active, finished, landed or discarded.' }),
    worktree: Type.Union([Type.String(), Type.Null()]),
    commits: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'Each commit and where it is (outcome, sha, landed_sha, reason).' }),
  },
  { additionalProperties: false, title: 'Fleet branch' },
);

export const ListBranches = defineRequest({
  method: 'branches/list',
  direction: 'client-to-supervisor',
  description: 'The fleet/<agent>/<task> branches with their task and state.',
  params: Empty,
  result: Type.Object({ branches: Type.Array(BranchSchema) }, { additionalProperties: false }),
});

export const LandBranch = defineRequest({
  method: 'branches/land',
  direction: 'client-to-supervisor',
  description: 'Lands a task\'s branch on your current branch (as `land: commit` does), through the commit queue.',
  params: TaskIdParams,
  result: Type.Object({ sha: Type.String(), branch: Type.String() }, { additionalProperties: false }),
  errors: [ControlErrorCodes.LandRefused],
});

export const DiscardBranch = defineRequest({
  method: 'branches/discard',
  direction: 'client-to-supervisor',
  description: 'Deletes a task\'s branch and worktree.',
  params: TaskIdParams,
  result: Empty,
  errors: [ControlErrorCodes.LandRefused],
});

export const CONTROL_METHODS = Object.freeze([
  Hello,
  Status,
  Submit,
  GetTask,
  ListTasks,
  ReadTask,
  WaitTask,
  CancelTask,
  PruneTasks,
  PauseAgent,
  ResumeAgent,
  KillAgent,
  Cost,
  StopFleet,
  Subscribe,
  EventNotification,
  ListBranches,
  LandBranch,
  DiscardBranch,
]);
