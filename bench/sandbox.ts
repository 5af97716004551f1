/**
 * `npm run bench:sandbox`: start-up cost of the sandbox. Median wall time of `node -e 0` bare, under the
 * launcher with the default Node worker policy as the supervisor starts workers (the fleet's shared
 * fchmod handler), under the launcher forking its own fchmod handler (as `codex fleet sandbox` and
 * `conformance` run a single program), and under bubblewrap (`bwrap --ro-bind / / --unshare-net`) as the
 * peer when it is installed. Runs are interleaved so drift hits all of them alike.
 * Last line: JSON {bare_ms, sandboxed_ms, ratio, own_handler_ms, own_handler_ratio, peer_ms, runs}.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SharedFchmodHandler } from '../src/sandbox/fchmod-handler.js';
import { resolveSandboxIdentity } from '../src/sandbox/identity.js';
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

function time(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, fd3?: number): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(file, args, { env, cwd, stdio: fd3 === undefined ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'ignore', 'pipe', fd3] });
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
    concurrency: 1, limits: { max_turns: 1, wall_time_s: 60, retries: 0, memory_mb: 2048, threads: 512, disk_mb: 1024 }, exec: [], land: 'branch', worktree: false,
    restart: { max_restarts: 0, window_s: 60 }, file: join(slot, 'bench-bot.yaml'),
  };
  const node = process.execPath;
  const identity = resolveSandboxIdentity(undefined);
  const policy = compilePolicy(spec, { kind: 'worker', slotDir: slot, ...(identity !== undefined ? { identity } : {}) });
  const handler = SharedFchmodHandler.start(identity);
  if (handler === undefined) throw new Error('the shared fchmod handler did not start');
  // spawnSync takes descriptors, not sockets: the number behind our end of the handler's socket pair.
  const handoffFd = (handler.handoff.socket as unknown as { _handle: { fd: number } })._handle.fd;
  const shared = buildSandboxedSpawn(policy, [node, '-e', '0'], { fchmodHandler: handler.handoff });
  const own = buildSandboxedSpawn(policy, [node, '-e', '0']);
  const bare = { file: node, args: ['-e', '0'], env: shared.env, cwd: slot };
  const bwrap = findBwrap();
  const peer = bwrap === undefined ? undefined : { file: bwrap, args: ['--ro-bind', '/', '/', '--unshare-net', node, '-e', '0'] };

  const samples = { bare: [] as number[], shared: [] as number[], own: [] as number[], peer: [] as number[] };
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const b = time(bare.file, bare.args, bare.env, slot);
    const s = time(shared.file, shared.args, shared.env, shared.cwd, handoffFd);
    const o = time(own.file, own.args, own.env, own.cwd);
    const p = peer === undefined ? undefined : time(peer.file, peer.args, bare.env, slot);
    if (i < WARMUP) continue;
    samples.bare.push(b);
    samples.shared.push(s);
    samples.own.push(o);
    if (p !== undefined) samples.peer.push(p);
  }
  if (!handler.alive) throw new Error(`the shared fchmod handler died during the run: ${handler.ending ?? 'no reason given'}`);
  handler.stop();
  const bareMs = median(samples.bare);
  const sandboxedMs = median(samples.shared);
  const ownMs = median(samples.own);
  const peerMs = peer === undefined ? null : round(median(samples.peer));
  const ratio = (x: number): number => Math.round((x / bareMs) * 1000) / 1000;
  console.log(`node -e 0, ${RUNS} interleaved runs each (median):`);
  console.log(`  bare                                         ${round(bareMs)} ms`);
  console.log(`  launcher, worker policy (fleet's handler)    ${round(sandboxedMs)} ms (${ratio(sandboxedMs)}x)`);
  console.log(`  launcher, worker policy (own fchmod handler) ${round(ownMs)} ms (${ratio(ownMs)}x)`);
  console.log(
    peerMs === null
      ? '  bwrap                                        not installed (apt-get install bubblewrap)'
      : `  bwrap --unshare-net                          ${peerMs} ms (${ratio(peerMs)}x)`,
  );
  console.log(
    JSON.stringify({
      bare_ms: round(bareMs),
      sandboxed_ms: round(sandboxedMs),
      ratio: ratio(sandboxedMs),
      own_handler_ms: round(ownMs),
      own_handler_ratio: ratio(ownMs),
      peer_ms: peerMs,
      runs: RUNS,
    }),
  );
} finally {
  rmSync(slot, { recursive: true, force: true });
}
