/**
 * What a main agent sees of one fleet agent: the control API's status, reduced to what a model needs
 * to choose an agent and to understand why its tasks wait.
 */
import type { AgentStatus } from '../control/methods.js';

export interface AgentView {
  readonly name: string;
  readonly role: string;
  readonly model: string;
  readonly state: AgentStatus['state'];
  /** Why it is paused, errored or stopped. */
  readonly reason: string | null;
  /** True when it is paused because it reached its budget: its tasks wait until the user raises it. */
  readonly paused_for_budget: boolean;
  readonly budget_usd: number;
  readonly budget_source: AgentStatus['budget_source'];
  readonly spent_usd: number;
  readonly reserved_usd: number;
  /** Budget minus spent and reserved, never below 0. */
  readonly budget_left_usd: number;
  /** Model calls waiting for budget now. */
  readonly waiting_calls: number;
  readonly tasks: { readonly queued: number; readonly running: number; readonly done: number; readonly failed: number; readonly cancelled: number };
}

/** Dollars rounded to micro-dollars, so sums of binary fractions print cleanly. */
function usd(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** The fleet pauses an agent that cannot afford its next call with a reason that starts so. */
export function isBudgetPause(agent: Pick<AgentStatus, 'state' | 'reason'>): boolean {
  return agent.state === 'paused' && (agent.reason ?? '').startsWith('budget:');
}

export function agentView(agent: AgentStatus): AgentView {
  return {
    name: agent.name,
    role: agent.role,
    model: agent.model,
    state: agent.state,
    reason: agent.reason,
    paused_for_budget: isBudgetPause(agent),
    budget_usd: usd(agent.budget_usd),
    budget_source: agent.budget_source,
    spent_usd: usd(agent.spent_usd),
    reserved_usd: usd(agent.reserved_usd),
    budget_left_usd: usd(Math.max(0, agent.budget_usd - agent.spent_usd - agent.reserved_usd)),
    waiting_calls: agent.waiting_calls,
    tasks: { queued: agent.queued, running: agent.running, done: agent.done, failed: agent.failed, cancelled: agent.cancelled },
  };
}

/** One sentence on an agent that cannot take its task now, or undefined when it can. */
export function agentWarning(agent: AgentStatus): string | undefined {
  const view = agentView(agent);
  if (view.paused_for_budget) {
    const spent = ` It has spent $${view.spent_usd} of its $${view.budget_usd} budget.`;
    return (
      `Agent "${agent.name}" is paused at its budget, so its tasks wait in the queue.${spent} Only the user can raise ` +
      `the budget (codex fleet resume ${agent.name} --add <usd>); ask them, or give the task to another agent. ` +
      `Fleet's reason: ${agent.reason ?? ''}`
    );
  }
  if (agent.state === 'paused') return `Agent "${agent.name}" is paused (${agent.reason ?? 'no reason given'}), so its tasks wait in the queue until resume_agent.`;
  if (agent.state === 'errored') {
    return `Agent "${agent.name}" is errored and runs no tasks: ${agent.reason ?? 'no reason given'}. Its tasks wait in the queue; the user must fix the cause, then resume_agent.`;
  }
  if (agent.state === 'stopped') return `Agent "${agent.name}" is stopped (${agent.reason ?? 'killed'}), so its tasks wait in the queue until resume_agent.`;
  return undefined;
}
