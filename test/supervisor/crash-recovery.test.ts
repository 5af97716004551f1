/**
 * `kill -9` of the supervisor (`codex fleet start` as a child process) in the middle of a run, then a new
 * start on the same state directory. Asserts every task's fate against the journal as the dead supervisor
 * left it, that no task ever ran twice at the same time, and that no worker of the old supervisor
 * survives. Loops 20 times in one run (a loop, not retries).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient, NoFleetError } from '../../src/control/client.js';
import { ListTasks, StopFleet, Submit, type TaskSummary, type TaskView } from '../../src/control/methods.js';
import { SqliteJournal } from '../../src/supervisor/journal.js';
import type { TaskRecord } from '../../src/supervisor/task-store.js';
import { codexBin, repoRoot } from '../helpers/cli.js';
import { expectNoProcessesLeft, isAlive, makeFleetDir, processesMarkedBy, removeFleetDir, waitFor, writeAgent, type FleetDir } from './helpers.js';

const ITERATIONS = 20;

interface Cli {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: string;
}

function startCli(dir: FleetDir): Cli {
  const child = spawn(process.execPath, [codexBin, 'fleet', 'start', dir.agentsDir, '--state-dir', dir.stateDir, '--json'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const cli: Cli = {
    child,
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (cli.stderr += d));
  return cli;
}

/** Connects once the supervisor answers (the CLI child is still starting before that). */
async function connectWhenUp(dir: FleetDir, cli: Cli): Promise<ControlClient> {
  let client: ControlClient | undefined;
  await waitFor(async () => {
    if (cli.child.exitCode !== null) throw new Error(`codex fleet start exited (${cli.child.exitCode}): ${cli.stderr}`);
    try {
      client = await ControlClient.connect(dir.paths, 'crash-recovery-test');
      return true;
    } catch (error) {
      if (error instanceof NoFleetError || (error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return false;
      throw error;
    }
  }, 'the supervisor to answer on its control socket');
  return client!;
}

interface Run {
  readonly task: string;
  readonly pid: number;
  readonly start: number;
  end?: number;
}

/** Every run of every task, from the runs.log that the echo plugin keeps in each slot. */
function runsByTask(dir: FleetDir): Map<string, Run[]> {
  const byTask = new Map<string, Run[]>();
  const open = new Map<string, Run>();
  if (!existsSync(dir.paths.slots)) return byTask;
  for (const slot of readdirSync(dir.paths.slots)) {
    const file = join(dir.paths.slots, slot, 'runs.log');
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [what, task, pid, time] = line.split(' ');
      if (what === 'start') {
        const run: Run = { task: task!, pid: Number(pid), start: Number(time) };
        open.set(`${task} ${pid}`, run);
        byTask.set(task!, [...(byTask.get(task!) ?? []), run]);
      } else if (what === 'end') {
        const run = open.get(`${task} ${pid}`);
        if (run) run.end = Number(time);
      }
    }
  }
  for (const runs of byTask.values()) runs.sort((a, b) => a.start - b.start);
  return byTask;
}

const live: { cli?: Cli | undefined; dir?: FleetDir | undefined } = {};

afterEach(async () => {
  if (live.cli && live.cli.child.exitCode === null && live.cli.child.signalCode === null) live.cli.child.kill('SIGKILL');
  if (live.dir) {
    await expectNoProcessesLeft(live.dir.root);
    removeFleetDir(live.dir);
  }
});

async function oneIteration(iteration: number): Promise<void> {
  const dir = makeFleetDir('cf-kill9-');
  live.dir = dir;
  // "echo" re-runs interrupted tasks (retries 2); "once" has no retries, so they fail as interrupted.
  writeAgent(dir, 'echo', 'echo', 'concurrency: 2\nlimits:\n  retries: 2');
  writeAgent(dir, 'once', 'echo', 'concurrency: 1\nlimits:\n  retries: 0');

  const first = startCli(dir);
  live.cli = first;
  const client = await connectWhenUp(dir, first);
  const submitted: TaskView[] = [];
  for (let i = 0; i < 14; i++) {
    const agent = i % 3 === 2 ? 'once' : 'echo';
    submitted.push((await client.request(Submit, { agent, input: { i, ms: 40 + ((i * 37 + iteration * 11) % 90) } })).task);
  }
  // Kill it mid-run: some tasks done, some running, some still queued.
  const wantDone = 1 + (iteration % 4);
  await waitFor(async () => {
    const { tasks } = await client.request(ListTasks, {});
    return tasks.filter((t) => t.state === 'done').length >= wantDone && tasks.some((t) => t.state === 'running');
  }, `${wantDone} tasks done and one running`);
  const oldProcesses = processesMarkedBy(dir.root).filter((p) => p.pid !== first.child.pid);
  expect(oldProcesses.length).toBeGreaterThanOrEqual(3);
  const killedAt = Date.now();
  first.child.kill('SIGKILL');
  client.close();
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

  // The journal exactly as the dead supervisor left it.
  const journal = new SqliteJournal(dir.paths.journal);
  const atKill = new Map<string, TaskRecord>(journal.list({ limit: 10_000 }).map((t) => [t.id, t]));
  journal.close();
  expect([...atKill.keys()].sort()).toEqual(submitted.map((t) => t.id).sort());
  const states = [...atKill.values()].map((t) => t.state);
  expect(states).toContain('running');
  expect(states).toContain('done');

  const second = startCli(dir);
  live.cli = second;
  const client2 = await connectWhenUp(dir, second);
  // No worker of the old supervisor survives.
  await waitFor(() => oldProcesses.every((p) => !isAlive(p.pid)), 'the old workers to be gone', 5_000).catch(() => undefined);
  expect(oldProcesses.filter((p) => isAlive(p.pid))).toEqual([]);

  let summaries: TaskSummary[] = [];
  await waitFor(async () => {
    summaries = (await client2.request(ListTasks, { limit: 10_000 })).tasks;
    return summaries.every((t) => t.state === 'done' || t.state === 'failed');
  }, 'every task to be finished');
  expect(summaries).toHaveLength(submitted.length);
  // The results are small: their previews are the whole JSON text.
  const final = summaries.map((t) => ({ ...t, result: t.result_preview === null ? null : (JSON.parse(t.result_preview) as unknown) }));

  for (const task of final) {
    const before = atKill.get(task.id)!;
    const input = before.input as { i: number; ms: number };
    if (before.state === 'done') {
      // A finished result is still there, untouched.
      expect(task).toMatchObject({ state: 'done', result: before.result, finished_at: before.finished_at, attempts: before.attempts });
    } else if (before.state === 'queued') {
      expect(task).toMatchObject({ state: 'done', result: { output: input }, attempts: before.attempts + 1 });
    } else {
      expect(before.state).toBe('running');
      if (task.agent === 'echo') {
        // Re-run once after the restart.
        expect(task).toMatchObject({ state: 'done', result: { output: input }, attempts: before.attempts + 1 });
      } else {
        expect(task).toMatchObject({
          state: 'failed',
          attempts: before.attempts,
          error: 'interrupted: the supervisor stopped while it ran, and it has no retries left',
        });
      }
    }
  }

  // No task ever ran twice at the same time: each run ended before the next began, or was a run of a
  // killed worker of the old supervisor and the next began after the kill.
  const oldPids = new Set(oldProcesses.map((p) => p.pid));
  for (const [task, runs] of runsByTask(dir)) {
    for (let i = 0; i + 1 < runs.length; i++) {
      const run = runs[i]!;
      const next = runs[i + 1]!;
      if (run.end !== undefined) expect(run.end, `task ${task}: run ${i} ended before run ${i + 1}`).toBeLessThanOrEqual(next.start);
      else {
        expect(oldPids.has(run.pid), `task ${task}: unfinished run ${i} was in an old worker`).toBe(true);
        expect(next.start, `task ${task}: run ${i + 1} began after the kill`).toBeGreaterThanOrEqual(killedAt);
      }
    }
    expect(runs.filter((r) => !oldPids.has(r.pid)).every((r) => r.end !== undefined)).toBe(true);
  }

  await client2.request(StopFleet, { now: true });
  client2.close();
  expect(await second.exited).toEqual({ code: 0, signal: null });
  await expectNoProcessesLeft(dir.root);
  removeFleetDir(dir);
  live.dir = undefined;
  live.cli = undefined;
}

describe('kill -9 of the supervisor, then a new start', () => {
  it(`keeps every task's fate, runs none twice at once and leaves no old worker (${ITERATIONS} times in a row)`, async () => {
    let iterations = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      await oneIteration(i);
      iterations += 1;
    }
    expect(iterations).toBe(ITERATIONS);
  }, 240_000);
});
