/**
 * What the overlay shows, as plain data: built from `fleet/status` answers and fleet events, with no
 * terminal in sight, so the components only lay it out. Spend fields are optional: a fleet without a
 * model gateway reports none, and the view then shows counts only.
 */
import type { AgentStatus, FleetEvent, FleetStatus } from '../control/methods.js';

/** Spend fields of an agent's status, when the fleet meters model calls. */
export interface AgentSpend {
  spent_usd?: number;
  reserved_usd?: number;
  budget_usd?: number;
  calls?: number;
  input_tokens?: number;
  output_tokens?: number;
  waiting_calls?: number;
}

export interface AgentRow {
  readonly name: string;
  readonly state: AgentStatus['state'];
  readonly reason: string | null;
  readonly busy: number;
  readonly workers: number;
  readonly concurrency: number;
  /** `t123… 40% reading files`: the task a worker runs now, with its last progress line. */
  readonly task: string | null;
  readonly done: number;
  readonly failed: number;
  readonly queued: number;
  readonly running: number;
  readonly budgetUsd: number;
  readonly spentUsd: number | undefined;
  readonly reservedUsd: number | undefined;
  readonly calls: number | undefined;
  readonly tokens: number | undefined;
}

export interface Totals {
  readonly spentUsd: number | undefined;
  /** The fleet budget from codex-fleet.yaml, else the sum of the agents' budgets. */
  readonly budgetUsd: number;
  readonly budgetIsFleet: boolean;
  readonly calls: number | undefined;
  readonly tokens: number | undefined;
}

export type NoticeKind = 'budget' | 'error' | 'commit' | 'fleet';

export interface Notice {
  readonly id: number;
  readonly time: number;
  readonly kind: NoticeKind;
  readonly agent: string | undefined;
  /** Raw text (may hold worker text): the components escape it. */
  readonly text: string;
  /** The exact command that continues, for a pause at the budget. */
  readonly command: string | undefined;
}

export interface FleetView {
  readonly connected: boolean;
  readonly pid: number | undefined;
  readonly stateDir: string | undefined;
  readonly sandbox: 'enforced' | 'disabled' | undefined;
  readonly agents: readonly AgentRow[];
  readonly totals: Totals;
  readonly notices: readonly Notice[];
  readonly stopping: boolean;
  readonly stopped: boolean;
}

export const EMPTY_VIEW: FleetView = Object.freeze({
  connected: false,
  pid: undefined,
  stateDir: undefined,
  sandbox: undefined,
  agents: [],
  totals: { spentUsd: undefined, budgetUsd: 0, budgetIsFleet: false, calls: undefined, tokens: undefined },
  notices: [],
  stopping: false,
  stopped: false,
});

/** A running task as a row shows it. */
export interface CurrentTask {
  readonly id: string;
  readonly progress: string | null;
}

/** Fleet totals as `fleet/status` may carry them. */
interface StatusTotals {
  spent_usd?: number;
  budget_usd?: number | null;
  calls?: number;
  input_tokens?: number;
  output_tokens?: number;
}

function sumOf(rows: readonly AgentRow[], pick: (row: AgentRow) => number | undefined): number | undefined {
  let total: number | undefined;
  for (const row of rows) {
    const v = pick(row);
    if (v !== undefined) total = (total ?? 0) + v;
  }
  return total;
}

function taskLabel(task: CurrentTask | undefined): string | null {
  if (!task) return null;
  return task.progress ? `${task.id} ${task.progress}` : task.id;
}

/** The rows and totals of a `fleet/status` answer; the current tasks come from events. */
export function fromStatus(view: FleetView, status: FleetStatus, current: ReadonlyMap<string, CurrentTask>): FleetView {
  const agents = status.agents.map((a): AgentRow => {
    const spend = a as AgentStatus & AgentSpend;
    const tokens = spend.input_tokens === undefined && spend.output_tokens === undefined ? undefined : (spend.input_tokens ?? 0) + (spend.output_tokens ?? 0);
    return {
      name: a.name,
      state: a.state,
      reason: a.reason,
      busy: a.worker_states.filter((s) => s === 'busy').length,
      workers: a.workers,
      concurrency: a.concurrency,
      task: taskLabel(current.get(a.name)),
      done: a.done,
      failed: a.failed,
      queued: a.queued,
      running: a.running,
      budgetUsd: spend.budget_usd ?? a.cost_budget,
      spentUsd: spend.spent_usd,
      reservedUsd: spend.reserved_usd,
      calls: spend.calls,
      tokens,
    };
  });
  const t = (status as FleetStatus & { totals?: StatusTotals }).totals;
  const fleetBudget = t?.budget_usd ?? null;
  const totals: Totals = {
    spentUsd: t?.spent_usd ?? sumOf(agents, (r) => r.spentUsd),
    budgetUsd: fleetBudget ?? agents.reduce((sum, r) => sum + r.budgetUsd, 0),
    budgetIsFleet: fleetBudget !== null,
    calls: t?.calls ?? sumOf(agents, (r) => r.calls),
    tokens: t?.input_tokens !== undefined || t?.output_tokens !== undefined ? (t.input_tokens ?? 0) + (t.output_tokens ?? 0) : sumOf(agents, (r) => r.tokens),
  };
  return { ...view, connected: true, pid: status.pid, stateDir: status.state_dir, sandbox: status.sandbox, agents, totals };
}

/** The task label of one agent changed (an event arrived before the next status). */
export function withTask(view: FleetView, agent: string, task: CurrentTask | undefined): FleetView {
  const label = taskLabel(task);
  if (!view.agents.some((a) => a.name === agent && a.task !== label)) return view;
  return { ...view, agents: view.agents.map((a) => (a.name === agent ? { ...a, task: label } : a)) };
}

/** `codex fleet resume NAME --add 1.00`: the first quoted resume command in a message. */
export function resumeCommand(message: string): string | undefined {
  return /"(codex fleet resume [^"]+)"/.exec(message)?.[1];
}

/** The notification an event deserves, if any. */
export function noticeOf(event: FleetEvent, id: number): Notice | undefined {
  const base = { id, time: event.time, agent: event.agent };
  const who = event.agent ?? 'fleet';
  switch (event.type) {
    case 'agent.budget': {
      // Both a pause at the budget and a raised budget arrive as agent.budget; only a pause names a command.
      const command = resumeCommand(event.message);
      return { ...base, kind: command ? 'budget' : 'fleet', text: `${who}: ${event.message}`, command };
    }
    case 'agent.state': {
      const state = (event.data as { state?: unknown } | undefined)?.state;
      if (state !== 'errored') return undefined;
      return { ...base, kind: 'error', text: `${who} errored: ${event.message.replace(/^errored: /, '')}`, command: undefined };
    }
    case 'commit.landed':
    case 'commit.branch':
      return { ...base, kind: 'commit', text: `${who}: ${event.message}`, command: undefined };
    case 'commit.refused':
      return { ...base, kind: 'error', text: `${who}: ${event.message}`, command: undefined };
    case 'fleet.error':
    case 'ledger.unsettled':
      return { ...base, kind: 'error', text: `${who}: ${event.message}`, command: undefined };
    default:
      return undefined;
  }
}

/** Running tasks by agent, from a `tasks/list` of running tasks (when the view attaches mid-run). */
export function currentFromTasks(tasks: readonly { id: string; agent: string; state: string }[]): Map<string, CurrentTask> {
  const current = new Map<string, CurrentTask>();
  for (const t of tasks) if (t.state === 'running' && !current.has(t.agent)) current.set(t.agent, { id: t.id, progress: null });
  return current;
}
