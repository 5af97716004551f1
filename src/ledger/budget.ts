/**
 * Which budget is in force for an agent: the spec's `cost_budget`, or an override written by
 * `codex fleet resume AGENT --budget X` / `--add X`. An override wins until the spec's own value changes
 * (the user edited the spec since: the edit is the newer decision).
 *
 * @example
 * ```ts
 * budgetInForce(usdToPico(0.5), { budget: usdToPico(2), spec_budget: usdToPico(0.5), set_at: 0 });
 * // { budget: usdToPico(2), source: 'override', why: 'set by "codex fleet resume" …' }
 * ```
 */
import type { BudgetOverride } from './ledger.js';
import { formatMicroUsd as formatUsd } from '../pricing/money.js';
import type { Micro } from './ledger.js';

export interface BudgetInForce {
  readonly budget: Micro;
  readonly source: 'spec' | 'override';
  /** One sentence for status. */
  readonly why: string;
  /** The override no longer applies because the spec changed: it can be deleted. */
  readonly staleOverride: boolean;
}

export function budgetInForce(specBudget: Micro, override: BudgetOverride | undefined): BudgetInForce {
  if (override === undefined) return { budget: specBudget, source: 'spec', why: 'cost_budget in the agent spec', staleOverride: false };
  if (override.spec_budget !== specBudget) {
    return {
      budget: specBudget,
      source: 'spec',
      why: `cost_budget in the agent spec (changed from ${formatUsd(override.spec_budget)} since the override of ${formatUsd(override.budget)} was set, so the spec wins)`,
      staleOverride: true,
    };
  }
  return {
    budget: override.budget,
    source: 'override',
    why: `set by "codex fleet resume" at ${new Date(override.set_at).toISOString()}; wins until the spec's cost_budget (${formatUsd(specBudget)}) changes`,
    staleOverride: false,
  };
}
