/**
 * What a main agent sees of one fleet agent: the control API's status, reduced to what a model needs
 * to choose an agent and to understand why its tasks wait. The spend fields come from the fleet's
 * ledger; a fleet without them shows only the budget.
 */
import type { AgentStatus } from '../control/methods.js';

/** The ledger's fields of an agent's status (present when the fleet meters model calls). */
export interface AgentMoney {
  readonly budget_usd?: number;
  readonly budget_source?: 'spec' | 'override';
  readonly spent_usd?: number;
  readonly reserved_usd?: number;
  readonly calls?: number;
  readonly waiting_calls?: number;
}

export type AgentStatusWithMoney = AgentStatus & AgentMoney & { readonly role?: string };

export interface AgentView {
  readonly name: string;
  readonly role: string | null;
  readonly model: string;
  readonly state: AgentStatus['state'];
  /** Why it is paused, errored or stopped. */
  readonly reason: string | null;
  /** True when it is paused because it reached its budget: its tasks wait until the user raises it. */
  readonly paused_for_budget: boolean;
  readonly budget_usd: number;
  readonly spent_usd: number | null;
  readonly reserved_usd: number | null;
  readonly budget_left_usd: number | null;
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

export function agentView(agent: AgentStatusWithMoney): AgentView {
  const budget = agent.budget_usd ?? agent.cost_budget;
  const spent = agent.spent_usd ?? null;
  const reserved = agent.reserved_usd ?? null;
  return {
    name: agent.name,
    role: agent.role ?? null,
    model: agent.model,
    state: agent.state,
    reason: agent.reason,
    paused_for_budget: isBudgetPause(agent),
    budget_usd: usd(budget),
    spent_usd: spent === null ? null : usd(spent),
    reserved_usd: reserved === null ? null : usd(reserved),
    budget_left_usd: spent === null ? null : usd(Math.max(0, budget - spent - (reserved ?? 0))),
    tasks: { queued: agent.queued, running: agent.running, done: agent.done, failed: agent.failed, cancelled: agent.cancelled },
  };
}

/** One sentence on an agent that cannot take its task now, or undefined when it can. */
export function agentWarning(agent: AgentStatusWithMoney): string | undefined {
  const view = agentView(agent);
  if (view.paused_for_budget) {
    const spent = view.spent_usd === null ? '' : ` It has spent $${view.spent_usd} of its $${view.budget_usd} budget.`;
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
