/**
 * A damaged journal, for real: a garbled file header, garbled pages, and a garbled WAL (which SQLite
 * drops without a word). Each is reported clearly before anything is written; `--recover-journal` moves
 * the files aside and keeps every readable task, agent flag and spend record.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalDamagedError, JournalLossError } from '../../src/supervisor/journal-damage.js';
import { SqliteJournal } from '../../src/supervisor/journal.js';
import { createLedgerTables, SqliteLedger } from '../../src/ledger/sqlite-ledger.js';
import { StatePaths } from '../../src/supervisor/state-dir.js';
import { codexBin, repoRoot } from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cf-journal-damage-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Overwrites `length` bytes of `file` at `offset` with 0xA5. */
function garble(file: string, offset: number, length: number): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(length, 0xa5), 0, length, offset);
  closeSync(fd);
}

async function journalWithTasks(path: string, n: number): Promise<SqliteJournal> {
  const journal = new SqliteJournal(path);
  await Promise.all(Array.from({ length: n }, (_, i) => journal.submit(i % 2 ? 'a' : 'b', 'default', { i, pad: 'p'.repeat(200) })));
  journal.setPaused('a', true, 'budget spent');
  return journal;
}

describe('a journal whose file is garbled', () => {
  it('is reported as damaged, naming the file and the way on, before anything is written', async () => {
    const path = join(dir, 'journal.db');
    (await journalWithTasks(path, 10)).close();
    garble(path, 0, 100); // the header: SQLite no longer sees a database
    const before = readFileSync(path);
    let error: unknown;
    try {
      new SqliteJournal(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JournalDamagedError);
    expect((error as Error).message).toBe(
      `The journal ${path} is damaged (file is not a database). Nothing was changed. To go on with what is readable, run ` +
        '"codex fleet start --recover-journal": it moves the damaged files aside (nothing is deleted) and copies every readable ' +
        'task, agent flag and spend record into a new journal',
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('makes "codex fleet start" print one line without a stack and exit 1', async () => {
    const stateDir = join(dir, 'state');
    const agents = join(repoRoot, 'examples/echo-bot/agents');
    const paths = new StatePaths(stateDir);
    paths.ensure();
    (await journalWithTasks(paths.journal, 3)).close();
    const path = paths.journal;
    garble(path, 0, 100);
    const r = spawnSync(process.execPath, [codexBin, 'fleet', 'start', agents, '--state-dir', stateDir], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`codex fleet: ${new JournalDamagedError(path, 'file is not a database').message}\n`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const json = spawnSync(process.execPath, [codexBin, 'fleet', 'start', agents, '--state-dir', stateDir, '--json'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'CODEX_FLEET_JOURNAL_DAMAGED', message: new JournalDamagedError(path, 'file is not a database').message } });
    const debug = spawnSync(process.execPath, [codexBin, 'fleet', 'start', agents, '--state-dir', stateDir], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, CODEX_FLEET_DEBUG: '1' },
    });
    expect(debug.stderr).toMatch(/^codex fleet: The journal .* is damaged[^\n]*\nJournalDamagedError: [^\n]*\n\s+at /);
  }, 90_000);

  it('with garbled pages fails the integrity check; recovery keeps what is readable and moves the file aside', async () => {
    const path = join(dir, 'journal.db');
    (await journalWithTasks(path, 400)).close();
    const pages = statSync(path).size / 4096;
    expect(pages).toBeGreaterThan(10);
    garble(path, Math.floor(pages / 2) * 4096 + 100, 3000); // the middle of one page of tasks
    expect(() => new SqliteJournal(path)).toThrow(JournalDamagedError);

    const journal = new SqliteJournal(path, { onDamage: 'recover' });
    const recovery = journal.recovery!;
    expect(recovery.movedTo).toMatch(/journal\.db\.damaged-\d{4}-\d\d-\d\dT/);
    expect(existsSync(recovery.movedTo)).toBe(true);
    expect(recovery.copied['tasks']).toBeGreaterThan(300);
    expect(recovery.copied['tasks']).toBeLessThan(400);
    expect(recovery.copied['agents']).toBe(1);
    expect(journal.paused()).toEqual(new Map([['a', 'budget spent']]));
    const counts = journal.counts();
    expect((counts.get('a')?.queued ?? 0) + (counts.get('b')?.queued ?? 0)).toBe(recovery.copied['tasks']);
    // The new journal is healthy and takes new tasks.
    await journal.submit('a', 'default', 'after');
    journal.close();
    const reopened = new SqliteJournal(path);
    expect(reopened.list({ limit: 10_000 })).toHaveLength(recovery.copied['tasks']! + 1);
    reopened.close();
  });
});

describe('a recovered journal', () => {
  it('keeps every readable spend record of the ledger, whose tables live in the same file', async () => {
    const path = join(dir, 'journal.db');
    const journal = await journalWithTasks(path, 400);
    const ledger = new SqliteLedger(journal.shared());
    const reserved = ledger.reserve({ agent: 'a', task_id: null, model: 'm', amount: 5000, limit: { agent: 1_000_000 } });
    if (!reserved.ok) throw new Error('the reservation should fit');
    ledger.post(reserved.id, 1234, { input_tokens: 10, cached_input_tokens: 0, output_tokens: 5, reasoning_tokens: 0 });
    await ledger.durable();
    journal.close();
    const pages = statSync(path).size / 4096;
    garble(path, Math.floor(pages / 2) * 4096 + 100, 3000); // a page of tasks, not of the ledger

    const recovered = new SqliteJournal(path, { onDamage: 'recover', extraSchema: createLedgerTables });
    expect(recovered.recovery!.copied['ledger_entries']).toBe(1);
    const again = new SqliteLedger(recovered.shared());
    expect(again.balance('a')).toMatchObject({ spent: 1234, reserved: 0, calls: 1, input_tokens: 10, output_tokens: 5 });
    recovered.close();
  });
});

describe('a journal whose WAL is garbled', () => {
  it('is refused because acknowledged tasks are missing, instead of starting without them', async () => {
    const live = join(dir, 'live');
    const copy = join(dir, 'copy');
    for (const d of [live, copy]) spawnSync('mkdir', ['-p', d]);
    const journal = await journalWithTasks(join(live, 'journal.db'), 5);
    // The files as a crash would leave them: the tasks are acknowledged, in the WAL, not yet checkpointed.
    for (const f of readdirSync(live)) copyFileSync(join(live, f), join(copy, f));
    journal.close();
    const path = join(copy, 'journal.db');
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
    garble(`${path}-wal`, 32 + 24 + 10, 64); // inside the first frame: its checksum fails, and every frame after it is dropped

    let error: unknown;
    try {
      new SqliteJournal(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JournalLossError);
    expect(error).toMatchObject({ acknowledged: 5, found: 0 });
    expect((error as Error).message).toBe(
      `The journal ${path} has lost acknowledged tasks: tasks up to number 5 were acknowledged, but it ends at 0 (its write-ahead ` +
        `log ${path}-wal was damaged or removed; SQLite drops such a log without a word). Nothing was changed. Restore the files from ` +
        'a backup, or run "codex fleet start --recover-journal" to keep the files aside and go on with the empty journal',
    );
    // Recovery goes on, says how many are missing, and keeps the damaged files.
    const recovered = new SqliteJournal(path, { onDamage: 'recover' });
    expect(recovered.recovery).toMatchObject({ lostTasks: 5 });
    expect(existsSync(`${recovered.recovery!.movedTo}-wal`)).toBe(true);
    recovered.close();
    // And the next open is clean.
    new SqliteJournal(path).close();
  });
});
