/**
 * What each MCP tool does, on top of the control API. A handler returns the text the model reads, or
 * throws a {@link ToolFailure} (or a control error, mapped by `describeControlError`).
 */
import {
  CancelTask as CancelTaskMethod,
  Cost,
  GetTask as GetTaskMethod,
  PauseAgent as PauseAgentMethod,
  ReadTask,
  ResumeAgent as ResumeAgentMethod,
  Status,
  Submit,
  WaitTask,
  type AgentStatus,
  type FleetStatus,
  type TaskView,
} from '../control/methods.js';
import { ControlErrorCodes } from '../control/methods.js';
import { RpcError } from '../rpc/errors.js';
import { agentView, agentWarning } from './agent-view.js';
import { ToolFailure } from './errors.js';
import type { FleetLink } from './fleet-link.js';
import { TaskProgress, type ProgressSink } from './progress.js';
import type { AgentArgs, CancelTaskArgs, FleetStatusArgs, GetTaskArgs, ResumeAgentArgs, SubmitTaskArgs } from './tools.js';

/** How long a wait lasts when the caller names no timeout: under the 60 s many MCP clients allow a tool call. */
export const DEFAULT_WAIT_S = 50;

export interface HandlerOptions {
  /** Whether a client may raise an agent's budget (the user said so with --allow-budget-raise). */
  readonly allowBudgetRaise: boolean;
}

export interface CallContext {
  readonly signal: AbortSignal;
  /** Present when the client sent a progressToken. */
  readonly progress?: ProgressSink;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Characters of a result too large for a task view that a tool answer shows. */
export const RESULT_PAGE_CHARS = 64 * 1024;

/** The task as the model reads it: a summary line, notes, then the task as JSON. */
function taskText(task: TaskView, note?: string, resultStart?: string): string {
  const lines: string[] = [];
  if (note) lines.push(note);
  if (resultStart !== undefined) {
    lines.push(
      `The result is ${task.result_bytes ?? 0} bytes of JSON, too large to show whole; its first ${resultStart.length} characters are in ` +
        `"result_start". The user can read all of it with "codex fleet result ${task.id}".`,
    );
  }
  const head =
    task.state === 'done'
      ? `Task ${task.id} (${task.agent}) is done.`
      : task.state === 'failed' || task.state === 'cancelled'
        ? `Task ${task.id} (${task.agent}) ${task.state}: ${task.error ?? 'no reason given'}.`
        : `Task ${task.id} (${task.agent}) is ${task.state}.`;
  lines.unshift(head);
  lines.push(json(resultStart === undefined ? task : { ...task, result_start: resultStart }));
  return lines.join('\n');
}

export class ToolHandlers {
  constructor(
    private readonly link: FleetLink,
    private readonly options: HandlerOptions,
  ) {}

  /** {@link taskText}, with the start of a result that the task view leaves out. */
  private async render(task: TaskView, note?: string): Promise<string> {
    if (task.state !== 'done' || task.result_inline) return taskText(task, note);
    const page = await this.link.request(ReadTask, { id: task.id, field: 'result', offset: 0, length: RESULT_PAGE_CHARS });
    return taskText(task, note, page.text);
  }

  private async status(): Promise<FleetStatus> {
    return this.link.request(Status, {});
  }

  /** The agent's status; an unknown name fails with the list of agents. */
  private async agent(name: string): Promise<AgentStatus> {
    const status = await this.status();
    const agent = status.agents.find((a) => a.name === name);
    if (!agent) {
      throw new ToolFailure(
        `No agent "${name}" in this fleet. Agents: ${status.agents.map((a) => `${a.name}${a.role ? ` (${a.role})` : ''}`).join('; ') || 'none'}.`,
      );
    }
    return agent;
  }

  async listAgents(): Promise<string> {
    const status = await this.status();
    return json({ agents: status.agents.map(agentView) });
  }

  async fleetStatus(args: FleetStatusArgs): Promise<string> {
    const status = await this.status();
    const cost = await this.link.request(Cost, { by: args.by ?? 'agent' });
    return json({
      project: status.project,
      state_dir: status.state_dir,
      sandbox: status.sandbox,
      totals: status.totals,
      agents: status.agents.map(agentView),
      cost,
    });
  }

  async submitTask(args: SubmitTaskArgs, context: CallContext): Promise<string> {
    const agent = await this.agent(args.agent);
    if (agent.state === 'errored') {
      throw new ToolFailure(
        `Agent "${agent.name}" is errored and cannot run tasks: ${agent.reason ?? 'no reason given'}. The task was not submitted. ` +
          'The user must fix that and resume it; meanwhile give the task to another agent (list_agents).',
      );
    }
    const warning = agentWarning(agent);
    const progress = await TaskProgress.open(this.link, args.wait ? context.progress : undefined);
    try {
      const submitted = await this.link.request(Submit, { agent: args.agent, input: args.input ?? null, ...(args.kind ? { kind: args.kind } : {}) });
      const { task } = submitted;
      // Our sentence for a model when we have one (it names the budget rule); else the fleet's own note.
      const note = warning ?? submitted.note;
      if (!args.wait) return await this.render(task, note);
      return await this.waitFor(task.id, args.timeout_s, context, progress, note);
    } finally {
      progress.close();
    }
  }

  async getTask(args: GetTaskArgs, context: CallContext): Promise<string> {
    if (!args.wait) return this.render((await this.link.request(GetTaskMethod, { id: args.id })).task);
    const progress = await TaskProgress.open(this.link, context.progress);
    try {
      return await this.waitFor(args.id, args.timeout_s, context, progress);
    } finally {
      progress.close();
    }
  }

  private async waitFor(id: string, timeoutS: number | undefined, context: CallContext, progress: TaskProgress, note?: string): Promise<string> {
    const timeout = timeoutS ?? DEFAULT_WAIT_S;
    await progress.say(`task ${id}: waiting up to ${timeout} s for it to finish`);
    progress.follow(id);
    try {
      const { task } = await this.link.request(WaitTask, { id, timeout_s: timeout }, { signal: context.signal, timeoutMs: 0 });
      await progress.finish(`task ${id}: ${task.state}`);
      return await this.render(task, note);
    } catch (error) {
      if (error instanceof RpcError && error.code === ControlErrorCodes.WaitTimeout) {
        const { task } = await this.link.request(GetTaskMethod, { id });
        const agent = await this.agent(task.agent).catch(() => undefined);
        const why = agent ? agentWarning(agent) : undefined;
        return taskText(
          task,
          `Stopped waiting after ${timeout} s; the task goes on. Call get_task with wait: true to wait again.${why ? ` ${why}` : ''}`,
        );
      }
      throw error;
    }
  }

  async cancelTask(args: CancelTaskArgs): Promise<string> {
    return this.render((await this.link.request(CancelTaskMethod, { id: args.id })).task);
  }

  async pauseAgent(args: AgentArgs): Promise<string> {
    await this.agent(args.agent);
    const { agent } = await this.link.request(PauseAgentMethod, { agent: args.agent });
    return json({ agent: agentView(agent) });
  }

  async resumeAgent(args: ResumeAgentArgs): Promise<string> {
    const before = await this.agent(args.agent);
    const current = before.budget_usd;
    const raises = args.add_usd !== undefined || (args.budget_usd !== undefined && args.budget_usd > current);
    if (raises && !this.options.allowBudgetRaise) {
      throw new ToolFailure(
        `Refused: raising the budget of "${args.agent}" (now $${current}) needs the user. This server was started without ` +
          '--allow-budget-raise, so a client cannot lift a spending cap. Ask the user to run ' +
          `"codex fleet resume ${args.agent} --add <usd>" themselves. resume_agent without budget_usd/add_usd still resumes the agent.`,
      );
    }
    if (args.budget_usd !== undefined && args.add_usd !== undefined) {
      throw new ToolFailure('Give either budget_usd (the new budget) or add_usd (added to it), not both.');
    }
    const params = {
      agent: args.agent,
      ...(args.budget_usd === undefined ? {} : { budget_usd: args.budget_usd }),
      ...(args.add_usd === undefined ? {} : { add_usd: args.add_usd }),
    };
    const { agent } = await this.link.request(ResumeAgentMethod, params);
    const view = agentView(agent);
    const warning = agentWarning(agent);
    return [warning, json({ agent: view })].filter(Boolean).join('\n');
  }
}
