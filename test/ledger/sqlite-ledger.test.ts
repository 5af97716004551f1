import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteLedger } from '../../src/ledger/sqlite-ledger.js';
import { usdToMicro as usdToPico } from '../../src/pricing/money.js';
import { LATER_COMMIT_MS, SqliteJournal } from '../../src/supervisor/journal.js';

let dir: string;
let journal: SqliteJournal;
let ledger: SqliteLedger;
const usage = { input_tokens: 100, cached_input_tokens: 0, output_tokens: 20, reasoning_tokens: 0 };
const limit = { agent: usdToPico(1) };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-ledger-'));
  journal = new SqliteJournal(join(dir, 'journal.db'));
  ledger = new SqliteLedger(journal.shared());
});
afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

function reopen(): SqliteLedger {
  journal.close();
  journal = new SqliteJournal(join(dir, 'journal.db'));
  return (ledger = new SqliteLedger(journal.shared()));
}

describe('SqliteLedger', () => {
  it('holds a reservation, then posts the reported cost and releases the rest', async () => {
    const r = ledger.reserve({ agent: 'a', task_id: 't1', model: 'm', amount: usdToPico(0.4), limit });
    expect(r.ok).toBe(true);
    expect(ledger.balance('a')).toMatchObject({ spent: 0, reserved: usdToPico(0.4), calls: 1 });
    if (!r.ok) return;
    const posted = ledger.post(r.id, usdToPico(0.1), usage);
    expect(posted.over_reservation).toBe(false);
    expect(ledger.balance('a')).toMatchObject({ spent: usdToPico(0.1), reserved: 0, calls: 1, input_tokens: 100, output_tokens: 20 });
    await ledger.durable();
    expect(reopen().balance('a')).toMatchObject({ spent: usdToPico(0.1), reserved: 0, calls: 1 });
  });

  it('refuses a reservation that does not fit next to what is spent and reserved, and says by how much', () => {
    const first = ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: usdToPico(0.7), limit });
    expect(first.ok).toBe(true);
    const second = ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: usdToPico(0.31), limit });
    expect(second).toEqual({ ok: false, scope: 'agent', budget: usdToPico(1), spent: 0, reserved: usdToPico(0.7), needed: usdToPico(0.31) });
    expect(ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: usdToPico(0.3), limit }).ok).toBe(true);
  });

  it('refuses on the fleet budget across agents', () => {
    const fleetLimit = { agent: usdToPico(1), fleet: usdToPico(0.5) };
    expect(ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: usdToPico(0.3), limit: fleetLimit }).ok).toBe(true);
    const b = ledger.reserve({ agent: 'b', task_id: null, model: 'm', amount: usdToPico(0.3), limit: fleetLimit });
    expect(b).toMatchObject({ ok: false, scope: 'fleet', reserved: usdToPico(0.3) });
  });

  it('records more usage than reserved as reported, flagged', () => {
    const r = ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: 1000, limit });
    if (!r.ok) throw new Error('no room');
    const posted = ledger.post(r.id, 5000, usage);
    expect(posted.over_reservation).toBe(true);
    expect(posted.entry).toMatchObject({ state: 'posted', charged: 5000, reserved: 1000, over_reservation: true });
    expect(ledger.balance('a')).toMatchObject({ spent: 5000, reserved: 0 });
  });

  it('voids a refused call and keeps an unreported one charged, marked unsettled', () => {
    const a = ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: 1000, limit });
    const b = ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: 3000, limit });
    if (!a.ok || !b.ok) throw new Error('no room');
    expect(ledger.void(a.id, 'HTTP 400')).toMatchObject({ state: 'voided', charged: 0 });
    expect(ledger.unsettle(b.id, 'stream cut')).toMatchObject({ state: 'unsettled', charged: 3000, usage: null });
    expect(ledger.balance('a')).toEqual({ spent: 3000, reserved: 0, calls: 1, input_tokens: 0, output_tokens: 0, unsettled: 1 });
    expect(ledger.unsettle(b.id, 'again')).toBeUndefined(); // settled once only
  });

  it('after a crash, marks pending reservations unsettled and keeps them charged', async () => {
    const r = ledger.reserve({ agent: 'a', task_id: 't9', model: 'm', amount: 4242, limit });
    if (!r.ok) throw new Error('no room');
    await ledger.durable();
    const recovered = reopen().recover();
    expect(recovered.map((e) => [e.id, e.state, e.charged])).toEqual([[r.id, 'unsettled', 4242]]);
    expect(ledger.balance('a')).toMatchObject({ spent: 4242, reserved: 0, unsettled: 1 });
  });

  it('keeps a budget override across restarts', async () => {
    ledger.setBudgetOverride('a', usdToPico(2), usdToPico(0.5));
    await ledger.durable();
    expect(reopen().budgetOverride('a')).toMatchObject({ budget: usdToPico(2), spec_budget: usdToPico(0.5) });
  });

  it('answers an override as last set or cleared, and the table says the same after a restart', async () => {
    expect(ledger.budgetOverride('a')).toBeUndefined();
    ledger.setBudgetOverride('a', usdToPico(3), usdToPico(1));
    expect(ledger.budgetOverride('a')).toMatchObject({ budget: usdToPico(3), spec_budget: usdToPico(1) });
    ledger.clearBudgetOverride('a');
    expect(ledger.budgetOverride('a')).toBeUndefined();
    ledger.setBudgetOverride('b', usdToPico(4), usdToPico(1));
    await ledger.durable();
    const again = reopen();
    expect(again.budgetOverride('a')).toBeUndefined();
    expect(again.budgetOverride('b')).toEqual(ledger.budgetOverride('b'));
  });

  it('settles a reservation a previous supervisor made (not one of its own) from the table, once', async () => {
    const r = ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: 700, limit });
    if (!r.ok) throw new Error('no room');
    await ledger.durable();
    const again = reopen();
    expect(again.post(r.id, 300, usage).entry).toMatchObject({ state: 'posted', reserved: 700, charged: 300 });
    expect(again.balance('a')).toMatchObject({ spent: 300, reserved: 0 });
    expect(again.void(r.id, 'twice')).toBeUndefined();
  });

  it('breaks spending down by model and task', () => {
    for (const [model, task] of [['m1', 't1'], ['m1', 't2'], ['m2', 't2']] as const) {
      const r = ledger.reserve({ agent: 'a', task_id: task, model, amount: 100, limit });
      if (r.ok) ledger.post(r.id, 10, usage);
    }
    expect(ledger.breakdown('model').map((r) => [r.key, r.spent, r.calls])).toEqual([['m1', 20, 2], ['m2', 10, 1]]);
    expect(ledger.breakdown('task').map((r) => [r.key, r.spent])).toEqual([['t2', 20], ['t1', 10]]);
  });

  it('writes a post within its reservation with the next commit, or on its own a few milliseconds later', async () => {
    const r = ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: 700, limit });
    if (!r.ok) throw new Error('no room');
    await ledger.durable();
    ledger.post(r.id, 300, usage);
    const onDisk = (): string[] => {
      const db = new Database(join(dir, 'journal.db'), { readonly: true });
      try {
        return (db.prepare('SELECT state FROM ledger_entries ORDER BY rowid').all() as { state: string }[]).map((row) => row.state);
      } finally {
        db.close();
      }
    };
    expect(onDisk()).toEqual(['pending']);
    await new Promise((resolve) => setTimeout(resolve, LATER_COMMIT_MS + 50));
    expect(onDisk()).toEqual(['posted']);
    // The next reservation takes the post along in its own commit.
    const again = ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: 700, limit });
    if (!again.ok) throw new Error('no room');
    await ledger.durable();
    ledger.post(again.id, 200, usage);
    const third = ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: 700, limit });
    await ledger.durable();
    expect(third.ok).toBe(true);
    expect(onDisk()).toEqual(['posted', 'posted', 'pending']);
  });

  it('loses nothing when a crash takes a post within its reservation: the whole reservation stays charged', async () => {
    const r = ledger.reserve({ agent: 'a', task_id: 't1', model: 'm', amount: 700, limit });
    if (!r.ok) throw new Error('no room');
    await ledger.durable();
    ledger.post(r.id, 300, usage); // answered at once, not on disk yet
    journal.shared().db.close(); // the process dies: SQLite drops the transaction that was not committed
    journal = new SqliteJournal(join(dir, 'journal.db'));
    ledger = new SqliteLedger(journal.shared());
    const recovered = ledger.recover();
    expect(recovered.map((e) => [e.id, e.state, e.charged])).toEqual([[r.id, 'unsettled', 700]]);
    expect(ledger.balance('a')).toMatchObject({ spent: 700, reserved: 0, unsettled: 1 });
  });

  it('commits a post above its reservation, and a void, with this turn\'s changes', async () => {
    const over = ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: 100, limit });
    const voided = ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: 100, limit });
    if (!over.ok || !voided.ok) throw new Error('no room');
    await ledger.durable();
    ledger.post(over.id, 500, usage);
    ledger.void(voided.id, 'HTTP 400');
    await new Promise((resolve) => setImmediate(resolve));
    const db = new Database(join(dir, 'journal.db'), { readonly: true });
    const states = db.prepare('SELECT state, charged FROM ledger_entries ORDER BY rowid').all();
    db.close();
    expect(states).toEqual([{ state: 'posted', charged: 500 }, { state: 'voided', charged: 0 }]);
  });
});
