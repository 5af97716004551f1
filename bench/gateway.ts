/**
 * `npm run bench:gateway`: what the gateway costs on top of a model call, and whether a budget holds
 * under concurrency.
 *
 *  1. direct: a non-streaming Chat Completions call to the local model server with the `openai` SDK,
 *     one after another (direct_p50_ms).
 *  2. gateway: the same call made by a sandboxed worker (`ctx.model.complete({ stream: false })`) through
 *     the supervisor: reservation in the journal (durable), the SDK call, settlement (durable), the answer
 *     over the worker's pipe. Timed inside the worker, per call (gateway_p50_ms).
 *  3. fsync: the journal's own commit time for one reservation, apart: back to back (fsync_p50_ms), and
 *     with an idle gap as long as a direct call between commits, the rhythm a gateway call commits in
 *     (fsync_in_rhythm_p50_ms: on some disks a flush after idle costs several times one back to back).
 *  4. overshoot: 10 workers making 100 calls against a budget for about 20 of them; the ledger log is
 *     replayed and any moment where spent + reserved passed the budget is reported (overshoot_usd).
 *
 * Environment: BENCH_CALLS (default 300). Last line: JSON {direct_p50_ms, gateway_p50_ms, ratio,
 * fsync_p50_ms, fsync_in_rhythm_p50_ms, overshoot_usd}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { ControlClient } from '../src/control/client.js';
import { Status, Submit, WaitTask } from '../src/control/methods.js';
import { SqliteLedger } from '../src/ledger/sqlite-ledger.js';
import { startModelServer, type ModelServer } from '../src/model-server/index.js';
import { resolvePrice } from '../src/pricing/index.js';
import { loadAgentSpecs } from '../src/spec/load.js';
import { SqliteJournal } from '../src/supervisor/journal.js';
import { pricingOf } from '../src/supervisor/model-meter.js';
import { StatePaths } from '../src/supervisor/state-dir.js';
import { Supervisor } from '../src/utils/agent/supervisor.js';

const CALLS = Number(process.env['BENCH_CALLS'] ?? 300);
const MODEL = 'gpt-4.1-mini';
const PROMPT = 'Reply with one word.';

const PLUGIN = `// bench: N non-streaming model calls in one task, each timed inside the worker
export default {
  name: 'bench-model',
  onTask: async (task, ctx) => {
    const times = [];
    for (let i = 0; i < task.input.calls; i++) {
      const start = performance.now();
      await ctx.model.complete({ prompt: task.input.prompt, stream: false, max_tokens: 16 }).result;
      times.push(performance.now() - start);
    }
    return times;
  },
};
`;

const p50 = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

function writeAgent(agentsDir: string, name: string, fields: Record<string, string | number>): void {
  writeFileSync(join(agentsDir, `${name}.mjs`), PLUGIN);
  const all = { name, role: 'benchmark', model: MODEL, max_tokens: 16, plugin: `./${name}.mjs`, ...fields };
  writeFileSync(join(agentsDir, `${name}.yaml`), Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n');
}

async function direct(server: ModelServer): Promise<number> {
  const client = new OpenAI({ baseURL: server.url, apiKey: 'sk-bench', maxRetries: 0 });
  const times: number[] = [];
  for (let i = 0; i < CALLS + 20; i++) {
    const start = performance.now();
    await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: PROMPT }], max_tokens: 16 });
    if (i >= 20) times.push(performance.now() - start); // the first ones warm up the connection and the JIT
  }
  return p50(times);
}

async function startFleet(root: string, server: ModelServer): Promise<{ supervisor: Supervisor; client: ControlClient; stateDir: string }> {
  const agentsDir = join(root, 'agents');
  const stateDir = join(root, 'state');
  const loaded = await loadAgentSpecs([agentsDir]);
  if (loaded.diagnostics.length > 0) throw new Error(loaded.diagnostics.map(String).join('\n'));
  const supervisor = await Supervisor.start({
    agents: loaded.agents,
    stateDir,
    projectDir: root,
    models: {
      provider: () => ({ name: 'local', api: 'chat', baseURL: server.url, apiKey: 'sk-bench', maxRetries: 0 }),
      pricing: (model) => pricingOf(resolvePrice(model)!),
    },
  });
  const client = await ControlClient.connect(new StatePaths(stateDir), 'bench-gateway');
  return { supervisor, client, stateDir };
}

async function throughGateway(server: ModelServer): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'codex-fleet-bench-gateway-'));
  mkdirSync(join(root, 'agents'));
  writeAgent(join(root, 'agents'), 'bench', { cost_budget: 100, limits: '{ max_turns: 10000 }' });
  const { supervisor, client } = await startFleet(root, server);
  try {
    await waitUntil(async () => (await client.request(Status, {})).agents[0]?.workers === 1);
    const { task } = await client.request(Submit, { agent: 'bench', input: { calls: CALLS + 20, prompt: PROMPT } });
    const done = (await client.request(WaitTask, { id: task.id, timeout_s: 600 })).task;
    if (done.state !== 'done') throw new Error(`the bench task ${done.state}: ${done.error}`);
    const times = (done.result as { output: number[] }).output.slice(20);
    return p50(times);
  } finally {
    client.close();
    await supervisor.stop(true);
    rmSync(root, { recursive: true, force: true });
  }
}

async function fsyncP50(idleMs = 0): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'codex-fleet-bench-gateway-fsync-'));
  const journal = new SqliteJournal(join(root, 'journal.db'));
  const ledger = new SqliteLedger(journal.shared());
  const times: number[] = [];
  try {
    for (let i = 0; i < CALLS; i++) {
      if (idleMs > 0) await new Promise((resolve) => setTimeout(resolve, idleMs));
      const r = ledger.reserve({ agent: 'a', task_id: null, model: MODEL, amount: 100, limit: { agent: Number.MAX_SAFE_INTEGER } });
      const start = performance.now();
      await ledger.durable();
      times.push(performance.now() - start);
      if (r.ok) ledger.void(r.id, 'bench');
      await ledger.durable();
    }
    return p50(times);
  } finally {
    journal.close();
    rmSync(root, { recursive: true, force: true });
  }
}

async function overshoot(server: ModelServer): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'codex-fleet-bench-gateway-overshoot-'));
  mkdirSync(join(root, 'agents'));
  // A call: ~10 input + up to 16 output tokens, about 20-30 µ$ when settled; ~20 of them fit in $0.0005.
  const budget = 0.0005;
  writeAgent(join(root, 'agents'), 'tight', { cost_budget: budget, concurrency: 10 });
  const { supervisor, client, stateDir } = await startFleet(root, server);
  try {
    await Promise.all(Array.from({ length: 100 }, () => client.request(Submit, { agent: 'tight', input: { calls: 1, prompt: PROMPT } })));
    await waitUntil(async () => {
      const a = (await client.request(Status, {})).agents[0]!;
      return (a.state === 'paused' && a.reserved_usd === 0 && a.waiting_calls === a.running) || a.done === 100;
    });
    const db = new Database(new StatePaths(stateDir).journal, { readonly: true });
    const rows = db.prepare('SELECT spent_delta, reserved_delta FROM ledger_log ORDER BY seq').all() as { spent_delta: number; reserved_delta: number }[];
    db.close();
    let held = 0;
    let worst = 0;
    for (const r of rows) {
      held += r.spent_delta + r.reserved_delta;
      worst = Math.max(worst, held - budget * 1e6);
    }
    return worst / 1e6;
  } finally {
    client.close();
    await supervisor.stop(true);
    rmSync(root, { recursive: true, force: true });
  }
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('the benchmark timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const server = await startModelServer({
  script: { replies: [{ content: 'Fine.', usage: { input_tokens: 12, output_tokens: 2 }, times: 'always' }] },
});
try {
  const directMs = await direct(server);
  process.stdout.write(`direct: p50 ${round(directMs)} ms over ${CALLS} calls\n`);
  const gatewayMs = await throughGateway(server);
  process.stdout.write(`through the gateway (sandboxed worker, reservation, journal, settlement): p50 ${round(gatewayMs)} ms\n`);
  const fsyncMs = await fsyncP50();
  process.stdout.write(`journal commit (fsync) of one reservation, back to back: p50 ${round(fsyncMs)} ms\n`);
  const rhythmMs = await fsyncP50(Math.max(1, Math.round(directMs)));
  process.stdout.write(`the same, ${Math.max(1, Math.round(directMs))} ms idle before each (a call's rhythm): p50 ${round(rhythmMs)} ms\n`);
  const overshootUsd = await overshoot(server);
  process.stdout.write(`overshoot of a $0.0005 budget by 100 calls from 10 workers: $${overshootUsd}\n`);
  process.stdout.write(
    `${JSON.stringify({
      direct_p50_ms: round(directMs),
      gateway_p50_ms: round(gatewayMs),
      ratio: round(gatewayMs / directMs),
      fsync_p50_ms: round(fsyncMs),
      fsync_in_rhythm_p50_ms: round(rhythmMs),
      overshoot_usd: overshootUsd,
    })}\n`,
  );
} finally {
  await server.close();
}
