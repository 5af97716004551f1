import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteJournal } from '../../src/supervisor/journal.js';

let dir: string;
let journal: SqliteJournal;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-journal-gc-'));
  journal = new SqliteJournal(join(dir, 'journal.db'));
});
afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteJournal group commit', () => {
  it('shows a change to this process at once, and to the disk only when durable() resolves', async () => {
    const task = await journal.submit('a', 'default', 1);
    const started = journal.startNext('a');
    expect(started).toMatchObject({ id: task.id, state: 'running', attempts: 1 });
    const other = new SqliteJournal(join(dir, 'journal.db'));
    try {
      expect(other.get(task.id)?.state).toBe('queued'); // not acted on yet, not on disk yet
      await journal.durable();
      expect(other.get(task.id)?.state).toBe('running');
      journal.finish(task.id, { ok: true });
      await journal.durable();
      expect(other.get(task.id)).toMatchObject({ state: 'done', result: { ok: true } });
    } finally {
      other.close();
    }
  });

  it('starts the oldest queued task of the agent, once', async () => {
    const [a, b] = await Promise.all([journal.submit('x', 'default', 'a'), journal.submit('x', 'default', 'b'), journal.submit('y', 'default', 'c')]);
    expect(journal.startNext('x')?.id).toBe(a.id);
    expect(journal.startNext('x')?.id).toBe(b.id);
    expect(journal.startNext('x')).toBeUndefined();
    await journal.durable();
    expect(journal.counts().get('x')).toEqual({ queued: 0, running: 2, done: 0, failed: 0, cancelled: 0 });
  });
});
