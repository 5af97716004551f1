/**
 * `npm run bench:bot-start`: how long a built-in bot's worker takes to be ready, against the echo
 * worker. Each run spawns the Node runner under the real worker sandbox (launcher, Landlock, seccomp)
 * with the plugin and times spawn → `initialize` answered; the plugins run interleaved so drift hits all
 * alike. The bots load the TypeScript compiler only when a task needs it, so the first TypeScript task
 * of a worker pays for it: that is timed too (a doc-bot task on one documented .ts file, no model call).
 * Last line: JSON {echo_ms, bots: {name: ms}, worst_ratio, first_ts_task_ms, runs}.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initializeParams } from '../src/conformance/checks.js';
import { Session } from '../src/conformance/session.js';
import { Initialize } from '../src/protocol/lifecycle.js';
import { TaskRun } from '../src/protocol/task.js';
import { buildSandboxedSpawn } from '../src/sandbox/launcher.js';
import { compilePolicy } from '../src/sandbox/policy.js';
import { builtinPluginPath } from '../src/spec/builtins.js';
import type { AgentSpec } from '../src/spec/types.js';
import { workerArgv } from '../src/supervisor/worker-program.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 20);
const WARMUP = 2;
const BOTS = ['test-writer-bot', 'doc-bot'] as const;

const echoPlugin = fileURLToPath(new URL('../../examples/echo-bot/plugin.js', import.meta.url));

function specFor(name: string, pluginPath: string, dir: string): AgentSpec {
  return {
    name, role: 'bench', model: 'gpt-4.1-mini', max_tokens: 1024, cost_budget: 0.1, allowed_syscalls: [],
    worker: { kind: 'plugin', plugin: pluginPath, pluginPath }, read_paths: [],
    concurrency: 1, limits: { max_turns: 1, wall_time_s: 60, retries: 0, memory_mb: 2048, threads: 512, disk_mb: 1024 }, exec: [], land: 'branch', worktree: false,
    restart: { max_restarts: 0, window_s: 60 }, file: join(dir, `${name}.yaml`),
  };
}

/** Spawns the worker in its sandbox; resolves with ms to `initialize` answered and the live session. */
async function start(spec: AgentSpec, slot: string): Promise<{ ms: number; session: Session }> {
  const argv = workerArgv(spec);
  const launch = buildSandboxedSpawn(compilePolicy(spec, { kind: 'worker', slotDir: slot }), argv);
  const t0 = process.hrtime.bigint();
  const session = await Session.spawn(argv, launch);
  await session.conn.request(Initialize, initializeParams(slot));
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, session };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round = (x: number): number => Math.round(x * 10) / 10;

const root = mkdtempSync(join(tmpdir(), 'codex-fleet-bench-bots-'));
chmodSync(root, 0o711); // as root, workers run as an unprivileged user that must pass through to its slot
try {
  const echo = specFor('echo', echoPlugin, root);
  const bots = BOTS.map((name) => specFor(name, builtinPluginPath(name), root));
  const samples = new Map<string, number[]>([['echo', []], ...BOTS.map((b) => [b, []] as [string, number[]])]);
  const firstTask: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const spec of [echo, ...bots]) {
      const slot = join(root, `${spec.name}-${i}`);
      const { ms, session } = await start(spec, slot);
      if (spec.name === 'doc-bot') {
        const workdir = join(slot, 'wt');
        mkdirSync(workdir);
        writeFileSync(join(workdir, 'a.ts'), '/** One. */\nexport const one = 1;\n');
        const t0 = process.hrtime.bigint();
        await session.conn.request(TaskRun, { task: { id: `t${i}`, kind: 'docs', input: { files: ['a.ts'] }, workdir } });
        if (i >= WARMUP) firstTask.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      await session.dispose();
      if (i >= WARMUP) samples.get(spec.name)!.push(ms);
    }
  }
  const echoMs = median(samples.get('echo')!);
  const botMs = Object.fromEntries(BOTS.map((b) => [b, round(median(samples.get(b)!))]));
  const worst = Math.max(...Object.values(botMs)) / echoMs;
  console.log(`worker ready (spawn → initialize answered) under the worker sandbox, ${RUNS} interleaved runs each (median):`);
  console.log(`  echo-bot          ${round(echoMs)} ms`);
  for (const b of BOTS) console.log(`  ${b.padEnd(17)} ${botMs[b]} ms (${(botMs[b]! / echoMs).toFixed(2)}x)`);
  console.log(`  first TypeScript task of a doc-bot worker (loads the compiler): ${round(median(firstTask))} ms`);
  console.log(JSON.stringify({ echo_ms: round(echoMs), bots: botMs, worst_ratio: Math.round(worst * 1000) / 1000, first_ts_task_ms: round(median(firstTask)), runs: RUNS }));
} finally {
  rmSync(root, { recursive: true, force: true });
}
