/**
 * `npm run bench:sandbox`: start-up cost of the sandbox. Median wall time of `node -e 0` bare, under the
 * launcher with the default Node worker policy, and under bubblewrap (`bwrap --ro-bind / / --unshare-net`)
 * as the peer when it is installed. Runs are interleaved so drift hits all three alike.
 * Last line: JSON {bare_ms, sandboxed_ms, ratio, peer_ms, runs}.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSandboxedSpawn } from '../src/sandbox/launcher.js';
import { compilePolicy } from '../src/sandbox/policy.js';
import type { AgentSpec } from '../src/spec/types.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 60);
const WARMUP = 3;

function findBwrap(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (dir !== '' && existsSync(join(dir, 'bwrap'))) return join(dir, 'bwrap');
  }
  return undefined;
}

function time(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(file, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.toString()}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round = (x: number): number => Math.round(x * 100) / 100;

const slot = mkdtempSync(join(tmpdir(), 'codex-fleet-bench-'));
try {
  const spec: AgentSpec = {
    name: 'bench-bot', role: 'bench', model: 'gpt-4.1-mini', max_tokens: 1024, cost_budget: 0.1, allowed_syscalls: [],
    worker: { kind: 'plugin', plugin: 'builtin:bench', pluginPath: join(slot, 'plugin.js') }, read_paths: [],
    concurrency: 1, limits: { max_turns: 1, wall_time_s: 60, retries: 0, memory_mb: 2048 }, exec: [],
    restart: { max_restarts: 0, window_s: 60 }, file: join(slot, 'bench-bot.yaml'),
  };
  const node = process.execPath;
  const policy = compilePolicy(spec, { kind: 'worker', slotDir: slot });
  const sandboxed = buildSandboxedSpawn(policy, [node, '-e', '0']);
  const bare = { file: node, args: ['-e', '0'], env: sandboxed.env, cwd: slot };
  const bwrap = findBwrap();
  const peer = bwrap === undefined ? undefined : { file: bwrap, args: ['--ro-bind', '/', '/', '--unshare-net', node, '-e', '0'] };

  const samples = { bare: [] as number[], sandboxed: [] as number[], peer: [] as number[] };
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const b = time(bare.file, bare.args, bare.env, slot);
    const s = time(sandboxed.file, sandboxed.args, sandboxed.env, sandboxed.cwd);
    const p = peer === undefined ? undefined : time(peer.file, peer.args, bare.env, slot);
    if (i < WARMUP) continue;
    samples.bare.push(b);
    samples.sandboxed.push(s);
    if (p !== undefined) samples.peer.push(p);
  }
  const bareMs = median(samples.bare);
  const sandboxedMs = median(samples.sandboxed);
  const peerMs = peer === undefined ? null : round(median(samples.peer));
  console.log(`node -e 0, ${RUNS} interleaved runs each (median):`);
  console.log(`  bare                         ${round(bareMs)} ms`);
  console.log(`  codex-fleet-launcher worker  ${round(sandboxedMs)} ms (${round(sandboxedMs / bareMs)}x)`);
  console.log(
    peerMs === null ? '  bwrap                        not installed (apt-get install bubblewrap)' : `  bwrap --unshare-net          ${peerMs} ms (${round(peerMs / bareMs)}x)`,
  );
  console.log(JSON.stringify({ bare_ms: round(bareMs), sandboxed_ms: round(sandboxedMs), ratio: Math.round((sandboxedMs / bareMs) * 1000) / 1000, peer_ms: peerMs, runs: RUNS }));
} finally {
  rmSync(slot, { recursive: true, force: true });
}
