/**
 * The ledger: every model call's money, two-phase. Before a call, `reserve` holds its worst case against
 * the agent's budget (and the fleet's) and refuses when it does not fit; after the call, `post` charges
 * what the provider reported and releases the rest, `void` releases it all (the provider refused the call
 * and charges nothing), and `unsettle` keeps the whole reservation charged when no usage came back (a cut
 * stream, a crash). "Spent" (posted and unsettled) and "reserved" (pending) are kept apart and are both
 * visible at every moment.
 *
 * The supervisor talks to the ledger only through this interface; the local implementation keeps it in
 * the journal (sqlite-ledger.ts). A shared one for several machines can implement the same interface.
 */

/** Whole micro-dollars (1e-6 USD): the unit every charge is made in (see src/pricing). */
export type Micro = number;

export type EntryState = 'pending' | 'posted' | 'voided' | 'unsettled';

export interface LedgerUsage {
  readonly input_tokens: number;
  readonly cached_input_tokens: number;
  readonly output_tokens: number;
  readonly reasoning_tokens: number;
}

export interface LedgerEntry {
  readonly id: string;
  readonly agent: string;
  readonly task_id: string | null;
  readonly model: string;
  readonly state: EntryState;
  /** The worst case held while pending. */
  readonly reserved: Micro;
  /** What counts as spent: the reported cost when posted, the whole reservation when unsettled. */
  readonly charged: Micro;
  readonly usage: LedgerUsage | null;
  /** The provider reported more than was reserved (recorded as reported). */
  readonly over_reservation: boolean;
  readonly note: string | null;
  readonly created_at: number;
  readonly settled_at: number | null;
}

export interface Balance {
  /** Posted and unsettled charges. */
  readonly spent: Micro;
  /** Pending reservations. */
  readonly reserved: Micro;
  /** Calls reserved (all states but voided). */
  readonly calls: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
  /** Calls whose usage never came back (their whole reservation is charged). */
  readonly unsettled: number;
}

export interface BudgetLimit {
  /** The agent's budget in force. */
  readonly agent: Micro;
  /** The fleet-wide budget, if configured. */
  readonly fleet?: Micro;
}

export interface ReserveRequest {
  readonly agent: string;
  readonly task_id: string | null;
  readonly model: string;
  readonly amount: Micro;
  readonly limit: BudgetLimit;
}

export type ReserveOutcome =
  | { readonly ok: true; readonly id: string }
  | {
      readonly ok: false;
      /** Which budget is short. */
      readonly scope: 'agent' | 'fleet';
      readonly budget: Micro;
      readonly spent: Micro;
      readonly reserved: Micro;
      readonly needed: Micro;
    };

export interface PostOutcome {
  readonly entry: LedgerEntry;
  /** The charge was more than the reservation. */
  readonly over_reservation: boolean;
}

export interface BudgetOverride {
  readonly budget: Micro;
  /** The spec's `cost_budget` when the override was written: a changed spec value wins again. */
  readonly spec_budget: Micro;
  readonly set_at: number;
}

export type Breakdown = 'agent' | 'model' | 'task';

export interface BreakdownRow extends Balance {
  readonly key: string;
}

export interface Ledger {
  /**
   * Holds `amount` against the agent's (and the fleet's) budget if spent + reserved + amount fits both;
   * the check and the hold are one step. The hold is on disk once `durable()` resolves: send the call
   * only after that.
   */
  reserve(request: ReserveRequest): ReserveOutcome;
  /**
   * pending → posted at `charge` (the reported usage's cost, possibly above the reservation: flagged).
   * A post within its reservation may reach the disk only with the next change's commit, so the caller
   * may act on it (answer the worker) without waiting: if a crash loses it, the reservation is still
   * pending on disk and `recover()` charges all of it, never less. A post above its reservation is on
   * disk once `durable()` resolves: wait for that before acting on it.
   */
  post(id: string, charge: Micro, usage: LedgerUsage): PostOutcome;
  /** pending → voided: nothing charged (the provider refused the call). */
  void(id: string, note: string): LedgerEntry | undefined;
  /** pending → unsettled: no usage came back, the whole reservation stays charged. */
  unsettle(id: string, note: string): LedgerEntry | undefined;
  /** Resolves once every change so far is on disk. */
  durable(): Promise<void>;
  balance(agent: string): Balance;
  fleetBalance(): Balance;
  breakdown(by: Breakdown, agent?: string): BreakdownRow[];
  entries(filter?: { agent?: string; limit?: number }): LedgerEntry[];
  /** After an unclean stop: reservations left pending are marked unsettled (still charged). */
  recover(): LedgerEntry[];
  budgetOverride(agent: string): BudgetOverride | undefined;
  setBudgetOverride(agent: string, budget: Micro, specBudget: Micro): void;
  clearBudgetOverride(agent: string): void;
}
