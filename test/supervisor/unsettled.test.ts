/**
 * Calls whose usage never comes back: a stream cut halfway, and a supervisor killed (-9) in the middle of
 * a call. Either way the whole reservation stays charged and is marked unsettled, visibly; and a provider
 * that reports more than was reserved is believed, flagged, and stops the agent past its budget.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ControlClient, NoFleetError } from '../../src/control/client.js';
import { Cost, PauseAgent, Submit, WaitTask } from '../../src/control/methods.js';
import { codexBin, repoRoot } from '../helpers/cli.js';
import { useFleetTest, waitFor } from './helpers.js';
import { serveModel, startMeteredFleet, writeModelAgent } from './model-helpers.js';

describe('a call without usage', () => {
  const t = useFleetTest();

  it('keeps a cut stream\'s whole reservation charged, marked unsettled', async () => {
    const server = await serveModel({ replies: [{ content: 'a b c d e f g h i j k l m n o p', cut_after_chunks: 3, usage: { input_tokens: 10, output_tokens: 16 } }] });
    writeModelAgent(t.dir, 'cut', { limits: '{ retries: 0 }' });
    await startMeteredFleet(t, server, 'chat');
    const { task } = await t.client!.request(Submit, { agent: 'cut', input: {} });
    const done = (await t.client!.request(WaitTask, { id: task.id, timeout_s: 60 })).task;
    expect(done.state).toBe('failed');
    expect(done.error).toContain('The model call failed: the stream broke off');
    expect(server.requests()[0]?.outcome).toBe('cut');
    const status = await t.agentStatus('cut');
    expect(status).toMatchObject({ calls: 1, unsettled_calls: 1, reserved_usd: 0 });
    expect(status.spent_usd).toBeGreaterThan(0);
    const cost = await t.client!.request(Cost, { by: 'task' });
    expect(cost.rows).toEqual([expect.objectContaining({ key: task.id, unsettled_calls: 1, spent_usd: status.spent_usd })]);
  });

  it('records more usage than reserved as reported, flags it and pauses the agent past its budget', async () => {
    // The input bound of this call is ~130 tokens; the provider claims 2 million ($0.80 at $0.40/M).
    const server = await serveModel({ replies: [{ content: 'ok', usage: { input_tokens: 2_000_000, output_tokens: 1 } }] });
    writeModelAgent(t.dir, 'over', { cost_budget: 0.5 });
    const told = join(t.dir.root, 'notified.txt');
    await startMeteredFleet(t, server, 'chat', { notify: ['/bin/sh', '-c', `printf '%s' "$0" > ${told}`] });
    const { task } = await t.client!.request(Submit, { agent: 'over', input: {} });
    const done = (await t.client!.request(WaitTask, { id: task.id, timeout_s: 60 })).task;
    expect(done.state).toBe('done');
    const status = await t.agentStatus('over');
    expect(status).toMatchObject({ state: 'paused', spent_usd: 0.800002, reserved_usd: 0, input_tokens: 2_000_000 });
    expect(status.reason).toMatch(/^budget: the provider reported more usage than reserved, and over has now spent \$0\.800002 of its \$0\.500000 budget/);
    const db = new Database(t.dir.paths.journal, { readonly: true });
    const flagged = db.prepare('SELECT state, over_reservation FROM ledger_entries').all();
    db.close();
    expect(flagged).toEqual([{ state: 'posted', over_reservation: 1 }]);
    // The notify command got the same message, with the command to continue.
    await waitFor(() => existsSync(told) && readFileSync(told, 'utf8').length > 0, 'the notify command to run');
    expect(readFileSync(told, 'utf8')).toBe(`codex fleet: over paused: ${status.reason}`);
    expect(status.reason).toContain('"codex fleet resume over --budget ');
  });
});

describe('kill -9 of the supervisor in the middle of a call', () => {
  const t = useFleetTest();

  it('keeps the reservation charged and unsettled after the restart, and changes nothing else', { timeout: 120_000 }, async () => {
    const server = await serveModel({ replies: [{ content: 'too late', delay_ms: 60_000, usage: { input_tokens: 5, output_tokens: 5 } }] });
    writeModelAgent(t.dir, 'victim', {});
    const child = spawn(process.execPath, [codexBin, 'fleet', 'start', t.dir.agentsDir, '--state-dir', t.dir.stateDir, '--json'], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'sk-test' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let client: ControlClient | undefined;
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`codex fleet start exited: ${stderr}`);
      try {
        client = await ControlClient.connect(t.dir.paths, 'unsettled-test');
        return true;
      } catch (error) {
        if (error instanceof NoFleetError || (error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return false;
        throw error;
      }
    }, 'the supervisor to answer');
    const { task } = await client!.request(Submit, { agent: 'victim', input: {} });
    // The reservation is on disk before the request is sent; wait until the server holds the request.
    await waitFor(() => server.requests().length > 0 || inFlight(server), 'the call to reach the model server', 30_000);
    await client!.request(PauseAgent, { agent: 'victim' }); // so the restarted fleet does not run the task again
    const before = snapshot(t.dir.paths.journal);
    expect(before.entries).toEqual([expect.objectContaining({ state: 'pending', task_id: task.id })]);
    client!.close();
    child.kill('SIGKILL');
    await exited;

    await startMeteredFleet(t, server, 'responses');
    const after = snapshot(t.dir.paths.journal);
    const reserved = before.entries[0]!['reserved'] as number;
    expect(after.entries).toEqual([{ ...before.entries[0], state: 'unsettled', charged: reserved, settled_at: expect.any(Number), note: expect.stringContaining('no usage was reported') }]);
    expect(after.overrides).toEqual(before.overrides);
    const status = await t.agentStatus('victim');
    expect(status).toMatchObject({ state: 'paused', calls: 1, unsettled_calls: 1, reserved_usd: 0, spent_usd: reserved / 1e6, queued: 1 });
    expect(t.fleet!.events.some((e) => e.type === 'ledger.unsettled' && e.agent === 'victim')).toBe(true);
  });
});

/** The model server logs a request once answered; until then the open socket shows it is in flight. */
function inFlight(server: { port: number }): boolean {
  // /proc/net/tcp lists established connections to the server's port (state 01).
  const hex = server.port.toString(16).toUpperCase().padStart(4, '0');
  try {
    const table = readFileSync('/proc/net/tcp', 'utf8');
    return table.split('\n').some((line) => line.includes(`:${hex} `) && / 01 /.test(line));
  } catch {
    return false;
  }
}

function snapshot(journal: string): { entries: Record<string, unknown>[]; overrides: unknown[] } {
  const db = new Database(journal, { readonly: true });
  try {
    return {
      entries: db.prepare('SELECT * FROM ledger_entries ORDER BY rowid').all() as Record<string, unknown>[],
      overrides: db.prepare('SELECT * FROM budget_overrides').all(),
    };
  } finally {
    db.close();
  }
}
