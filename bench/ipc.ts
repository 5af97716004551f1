/**
 * `npm run bench:ipc`: IPC round trips and stream throughput, side by side on this machine:
 *
 * - raw:  newline-delimited JSON echo between two Node processes (the floor);
 * - rpc:  our validated JSON-RPC `task/run` round trip, supervisor-side Connection ↔ the Node runner
 *         (scripts/agent-worker.ts with a plugin that returns its input), and `ping` for reference;
 * - peer: vscode-jsonrpc over stdio.
 *
 * Streams: N notifications from the child, counted (and, for rpc, validated) by the parent.
 * The last line of output is one JSON object with the figures.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import rpc from 'vscode-jsonrpc/node.js';
import { initializeParams } from '../src/conformance/checks.js';
import { Exit, Initialize, Ping, Shutdown } from '../src/protocol/lifecycle.js';
import { TaskRun } from '../src/protocol/task.js';
import { Connection } from '../src/rpc/connection.js';
import { StreamTransport } from '../src/rpc/stream-transport.js';

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const WARMUP = 2_000;
const STREAM = Number(process.env.BENCH_STREAM ?? 200_000);
const ROUNDS = 5;
const payload = { id: 'bench', kind: 'echo', input: { file: 'src/parser.ts', line: 42, text: 'const x = 1;' } };

/** Extra node flags for the children, e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them. */
const CHILD_NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

function start(args: string[]): ChildProcessByStdio<Writable, Readable, null> {
  return spawn(process.execPath, [...CHILD_NODE_ARGS, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
}

function stats(samples: number[], totalMs: number): { p50: number; p99: number; perSec: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5) * 1000, p99: at(0.99) * 1000, perSec: (samples.length / totalMs) * 1000 };
}

interface Timing {
  samples: number[];
  totalMs: number;
}

/** Times `n` sequential calls, adding to `t`. */
async function timeBatch(call: () => Promise<unknown>, n: number, t: Timing): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await call();
    t.samples.push(performance.now() - s);
  }
  t.totalMs += performance.now() - t0;
}

interface Peer {
  call(): Promise<unknown>;
  /** Messages per second of a stream of `n` notifications, or undefined. */
  stream?(n: number): Promise<number>;
  stop(): Promise<void>;
}

async function rawPeer(): Promise<Peer> {
  const child = start([here('./ipc-raw-child.js')]);
  let pending = '';
  let waiter: ((line: string) => void) | undefined;
  let counted = 0;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const text = pending === '' ? chunk : pending + chunk;
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      const line = text.slice(start, nl);
      start = nl + 1;
      const msg = JSON.parse(line) as { method?: string; id?: unknown };
      if (msg.method !== undefined && msg.id === undefined) {
        counted++;
        continue;
      }
      const w = waiter;
      waiter = undefined;
      w?.(line);
    }
    pending = text.slice(start);
  });
  const send = (msg: unknown): Promise<string> =>
    new Promise((resolve) => {
      waiter = resolve;
      child.stdin.write(`${JSON.stringify(msg)}\n`);
    });
  const request = { jsonrpc: '2.0', id: 1, method: 'task/run', params: { task: payload } };
  return {
    call: () => send(request),
    async stream(n) {
      counted = 0;
      const t0 = performance.now();
      await send({ stream: n }); // the echo comes after the n notifications
      if (counted !== n) throw new Error(`raw stream lost messages: ${counted} of ${n}`);
      return (n / (performance.now() - t0)) * 1000;
    },
    async stop() {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function rpcPeer(): Promise<Peer & { ping(): Promise<unknown> }> {
  const child = start([here('../scripts/agent-worker.js'), '--plugin', here('./ipc-plugin.js')]);
  const conn = new Connection(new StreamTransport(child.stdout, child.stdin));
  await conn.start();
  await conn.request(Initialize, initializeParams('/tmp'));
  return {
    call: () => conn.request(TaskRun, { task: payload }),
    ping: () => conn.request(Ping, {}),
    async stream(n) {
      let seen = 0;
      const t0 = performance.now();
      await conn.request(TaskRun, { task: { id: 's', kind: 'stream', input: n } }, { onStream: () => seen++ });
      if (seen !== n) throw new Error(`rpc stream lost messages: ${seen} of ${n}`);
      return (n / (performance.now() - t0)) * 1000;
    },
    async stop() {
      await conn.request(Shutdown, {});
      await conn.notify(Exit, {});
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function vscodePeer(): Promise<Peer> {
  const child = start([here('./ipc-vscode-child.js')]);
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  conn.listen();
  return {
    call: () => conn.sendRequest('echo', { task: payload }),
    async stop() {
      conn.dispose();
      child.stdin.end();
      child.kill();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const round = (n: number): number => Math.round(n * 10) / 10;
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

async function main(): Promise<void> {
  // All three peers run side by side and are measured in alternating rounds, so a change in machine
  // load during the run hits them alike.
  const raw = await rawPeer();
  const ours = await rpcPeer();
  const peer = await vscodePeer();
  const timings = { raw: { samples: [], totalMs: 0 } as Timing, rpc: { samples: [], totalMs: 0 } as Timing, ping: { samples: [], totalMs: 0 } as Timing, peer: { samples: [], totalMs: 0 } as Timing };
  const warm: Timing = { samples: [], totalMs: 0 };
  for (const p of [raw, ours, peer]) await timeBatch(() => p.call(), WARMUP, warm);
  await timeBatch(() => ours.ping(), WARMUP, warm);
  const rawStream: number[] = [];
  const rpcStream: number[] = [];
  await raw.stream?.(1000);
  await ours.stream?.(1000);
  for (let r = 0; r < ROUNDS; r++) {
    const n = Math.ceil(CALLS / ROUNDS);
    await timeBatch(() => raw.call(), n, timings.raw);
    await timeBatch(() => ours.call(), n, timings.rpc);
    await timeBatch(() => ours.ping(), n, timings.ping);
    await timeBatch(() => peer.call(), n, timings.peer);
    rawStream.push((await raw.stream?.(Math.ceil(STREAM / ROUNDS))) ?? NaN);
    rpcStream.push((await ours.stream?.(Math.ceil(STREAM / ROUNDS))) ?? NaN);
  }
  await Promise.all([raw.stop(), ours.stop(), peer.stop()]);
  const st = (t: Timing) => stats(t.samples, t.totalMs);
  const [sRaw, sRpc, sPing, sPeer] = [st(timings.raw), st(timings.rpc), st(timings.ping), st(timings.peer)];
  const result = {
    calls: timings.raw.samples.length,
    stream_msgs: Math.ceil(STREAM / ROUNDS) * ROUNDS,
    raw_p50_us: round(sRaw.p50),
    raw_p99_us: round(sRaw.p99),
    raw_calls_per_s: Math.round(sRaw.perSec),
    rpc_p50_us: round(sRpc.p50),
    rpc_p99_us: round(sRpc.p99),
    rpc_calls_per_s: Math.round(sRpc.perSec),
    rpc_ping_p50_us: round(sPing.p50),
    peer_p50_us: round(sPeer.p50),
    peer_calls_per_s: Math.round(sPeer.perSec),
    raw_stream_msgs_per_s: Math.round(median(rawStream)),
    rpc_stream_msgs_per_s: Math.round(median(rpcStream)),
    rpc_p50_vs_raw: ratio(sRpc.p50, sRaw.p50),
    rpc_calls_vs_raw: ratio(sRpc.perSec, sRaw.perSec),
    rpc_stream_vs_raw: ratio(median(rpcStream), median(rawStream)),
  };
  process.stdout.write(`raw   p50 ${result.raw_p50_us} µs, ${result.raw_calls_per_s} calls/s, stream ${result.raw_stream_msgs_per_s} msgs/s\n`);
  process.stdout.write(`rpc   p50 ${result.rpc_p50_us} µs (ping ${result.rpc_ping_p50_us} µs), ${result.rpc_calls_per_s} calls/s, stream ${result.rpc_stream_msgs_per_s} msgs/s\n`);
  process.stdout.write(`peer  p50 ${result.peer_p50_us} µs (vscode-jsonrpc), ${result.peer_calls_per_s} calls/s\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
