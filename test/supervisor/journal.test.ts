import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteJournal } from '../../src/supervisor/journal.js';

let dir: string;
let journal: SqliteJournal;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-journal-'));
  journal = new SqliteJournal(join(dir, 'journal.db'));
});
afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteJournal', () => {
  it('acknowledges a submit only once it can be read back by a new connection', async () => {
    const task = await journal.submit('echo-bot', 'default', { text: 'hi' });
    const other = new SqliteJournal(join(dir, 'journal.db'));
    expect(other.get(task.id)).toMatchObject({ agent: 'echo-bot', kind: 'default', input: { text: 'hi' }, state: 'queued', attempts: 0 });
    other.close();
  });

  it('writes concurrent submits in one batch, each with its own id, in order', async () => {
    const tasks = await Promise.all(Array.from({ length: 50 }, (_, i) => journal.submit('a', 'default', { i })));
    expect(new Set(tasks.map((t) => t.id)).size).toBe(50);
    expect(journal.queued('a', 100).map((t) => (t.input as { i: number }).i)).toEqual(tasks.map((_, i) => i));
  });

  it('moves tasks only along allowed transitions', async () => {
    const task = await journal.submit('a', 'default', 1);
    expect(journal.finish(task.id, 'x')).toBeUndefined(); // not running yet
    expect(journal.start(task.id)).toMatchObject({ state: 'running', attempts: 1 });
    expect(journal.start(task.id)).toBeUndefined(); // a running task cannot start twice
    expect(journal.requeue(task.id, 'worker crashed')).toMatchObject({ state: 'queued', attempts: 1, error: 'worker crashed' });
    expect(journal.start(task.id)).toMatchObject({ state: 'running', attempts: 2 });
    const done = journal.finish(task.id, { ok: true });
    expect(done).toMatchObject({ state: 'done', result: { ok: true }, error: null });
    expect(done?.finished_at).toBeTypeOf('number');
    expect(journal.cancel(task.id, 'late')).toBeUndefined();
    expect(journal.counts().get('a')).toEqual({ queued: 0, running: 0, done: 1, failed: 0, cancelled: 0 });
  });

  it('fails a task whose result it cannot serialize, with the reason; the journal goes on', async () => {
    const task = await journal.submit('a', 'default', 1);
    journal.start(task.id);
    await journal.durable();
    let deep: unknown = null;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const failed = journal.finish(task.id, { output: deep });
    expect(failed).toMatchObject({ state: 'failed', result: null });
    expect(failed?.error).toBe("the worker's result cannot be stored: Maximum call stack size exceeded");
    await journal.durable();
    const other = new SqliteJournal(join(dir, 'journal.db'));
    expect(other.get(task.id)).toMatchObject({ state: 'failed', error: failed?.error });
    other.close();
  });

  it('recovers running tasks after an unclean stop: re-queued with attempts left, failed without', async () => {
    const a = await journal.submit('a', 'default', 'first');
    const b = await journal.submit('a', 'default', 'second');
    journal.start(a.id);
    journal.start(b.id);
    journal.requeue(b.id, 'retry');
    journal.start(b.id); // b now has 2 attempts
    journal.close();
    journal = new SqliteJournal(join(dir, 'journal.db'));
    const report = journal.recover((task) => task.attempts < 2);
    expect(report.requeued.map((t) => t.id)).toEqual([a.id]);
    expect(report.failed.map((t) => t.id)).toEqual([b.id]);
    expect(journal.get(a.id)).toMatchObject({ state: 'queued', error: 'interrupted: the supervisor stopped while it ran; re-queued' });
    expect(journal.get(b.id)).toMatchObject({
      state: 'failed',
      error: 'interrupted: the supervisor stopped while it ran, and it has no retries left',
    });
  });

  it('remembers paused agents across restarts', () => {
    journal.setPaused('a', true, 'budget spent');
    journal.setPaused('b', true);
    journal.setPaused('b', false);
    journal.close();
    journal = new SqliteJournal(join(dir, 'journal.db'));
    expect(journal.paused()).toEqual(new Map([['a', 'budget spent']]));
  });
});
