/**
 * `npm run bench:fleet`: 100 sandboxed workers (a trivial echo plugin) under one supervisor, 10,000
 * small tasks through the control API (the real client, over the real socket).
 *
 * The supervisor runs in a child process (this file with `--supervisor`), so the event-loop lag and the
 * RSS it reports are the supervisor's alone; the driver (this process) submits and polls.
 *
 * Phases:
 *  0. floor: the same number of bare `node -e 0` processes started at once, until all have exited
 *     (node_floor_ms): what starting that many Node processes costs this machine, sandbox or not.
 *  1. spawn: start the supervisor; time until all workers are ready (spawn_all_ms).
 *  2. durable submits: every agent paused, HALF of the tasks submitted by 4 clients with 64 requests in
 *     flight each; a submit answers only after its transaction is on disk (durable_submits_per_s).
 *  3. run: agents resumed while the other half is submitted; time until all tasks are done
 *     (tasks_per_s); the supervisor's loop lag (p99, monitorEventLoopDelay) and peak RSS are measured
 *     over this phase, with all workers busy.
 *
 * Environment: BENCH_AGENTS (default 4), BENCH_CONCURRENCY (25 per agent), BENCH_TASKS (10000),
 * BENCH_SUPERVISOR_NODE_ARGS (node flags for the supervisor, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 * Last line: JSON {workers, spawn_all_ms, node_floor_ms, tasks_per_s, loop_lag_p99_ms, supervisor_rss_mb,
 * durable_submits_per_s}.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ControlClient } from '../src/control/client.js';
import { PauseAgent, ResumeAgent, Status, StopFleet, Submit } from '../src/control/methods.js';
import { loadAgentSpecs } from '../src/spec/load.js';
import { StatePaths } from '../src/supervisor/state-dir.js';
import { Supervisor } from '../src/utils/agent/supervisor.js';

const AGENTS = Number(process.env['BENCH_AGENTS'] ?? 4);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 25);
const TASKS = Number(process.env['BENCH_TASKS'] ?? 10_000);
const CLIENTS = 4;
const IN_FLIGHT = 64;

const PLUGIN = `// bench: the trivial plugin, returns its input
export default { name: 'bench-echo', onTask: (task) => task.input };
`;

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

// ---- the supervisor side ------------------------------------------------------------------------------

async function supervisorMain(agentsDir: string, stateDir: string): Promise<void> {
  const say = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
  const loaded = await loadAgentSpecs([agentsDir]);
  if (loaded.diagnostics.length > 0) throw new Error(loaded.diagnostics.map(String).join('\n'));
  const workers = loaded.agents.reduce((n, a) => n + a.concurrency, 0);
  const ready = new Set<string>();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  sampler.unref();
  const t0 = performance.now();
  let announced = false;
  const supervisor = await Supervisor.start({
    agents: loaded.agents,
    stateDir,
    projectDir: process.cwd(),
    // As root, slots live where the sandbox user can reach them: here, beside the state directory.
    slotRoot: join(dirname(stateDir), 'slots'),
    onEvent: (event) => {
      if (event.type === 'worker.exit' && !announced) say({ type: 'error', message: event.message });
      if (event.type !== 'worker.state' || event.data?.['state'] !== 'ready' || announced) return;
      ready.add(`${event.agent}/${event.worker}`);
      if (ready.size === workers) {
        announced = true;
        say({ type: 'ready', workers, spawn_all_ms: round(performance.now() - t0) });
      }
    },
  });
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'reset') {
      lag.reset();
      peakRss = process.memoryUsage().rss;
      say({ type: 'reset' });
    } else if (line === 'report') {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      say({ type: 'report', loop_lag_p99_ms: round(lag.percentile(99) / 1e6, 2), loop_lag_max_ms: round(lag.max / 1e6, 2), rss_mb: round(peakRss / 2 ** 20) });
    }
  });
  await supervisor.done;
  process.exit(0);
}

// ---- the driver ---------------------------------------------------------------------------------------

async function submitMany(clients: ControlClient[], agents: string[], count: number, offset: number): Promise<void> {
  let next = 0;
  const lanes: Promise<void>[] = [];
  for (const client of clients) {
    for (let lane = 0; lane < IN_FLIGHT; lane++) {
      lanes.push(
        (async () => {
          for (let i = next++; i < count; i = next++) {
            const n = offset + i;
            await client.request(Submit, { agent: agents[n % agents.length]!, input: { n } });
          }
        })(),
      );
    }
  }
  await Promise.all(lanes);
}

async function driverMain(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'cf-bench-fleet-'));
  chmodSync(root, 0o711); // as root, workers run as an unprivileged user that passes through to its slot
  const agentsDir = join(root, 'agents');
  const stateDir = join(root, 'state');
  mkdirSync(agentsDir);
  writeFileSync(join(agentsDir, 'bench-echo.mjs'), PLUGIN);
  const agents = Array.from({ length: AGENTS }, (_, i) => `bench-${i}`);
  for (const name of agents) {
    writeFileSync(
      join(agentsDir, `${name}.yaml`),
      `name: ${name}\nrole: benchmark echo\nmodel: gpt-4.1-nano\ncost_budget: 0.01\nplugin: ./bench-echo.mjs\nconcurrency: ${CONCURRENCY}\n`,
    );
  }
  const floorMs = await nodeFloor(AGENTS * CONCURRENCY);
  process.stderr.write(`bench: ${AGENTS * CONCURRENCY} bare node processes started and exited in ${floorMs} ms\n`);
  const nodeArgs = (process.env['BENCH_SUPERVISOR_NODE_ARGS'] ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof
  const child = spawn(process.execPath, [...nodeArgs, fileURLToPath(import.meta.url), '--supervisor', agentsDir, stateDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const waiting: ((value: Record<string, unknown>) => void)[] = [];
  const want = (type: string): Promise<Record<string, unknown>> =>
    new Promise((resolve) => waiting.push((msg) => (msg['type'] === type ? resolve(msg) : undefined)));
  lines.on('line', (line) => {
    const msg = JSON.parse(line) as Record<string, unknown>;
    if (msg['type'] === 'error') process.stderr.write(`bench: ${String(msg['message'])}\n`);
    for (const w of waiting.splice(0)) w(msg);
  });
  const command = async (line: string, reply: string): Promise<Record<string, unknown>> => {
    const answer = want(reply);
    child.stdin.write(`${line}\n`);
    return answer;
  };
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const ready = await Promise.race([want('ready'), exited.then((code) => Promise.reject(new Error(`the supervisor exited (${code})`)))]);
    const workers = ready['workers'] as number;
    const spawnAllMs = ready['spawn_all_ms'] as number;
    process.stderr.write(`bench: ${workers} workers ready in ${spawnAllMs} ms\n`);

    const paths = new StatePaths(stateDir);
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => ControlClient.connect(paths, 'bench')));
    const control = clients[0]!;
    const half = Math.floor(TASKS / 2);

    for (const agent of agents) await control.request(PauseAgent, { agent });
    let t = performance.now();
    await submitMany(clients, agents, half, 0);
    const submitSeconds = (performance.now() - t) / 1000;
    const durableSubmitsPerS = half / submitSeconds;
    process.stderr.write(`bench: ${half} durable submits in ${round(submitSeconds * 1000)} ms\n`);

    await command('reset', 'reset');
    t = performance.now();
    for (const agent of agents) await control.request(ResumeAgent, { agent });
    await submitMany(clients, agents, TASKS - half, half);
    for (;;) {
      const status = await control.request(Status, {});
      const done = status.agents.reduce((n, a) => n + a.done, 0);
      const failed = status.agents.reduce((n, a) => n + a.failed, 0);
      if (failed > 0) throw new Error(`${failed} tasks failed`);
      if (done >= TASKS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const runSeconds = (performance.now() - t) / 1000;
    const report = await command('report', 'report');
    process.stderr.write(`bench: ${TASKS} tasks in ${round(runSeconds * 1000)} ms; loop lag max ${String(report['loop_lag_max_ms'])} ms\n`);

    await control.request(StopFleet, { now: true });
    for (const c of clients) c.close();
    await exited;
    const result = {
      workers,
      spawn_all_ms: spawnAllMs,
      node_floor_ms: floorMs,
      tasks_per_s: round(TASKS / runSeconds),
      loop_lag_p99_ms: report['loop_lag_p99_ms'] as number,
      supervisor_rss_mb: report['rss_mb'] as number,
      durable_submits_per_s: round(durableSubmitsPerS),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(root, { recursive: true, force: true });
  }
}

/** Wall time for `n` bare `node -e 0` started at once to all exit. */
async function nodeFloor(n: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, () => new Promise((resolve) => spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).once('exit', resolve))),
  );
  return round(performance.now() - t0);
}

if (process.argv[2] === '--supervisor') await supervisorMain(process.argv[3]!, process.argv[4]!);
else await driverMain();
