/**
 * The journal does not grow for ever: per-agent counts are kept as tasks change (not counted per call),
 * retention deletes old finished tasks and never queued or running ones nor agent flags, and
 * `codex fleet prune` applies it to a running fleet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ListTasks, Status, Submit, WaitTask } from '../../src/control/methods.js';
import { SqliteJournal } from '../../src/supervisor/journal.js';
import { connect, runFleetAsync, startFleet, useFleetTest, writeAgent } from './helpers.js';

/** The counts the slow way, for comparison. */
function countedByScan(path: string): Record<string, Record<string, number>> {
  const db = new Database(path, { readonly: true });
  const out: Record<string, Record<string, number>> = {};
  for (const row of db.prepare('SELECT agent, state, COUNT(*) AS n FROM tasks GROUP BY agent, state').all() as { agent: string; state: string; n: number }[]) {
    (out[row.agent] ??= {})[row.state] = row.n;
  }
  db.close();
  return out;
}

function countsOf(journal: SqliteJournal): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [agent, counts] of journal.counts()) {
    out[agent] = Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  }
  return out;
}

describe('the journal\'s counts and retention', () => {
  it('keeps counts from a table the triggers maintain, and prunes only old finished tasks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cf-retention-'));
    let now = 1_000_000;
    const path = join(dir, 'journal.db');
    // Every reading of the clock is a millisecond later (task ids carry the time, as a real clock would give).
    const journal = new SqliteJournal(path, { clock: () => (now += 1) });
    try {
      // 3000 tasks: most finished long ago, some recently, some still queued or running.
      const ids: string[] = [];
      ids.push(...(await Promise.all(Array.from({ length: 3000 }, (_, i) => journal.submit(i % 3 ? 'a' : 'b', 'default', { i })))).map((t) => t.id));
      for (let i = 0; i < 2900; i++) {
        journal.start(ids[i]!);
        if (i % 10 === 0) journal.fail(ids[i]!, 'no');
        else if (i % 10 === 1) journal.cancel(ids[i]!, 'no');
        else journal.finish(ids[i]!, { ok: i });
        if (i === 2000) now += 40 * 86_400_000; // the rest finish 40 days later
      }
      for (let i = 2900; i < 2950; i++) journal.start(ids[i]!);
      await journal.durable();
      journal.setPaused('a', true, 'paused by the user');
      expect(countsOf(journal)).toEqual(countedByScan(path));

      // Keep 30 days: the 2001 tasks finished 40 days before "now" go, the rest stay.
      const report = journal.prune(now - 30 * 86_400_000, 10_000);
      expect(report).toEqual({ deleted: 2001, remaining: 999 });
      expect(countsOf(journal)).toEqual(countedByScan(path));
      // Keep at most 100 finished tasks: the newest ones.
      expect(journal.prune(0, 100)).toEqual({ deleted: 799, remaining: 200 });
      const left = journal.list({ limit: 10_000 });
      expect(left.filter((t) => t.state === 'queued')).toHaveLength(50);
      expect(left.filter((t) => t.state === 'running')).toHaveLength(50);
      expect(left.filter((t) => ['done', 'failed', 'cancelled'].includes(t.state)).map((t) => t.id).sort()).toEqual(ids.slice(2800, 2900).sort());
      expect(countsOf(journal)).toEqual(countedByScan(path));
      expect(journal.paused()).toEqual(new Map([['a', 'paused by the user']]));
    } finally {
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const t = useFleetTest();

describe('codex fleet prune', () => {
  it('deletes finished tasks of a running fleet by the limits given, and status counts what is left', async () => {
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await t.client.request(Submit, { agent: 'echo', input: i })).task.id);
    for (const id of ids) await t.client.request(WaitTask, { id, timeout_s: 60 });
    const pruned = await runFleetAsync(['prune', '--keep-tasks', '5', '--state-dir', t.dir.stateDir]);
    expect(pruned).toEqual({ status: 0, stderr: '', stdout: 'deleted 7 finished tasks (older than 30 days or beyond the newest 5); 5 tasks left\n' });
    const { tasks } = await t.client.request(ListTasks, {});
    expect(tasks.map((x) => x.id)).toEqual(ids.slice(7).reverse());
    expect((await t.client.request(Status, {})).agents[0]).toMatchObject({ done: 5, queued: 0, running: 0 });
    const json = await runFleetAsync(['prune', '--keep-days', '0', '--json', '--state-dir', t.dir.stateDir]);
    expect(JSON.parse(json.stdout)).toEqual({ deleted: 5, remaining: 0, keep_days: 0, keep_tasks: 10_000 });
    const bad = await runFleetAsync(['prune', '--keep-tasks', 'many', '--state-dir', t.dir.stateDir]);
    expect(bad).toEqual({ status: 2, stdout: '', stderr: 'codex fleet: --keep-tasks must be a whole number ≥ 0, got "many"\n' });
  }, 60_000);
});
