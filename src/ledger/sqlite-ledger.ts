/**
 * The local Ledger: two tables in the supervisor's journal (the same SQLite database and the same group
 * commit as the tasks), plus balances in memory so a reservation's check and hold are one synchronous
 * step: two concurrent calls can never both see room that only one of them fits in.
 *
 * - `ledger_entries`: one row per call: pending → posted | voided | unsettled.
 * - `ledger_log`: append-only, one row per change, with the agent's spent and reserved after it: the
 *   history from which "spent + reserved never passed the budget" can be checked.
 * - `budget_overrides`: budgets set by `codex fleet resume AGENT --budget`.
 *
 * Callers act on a change (send the call) only after `durable()`: a crash never loses a reservation whose
 * call was sent. A reservation found pending at start belonged to a call that may have been served:
 * `recover()` marks it unsettled and keeps it charged.
 *
 * The one change that need not be on disk before it is acted on is a post within its reservation (see
 * `Ledger.post`): it rides with the journal's next commit (`writeLater`), usually the next call's
 * reservation, instead of costing a commit of its own.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Balance, BreakdownRow, Breakdown, BudgetOverride, Ledger, LedgerEntry, LedgerUsage, PostOutcome, ReserveOutcome, ReserveRequest } from './ledger.js';
import type { Micro } from './ledger.js';

/** What the ledger needs of the journal it lives in. */
export interface SharedJournal {
  readonly db: Database.Database;
  /** Runs `fn` inside the journal's group transaction (committed at the end of this turn). */
  write<T>(fn: () => T): T;
  /**
   * Runs `fn` inside the journal's group transaction, committed with the next commit anyone asks for
   * (or a few milliseconds later): for changes whose loss in a crash is covered by what is on disk.
   */
  writeLater<T>(fn: () => T): T;
  durable(): Promise<void>;
}

interface EntryRow {
  id: string;
  agent: string;
  task_id: string | null;
  model: string;
  state: LedgerEntry['state'];
  reserved: number;
  charged: number;
  input_tokens: number | null;
  cached_input_tokens: number | null;
  output_tokens: number | null;
  reasoning_tokens: number | null;
  over_reservation: number;
  note: string | null;
  created_at: number;
  settled_at: number | null;
}

function toEntry(row: EntryRow): LedgerEntry {
  return Object.freeze({
    id: row.id,
    agent: row.agent,
    task_id: row.task_id,
    model: row.model,
    state: row.state,
    reserved: row.reserved,
    charged: row.charged,
    usage:
      row.input_tokens === null
        ? null
        : {
            input_tokens: row.input_tokens,
            cached_input_tokens: row.cached_input_tokens ?? 0,
            output_tokens: row.output_tokens ?? 0,
            reasoning_tokens: row.reasoning_tokens ?? 0,
          },
    over_reservation: row.over_reservation === 1,
    note: row.note,
    created_at: row.created_at,
    settled_at: row.settled_at,
  });
}

interface MutableBalance {
  spent: Micro;
  reserved: Micro;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  unsettled: number;
}

const zero = (): MutableBalance => ({ spent: 0, reserved: 0, calls: 0, input_tokens: 0, output_tokens: 0, unsettled: 0 });

/** The ledger's tables in the journal's database (idempotent). The journal also runs this before it
 * copies a damaged journal's readable rows, so spend records survive a recovery. */
export function createLedgerTables(db: Database.Database): void {
  db.exec(`
      CREATE TABLE IF NOT EXISTS ledger_entries (
        id TEXT PRIMARY KEY,
        agent TEXT NOT NULL,
        task_id TEXT,
        model TEXT NOT NULL,
        state TEXT NOT NULL,
        reserved INTEGER NOT NULL,
        charged INTEGER NOT NULL,
        input_tokens INTEGER,
        cached_input_tokens INTEGER,
        output_tokens INTEGER,
        reasoning_tokens INTEGER,
        over_reservation INTEGER NOT NULL DEFAULT 0,
        note TEXT,
        created_at INTEGER NOT NULL,
        settled_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS ledger_entries_by_agent ON ledger_entries (agent, state);
      CREATE TABLE IF NOT EXISTS ledger_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        entry_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        kind TEXT NOT NULL,
        spent_delta INTEGER NOT NULL,
        reserved_delta INTEGER NOT NULL,
        agent_spent INTEGER NOT NULL,
        agent_reserved INTEGER NOT NULL,
        agent_budget INTEGER,
        at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS budget_overrides (
        agent TEXT PRIMARY KEY,
        budget INTEGER NOT NULL,
        spec_budget INTEGER NOT NULL,
        set_at INTEGER NOT NULL
      );
  `);
}

export class SqliteLedger implements Ledger {
  private readonly db: Database.Database;
  private readonly balances = new Map<string, MutableBalance>();
  private readonly fleet = zero();
  /** Each reservation made by this process and not settled yet, as its row reads (settling needs it). */
  private readonly pendingRows = new Map<string, EntryRow>();
  /** Reservation ids: this process's random prefix and a counter (no random bytes per call). */
  private readonly idPrefix = randomBytes(4).toString('hex');
  private nextId = 0;
  /**
   * Budget overrides as read or written by this process (null: none), so a model call's budget check
   * (two or three per call) reads memory instead of the table. Only this ledger writes the table.
   */
  private readonly overrides = new Map<string, BudgetOverride | null>();
  private readonly statements;

  constructor(
    private readonly journal: SharedJournal,
    private readonly clock: () => number = Date.now,
  ) {
    this.db = journal.db;
    createLedgerTables(this.db);
    this.statements = {
      insert: this.db.prepare(
        `INSERT INTO ledger_entries (id, agent, task_id, model, state, reserved, charged, created_at)
         VALUES (?, ?, ?, ?, 'pending', ?, 0, ?)`,
      ),
      settle: this.db.prepare(
        `UPDATE ledger_entries SET state = @state, charged = @charged, input_tokens = @input_tokens,
           cached_input_tokens = @cached_input_tokens, output_tokens = @output_tokens, reasoning_tokens = @reasoning_tokens,
           over_reservation = @over_reservation, note = @note, settled_at = @settled_at
         WHERE id = @id AND state = 'pending'`,
      ),
      get: this.db.prepare<[string], EntryRow>('SELECT * FROM ledger_entries WHERE id = ?'),
      pending: this.db.prepare<[], EntryRow>(`SELECT * FROM ledger_entries WHERE state = 'pending'`),
      log: this.db.prepare(
        `INSERT INTO ledger_log (entry_id, agent, kind, spent_delta, reserved_delta, agent_spent, agent_reserved, agent_budget, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      getOverride: this.db.prepare<[string], { budget: number; spec_budget: number; set_at: number }>(
        'SELECT budget, spec_budget, set_at FROM budget_overrides WHERE agent = ?',
      ),
      setOverride: this.db.prepare(
        `INSERT INTO budget_overrides (agent, budget, spec_budget, set_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(agent) DO UPDATE SET budget = excluded.budget, spec_budget = excluded.spec_budget, set_at = excluded.set_at`,
      ),
      clearOverride: this.db.prepare('DELETE FROM budget_overrides WHERE agent = ?'),
    };
    this.load();
  }

  private load(): void {
    const rows = this.db
      .prepare<[], { agent: string; state: LedgerEntry['state']; reserved: number; charged: number; n: number; input: number | null; output: number | null }>(
        `SELECT agent, state, SUM(reserved) AS reserved, SUM(charged) AS charged, COUNT(*) AS n,
                SUM(input_tokens) AS input, SUM(output_tokens) AS output
         FROM ledger_entries GROUP BY agent, state`,
      )
      .all();
    for (const row of rows) {
      const b = this.balanceOf(row.agent);
      for (const target of [b, this.fleet]) {
        if (row.state === 'pending') target.reserved += row.reserved;
        else target.spent += row.charged;
        if (row.state !== 'voided') target.calls += row.n;
        if (row.state === 'unsettled') target.unsettled += row.n;
        target.input_tokens += row.input ?? 0;
        target.output_tokens += row.output ?? 0;
      }
    }
  }

  private balanceOf(agent: string): MutableBalance {
    let b = this.balances.get(agent);
    if (!b) this.balances.set(agent, (b = zero()));
    return b;
  }

  reserve(request: ReserveRequest): ReserveOutcome {
    const b = this.balanceOf(request.agent);
    const amount = request.amount;
    if (b.spent + b.reserved + amount > request.limit.agent) {
      return { ok: false, scope: 'agent', budget: request.limit.agent, spent: b.spent, reserved: b.reserved, needed: amount };
    }
    const fleetLimit = request.limit.fleet;
    if (fleetLimit !== undefined && this.fleet.spent + this.fleet.reserved + amount > fleetLimit) {
      return { ok: false, scope: 'fleet', budget: fleetLimit, spent: this.fleet.spent, reserved: this.fleet.reserved, needed: amount };
    }
    const now = this.clock();
    const id = `r${now.toString(36)}${this.idPrefix}${(this.nextId++).toString(36)}`;
    for (const target of [b, this.fleet]) {
      target.reserved += amount;
      target.calls += 1;
    }
    this.journal.write(() => {
      this.statements.insert.run(id, request.agent, request.task_id, request.model, amount, now);
      this.statements.log.run(id, request.agent, 'reserve', 0, amount, b.spent, b.reserved, request.limit.agent, now);
    });
    this.pendingRows.set(id, {
      id, agent: request.agent, task_id: request.task_id, model: request.model, state: 'pending', reserved: amount, charged: 0,
      input_tokens: null, cached_input_tokens: null, output_tokens: null, reasoning_tokens: null, over_reservation: 0, note: null,
      created_at: now, settled_at: null,
    });
    return { ok: true, id };
  }

  private settle(
    id: string,
    state: 'posted' | 'voided' | 'unsettled',
    charge: (reserved: Micro) => Micro,
    usage: LedgerUsage | null,
    note: string | null,
  ): LedgerEntry | undefined {
    // Made by this process (known without a read), or by an earlier supervisor (recover), or not pending any more.
    const pending = this.pendingRows.get(id) ?? this.statements.get.get(id);
    if (!pending || pending.state !== 'pending') return undefined;
    const reserved = pending.reserved;
    const charged = charge(reserved);
    const over = charged > reserved;
    const now = this.clock();
    // A post within its reservation may be lost in a crash without losing a cent: the reservation stays
    // pending on disk, and recover() charges all of it, never less than this post. And it stays ahead of
    // everything that uses the room it frees: that is written after it, so committed with it or later.
    // Anything else (more than reserved, a void that charges less, a note of why no usage came) is
    // committed at the end of this turn, like every other change.
    const lossCovered = state === 'posted' && !over;
    const updated: EntryRow = {
      ...pending,
      state,
      charged,
      input_tokens: usage?.input_tokens ?? null,
      cached_input_tokens: usage?.cached_input_tokens ?? null,
      output_tokens: usage?.output_tokens ?? null,
      reasoning_tokens: usage?.reasoning_tokens ?? null,
      over_reservation: over ? 1 : 0,
      note,
      settled_at: now,
    };
    const apply = (): EntryRow | undefined => {
      const { changes } = this.statements.settle.run(updated);
      this.pendingRows.delete(id);
      if (changes === 0) return undefined;
      const b = this.balanceOf(updated.agent);
      for (const target of [b, this.fleet]) {
        target.reserved -= updated.reserved;
        target.spent += charged;
        if (state === 'voided') target.calls -= 1;
        if (state === 'unsettled') target.unsettled += 1;
        target.input_tokens += usage?.input_tokens ?? 0;
        target.output_tokens += usage?.output_tokens ?? 0;
      }
      this.statements.log.run(id, updated.agent, state, charged, -updated.reserved, b.spent, b.reserved, null, now);
      return updated;
    };
    const row = lossCovered ? this.journal.writeLater(apply) : this.journal.write(apply);
    return row ? toEntry(row) : undefined;
  }

  post(id: string, charge: Micro, usage: LedgerUsage): PostOutcome {
    const entry = this.settle(id, 'posted', () => charge, usage, null);
    if (!entry) throw new Error(`No pending reservation "${id}" in the ledger`);
    return { entry, over_reservation: entry.over_reservation };
  }

  void(id: string, note: string): LedgerEntry | undefined {
    return this.settle(id, 'voided', () => 0, null, note);
  }

  unsettle(id: string, note: string): LedgerEntry | undefined {
    return this.settle(id, 'unsettled', (reserved) => reserved, null, note);
  }

  durable(): Promise<void> {
    return this.journal.durable();
  }

  balance(agent: string): Balance {
    return { ...this.balanceOf(agent) };
  }

  fleetBalance(): Balance {
    return { ...this.fleet };
  }

  breakdown(by: Breakdown, agent?: string): BreakdownRow[] {
    const column = by === 'agent' ? 'agent' : by === 'model' ? 'model' : "COALESCE(task_id, '-')";
    const rows = this.db
      .prepare(
        `SELECT ${column} AS key,
           SUM(CASE WHEN state IN ('posted', 'unsettled') THEN charged ELSE 0 END) AS spent,
           SUM(CASE WHEN state = 'pending' THEN reserved ELSE 0 END) AS reserved,
           SUM(CASE WHEN state = 'voided' THEN 0 ELSE 1 END) AS calls,
           COALESCE(SUM(input_tokens), 0) AS input_tokens,
           COALESCE(SUM(output_tokens), 0) AS output_tokens,
           SUM(CASE WHEN state = 'unsettled' THEN 1 ELSE 0 END) AS unsettled
         FROM ledger_entries ${agent === undefined ? '' : 'WHERE agent = ?'}
         GROUP BY key ORDER BY spent DESC, key`,
      )
      .all(...(agent === undefined ? [] : [agent])) as BreakdownRow[];
    return rows;
  }

  entries(filter: { agent?: string; limit?: number } = {}): LedgerEntry[] {
    const limit = Math.max(1, Math.min(filter.limit ?? 1000, 100_000));
    const rows = (
      filter.agent === undefined
        ? this.db.prepare(`SELECT * FROM ledger_entries ORDER BY rowid DESC LIMIT ${limit}`).all()
        : this.db.prepare(`SELECT * FROM ledger_entries WHERE agent = ? ORDER BY rowid DESC LIMIT ${limit}`).all(filter.agent)
    ) as EntryRow[];
    return rows.map(toEntry);
  }

  recover(): LedgerEntry[] {
    const out: LedgerEntry[] = [];
    for (const row of this.statements.pending.all()) {
      const entry = this.unsettle(row.id, 'the supervisor stopped during the call: no usage was reported, the whole reservation stays charged');
      if (entry) out.push(entry);
    }
    return out;
  }

  budgetOverride(agent: string): BudgetOverride | undefined {
    let override = this.overrides.get(agent);
    if (override === undefined) {
      const row = this.statements.getOverride.get(agent);
      override = row === undefined ? null : Object.freeze({ budget: row.budget, spec_budget: row.spec_budget, set_at: row.set_at });
      this.overrides.set(agent, override);
    }
    return override ?? undefined;
  }

  setBudgetOverride(agent: string, budget: Micro, specBudget: Micro): void {
    const setAt = this.clock();
    this.journal.write(() => this.statements.setOverride.run(agent, budget, specBudget, setAt));
    this.overrides.set(agent, Object.freeze({ budget, spec_budget: specBudget, set_at: setAt }));
  }

  clearBudgetOverride(agent: string): void {
    this.journal.write(() => this.statements.clearOverride.run(agent));
    this.overrides.set(agent, null);
  }
}
