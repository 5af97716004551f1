/**
 * The MCP tools `codex fleet mcp` offers a main agent: each one's name, description and input schema
 * (TypeBox values, so the JSON Schema a client sees and the check of its arguments come from one
 * source). The descriptions are written for a model that has never read our docs.
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';

const AgentName = Type.String({ minLength: 1, description: 'The agent\'s name, as `list_agents` shows it (e.g. "patch-bot").' });
const TaskId = Type.String({ minLength: 1, description: 'The task id that `submit_task` returned (e.g. "tmifx2k3a9f01c").' });
const TimeoutS = Type.Number({
  exclusiveMinimum: 0,
  maximum: 3600,
  description:
    'How long to wait for the task to finish, in seconds (default 50, at most 3600; MCP clients often give up on a tool ' +
    'call after 60 s). When the time is up you get the task as it ' +
    'is then (state `queued` or `running`); the task goes on, and `get_task` with `wait` picks it up again.',
});

export const ListAgentsInput = Type.Object({}, { additionalProperties: false });

export const SubmitTaskInput = Type.Object(
  {
    agent: AgentName,
    input: Type.Unknown({
      description:
        'The task for the agent, as any JSON value; what it should hold depends on the agent\'s role (see `list_agents`). ' +
        'For patch-bot: {"test": "npm test -- test/parse.test.ts", "plan": "what is wrong, in words", "files": ["src/parse.ts"]}. ' +
        'An input the agent does not accept is refused with the path of the bad field.',
    }),
    kind: Type.Optional(Type.String({ minLength: 1, description: 'What to do, for agents that do several things (e.g. "repair"). Default: "default".' })),
    wait: Type.Optional(Type.Boolean({ description: 'Wait for the task to finish and return its result. Default: false (return the id at once).' })),
    timeout_s: Type.Optional(TimeoutS),
  },
  { additionalProperties: false },
);

export const GetTaskInput = Type.Object(
  {
    id: TaskId,
    wait: Type.Optional(Type.Boolean({ description: 'Wait until the task is done, failed or cancelled. Default: false (answer at once).' })),
    timeout_s: Type.Optional(TimeoutS),
  },
  { additionalProperties: false },
);

export const CancelTaskInput = Type.Object({ id: TaskId }, { additionalProperties: false });

export const FleetStatusInput = Type.Object(
  {
    by: Type.Optional(
      Type.Union([Type.Literal('agent'), Type.Literal('model'), Type.Literal('task')], {
        description: 'How to break the spend down: per agent (default), per model or per task.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PauseAgentInput = Type.Object({ agent: AgentName }, { additionalProperties: false });

export const ResumeAgentInput = Type.Object(
  {
    agent: AgentName,
    budget_usd: Type.Optional(
      Type.Number({ minimum: 0, description: 'Set the agent\'s budget to this many US dollars. Raising it is refused unless the user started this server with --allow-budget-raise.' }),
    ),
    add_usd: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'Add this many US dollars to the agent\'s budget. Refused unless the user started this server with --allow-budget-raise.' }),
    ),
  },
  { additionalProperties: false },
);

export interface ToolDefinition<S extends TObject = TObject> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly input: S;
  /** Tools that change nothing (MCP's readOnlyHint). */
  readonly readOnly: boolean;
}

function tool<S extends TObject>(definition: ToolDefinition<S>): ToolDefinition<S> {
  return Object.freeze(definition);
}

export const ListAgents = tool({
  name: 'list_agents',
  title: 'List the fleet\'s agents',
  description:
    'Lists the specialist agents of the codex fleet running for this project: each one\'s name, role (what it is for), ' +
    'model, state (running: takes tasks; paused: its tasks wait; errored: it cannot run, see reason; stopped), budget in ' +
    'US dollars, what it has spent and has left, and its task counts. Call this first to pick an agent for `submit_task`.',
  input: ListAgentsInput,
  readOnly: true,
});

export const SubmitTask = tool({
  name: 'submit_task',
  title: 'Give a task to an agent',
  description:
    'Hands a task to one agent of the fleet and returns the task id at once; with `wait: true` it waits (up to ' +
    '`timeout_s`, default 50 s) and returns the finished task with its `result`, sending progress notifications ' +
    'meanwhile. The task is saved before this answers and runs in the agent\'s sandbox even if you stop waiting. An ' +
    'agent that is paused (by the user, or because it reached its budget) keeps the task queued; the answer says so.',
  input: SubmitTaskInput,
  readOnly: false,
});

export const GetTask = tool({
  name: 'get_task',
  title: 'A task\'s state and result',
  description:
    'Returns one task: its state (queued, running, done, failed, cancelled), its `result` once done, or its `error` ' +
    'once failed or cancelled. With `wait: true` it waits for the task to finish (up to `timeout_s`, default 50 s), ' +
    'sending progress notifications meanwhile.',
  input: GetTaskInput,
  readOnly: true,
});

export const CancelTask = tool({
  name: 'cancel_task',
  title: 'Cancel a task',
  description: 'Cancels a queued or running task (a running one is stopped in its worker first) and returns it. A finished task is returned unchanged.',
  input: CancelTaskInput,
  readOnly: false,
});

export const FleetStatus = tool({
  name: 'fleet_status',
  title: 'Fleet status and spend',
  description:
    'The fleet as a whole: whether the kernel sandbox is enforced, every agent\'s state, budget and spend, the fleet\'s ' +
    'total spend and budget, and a cost breakdown (US dollars spent and reserved, calls and tokens) per agent, model or task.',
  input: FleetStatusInput,
  readOnly: true,
});

export const PauseAgent = tool({
  name: 'pause_agent',
  title: 'Pause an agent',
  description: 'Stops giving an agent new tasks; its running tasks finish and new ones stay queued until `resume_agent`. The pause is kept across fleet restarts.',
  input: PauseAgentInput,
  readOnly: false,
});

export const ResumeAgent = tool({
  name: 'resume_agent',
  title: 'Resume an agent',
  description:
    'Resumes a paused, stopped or errored agent; its queued tasks start. An agent paused because it reached its budget ' +
    'stays paused until its budget is raised, and only the user may raise it: `budget_usd` above the current budget ' +
    'or `add_usd` is refused unless the user started this server with --allow-budget-raise. Lowering the budget is allowed.',
  input: ResumeAgentInput,
  readOnly: false,
});

export const TOOLS: readonly ToolDefinition[] = Object.freeze([ListAgents, SubmitTask, GetTask, CancelTask, FleetStatus, PauseAgent, ResumeAgent]);

export type SubmitTaskArgs = Static<typeof SubmitTaskInput>;
export type GetTaskArgs = Static<typeof GetTaskInput>;
export type CancelTaskArgs = Static<typeof CancelTaskInput>;
export type FleetStatusArgs = Static<typeof FleetStatusInput>;
export type AgentArgs = Static<typeof PauseAgentInput>;
export type ResumeAgentArgs = Static<typeof ResumeAgentInput>;
