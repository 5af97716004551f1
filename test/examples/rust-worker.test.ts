/**
 * The Rust reference worker (examples/rust-worker), built here with cargo from Debian's packaged crates:
 * its unit tests, the conformance kit bare and under its agent's sandbox, its own tasks against the
 * kit's stub supervisor (the only supervisor that serves model calls today), and a real fleet started
 * and driven from the command line. Without cargo (or the crates) every test here fails, each with
 * the reason: none of them passes or is skipped without having run the worker.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initializeParams } from '../../src/conformance/checks.js';
import { Session } from '../../src/conformance/session.js';
import { CANNED_COST_USD, CANNED_DELTAS, CANNED_USAGE } from '../../src/conformance/stub.js';
import { ErrorCodes } from '../../src/protocol/error-codes.js';
import { Initialize, Ping } from '../../src/protocol/lifecycle.js';
import { ModelComplete, ModelDelta } from '../../src/protocol/services.js';
import { TaskProgress, TaskRun, type TaskProgressParams } from '../../src/protocol/task.js';
import { RpcError } from '../../src/rpc/errors.js';
import { buildSandboxedSpawn } from '../../src/sandbox/launcher.js';
import { compilePolicy } from '../../src/sandbox/policy.js';
import { loadAgentSpecs } from '../../src/spec/load.js';
import type { AgentSpec } from '../../src/spec/types.js';
import { workerArgv } from '../../src/supervisor/worker-program.js';
import { codexBin, runFleetChild } from '../helpers/cli.js';
import { buildRustWorker, cargo, rustWorkerDir } from '../helpers/rust-worker.js';
import { expectNoProcessesLeft, waitFor } from '../supervisor/helpers.js';

const agentsDir = join(rustWorkerDir, 'agents');
let build: { binary: string } | { error: Error } = { error: new Error('the Rust worker was not built') };

// A first build compiles serde and serde_json from source: minutes on a loaded 2-core machine.
beforeAll(() => {
  try {
    build = { binary: buildRustWorker() };
  } catch (error) {
    build = { error: error as Error };
  }
}, 900_000);

/** The built binary; throws why it could not be built (so each test fails with the reason). */
function rustWorker(): string {
  if ('error' in build) throw build.error;
  return build.binary;
}

const fleet = runFleetChild;

async function rustAgent(): Promise<AgentSpec> {
  const loaded = await loadAgentSpecs([agentsDir]);
  expect(loaded.diagnostics.map(String)).toEqual([]);
  const agent = loaded.agents.find((a) => a.name === 'rust-worker');
  if (!agent) throw new Error(`no rust-worker agent in ${agentsDir}`);
  return agent;
}

describe('the Rust worker', () => {
  it('passes its own unit tests (cargo test)', () => {
    rustWorker();
    const out = cargo(['test', '--release', '--offline']);
    expect(out).toMatch(/test result: ok\. [1-9]\d* passed; 0 failed/);
  }, 900_000);

  it('passes the conformance kit bare', async () => {
    const r = await fleet(['conformance', '--', rustWorker()]);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('22 checks: 22 passed, 0 failed');
    expect(r.status).toBe(0);
  }, 120_000); // three worker processes and 22 checks: a few seconds, far more on a loaded machine

  it("passes the conformance kit under its agent's sandbox (--agent), with no syscall beyond the base set", async () => {
    rustWorker();
    expect((await rustAgent()).allowed_syscalls).toEqual([]);
    const r = await fleet(['conformance', '--agent', 'rust-worker', '--agents-dir', agentsDir]);
    expect(r.stdout).toMatch(/^running rust-worker's worker under its sandbox \(workspace \//);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('22 checks: 22 passed, 0 failed');
    expect(r.status).toBe(0);
  }, 120_000); // three worker processes and 22 checks: a few seconds, far more on a loaded machine
});

describe("the Rust worker's own tasks, under its sandbox, against the conformance kit's stub supervisor", () => {
  let root: string;
  let slot: string;
  let session: Session | undefined;

  beforeEach(async () => {
    rustWorker();
    root = mkdtempSync(join(tmpdir(), 'cf-rust-'));
    chmodSync(root, 0o711); // as root, the worker runs as an unprivileged user that must pass through to its slot
    slot = join(root, 'slot');
    mkdirSync(slot);
    writeFileSync(join(slot, 'notes.md'), '# Notes\n\nThe fleet runs cheap specialists.\nEach one is sandboxed. ✓\n');
    writeFileSync(join(root, 'secret.txt'), 'not for workers\n');
    const agent = await rustAgent();
    const launch = buildSandboxedSpawn(compilePolicy(agent, { kind: 'worker', slotDir: slot }), workerArgv(agent));
    session = await Session.spawn(workerArgv(agent), launch);
    const init = await session.conn.request(Initialize, initializeParams(slot));
    expect(init.worker).toEqual({ name: 'rust-worker', version: '1.0.0', language: 'rust' });
  });

  afterEach(async () => {
    await session?.dispose();
    session = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  async function run(id: string, kind: string, input: unknown, progress: TaskProgressParams[] = []): Promise<unknown> {
    const result = await session!.conn.request(TaskRun, { task: { id, kind, input } }, { onStream: (n) => void progress.push(n.params as TaskProgressParams) });
    return result.output;
  }

  it('summarise sends the file to the model, streams the reply as progress and holds it to the word limit', async () => {
    const progress: TaskProgressParams[] = [];
    const output = await run('sum-1', 'summarise', { path: 'notes.md', words: 2 }, progress);
    // The stub's canned reply is "Hello, fleet ✓!": three words, cut to two.
    expect(output).toEqual({
      source: 'notes.md',
      summary: 'Hello, fleet…',
      words: 2,
      complete: false,
      input_cut: false,
      model: 'conformance-model',
      usage: CANNED_USAGE,
      cost_usd: CANNED_COST_USD,
    });
    const call = session!.stub.modelCalls[0]!;
    expect(session!.stub.modelCalls).toHaveLength(1);
    expect(call.stream).toBe(true);
    expect(call.task_id).toBe('sum-1');
    expect(call.max_tokens).toBe(32);
    expect(call.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(call.messages[0]!.content).toContain('at most 2 words');
    expect(call.messages[1]!.content).toBe(`Summarise notes.md:\n\n${readFileSync(join(slot, 'notes.md'), 'utf8')}`);
    expect(progress.map((p) => p.message)).toEqual(['asking the model to summarise notes.md', 'the model is replying', 'summary ready']);
    expect(progress.every((p) => p.task_id === 'sum-1')).toBe(true);
    expect(session!.stub.logs).toEqual([{ level: 'info', message: 'summarising notes.md (70 bytes)', task_id: 'sum-1' }]);
  });

  it('summarise of inline text keeps the whole reply; count needs no model', async () => {
    const summary = (await run('sum-2', 'summarise', { text: 'fn main() {}' })) as { summary: string; complete: boolean };
    expect(summary.summary).toBe(CANNED_DELTAS.join(''));
    expect(summary.complete).toBe(true);
    const counted = await run('count-1', 'count', { path: 'notes.md' });
    expect(counted).toEqual({ source: 'notes.md', lines: 4, words: 12, chars: 68, bytes: 70, truncated: false });
    expect(session!.stub.modelCalls).toHaveLength(1);
  });

  it('refuses a path outside its workspace, and bad input, failing only that task', async () => {
    const outside = await run('out-1', 'summarise', { path: '../secret.txt' }).then(() => undefined, (e: unknown) => e);
    expect(outside).toBeInstanceOf(RpcError);
    expect((outside as RpcError).code).toBe(ErrorCodes.TaskFailed);
    expect((outside as RpcError).message).toBe(
      `Task failed: "../secret.txt" is outside the workspace ${slot}: a worker reads only its own workspace`,
    );
    const both = await run('bad-1', 'count', { path: 'notes.md', text: 'x' }).then(() => undefined, (e: unknown) => e);
    expect((both as RpcError).message).toBe('Task failed: give exactly one of "path" (a file in the workspace) and "text"');
    const unknown = await run('bad-2', 'count', { file: 'notes.md' }).then(() => undefined, (e: unknown) => e);
    expect((unknown as RpcError).message).toMatch(/^Task failed: bad input for a "count" task: unknown field `file`/);
    expect(session!.stub.modelCalls).toHaveLength(0);
    expect(await run('count-2', 'count', { text: 'still here' })).toMatchObject({ words: 2 });
  });

  it('answers a batch holding a task in one array once the task is done', async () => {
    const batch = JSON.stringify([
      { jsonrpc: '2.0', id: 'raw-t', method: 'task/run', params: { task: { id: 'batched', kind: 'count', input: { text: 'a b c' } } } },
      { jsonrpc: '2.0', id: 'raw-p', method: 'ping', params: {} },
    ]);
    const reply = (await session!.rawBatch(batch, 'raw-p')) as { id: string; result: unknown }[];
    expect(reply.map((r) => r.id).sort()).toEqual(['raw-p', 'raw-t']);
    expect(reply.find((r) => r.id === 'raw-t')!.result).toEqual({ output: { source: '(text)', lines: 1, words: 3, chars: 5, bytes: 5, truncated: false } });
  });

  it('cancelled while the model streams its reply, cancels its own model call and answers RequestCancelled', async () => {
    // This supervisor streams one piece of the reply and then waits, until the worker gives up the call.
    let modelCalled!: () => void;
    const called = new Promise<void>((resolve) => (modelCalled = resolve));
    let callCancelled!: () => void;
    const cancelled = new Promise<void>((resolve) => (callCancelled = resolve));
    session!.conn.onRequest(ModelComplete, async (_params, ctx) => {
      await ctx.stream(ModelDelta, { index: 0, text: 'Hel' });
      modelCalled();
      ctx.onCancel(callCancelled);
      return new Promise<never>(() => undefined);
    });
    const progress: unknown[] = [];
    session!.conn.onNotification(TaskProgress, (p) => void progress.push(p.message));
    const reply = session!.raw(JSON.stringify({ jsonrpc: '2.0', id: 'raw-sum', method: 'task/run', params: { task: { id: 's', kind: 'summarise', input: { text: 'x' } } } }), 'raw-sum');
    await called;
    await session!.send(`${JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'raw-sum' } })}\n`);
    expect(await reply).toMatchObject({ id: 'raw-sum', error: { code: ErrorCodes.RequestCancelled } });
    await cancelled; // the worker sent $/cancelRequest for its model/complete
    expect(progress).toEqual(['asking the model to summarise (text)', 'the model is replying']);
    expect(await run('after', 'count', { text: 'one' })).toMatchObject({ words: 1 });
  });

  it('answers a running task with RequestCancelled when its input ends, then exits with status 1', async () => {
    const reply = session!.raw(JSON.stringify({ jsonrpc: '2.0', id: 'raw-block', method: 'task/run', params: { task: { id: 'b', kind: 'conformance.block', input: null } } }), 'raw-block');
    await session!.conn.request(Ping, {}); // the task is running and the read loop still answers
    session!.child.stdin.end();
    expect(await reply).toMatchObject({ id: 'raw-block', error: { code: ErrorCodes.RequestCancelled } });
    expect(await session!.exited).toEqual({ code: 1, signal: null });
  });
});

describe('the Rust worker in a real fleet (codex fleet start + submit)', () => {
  let root: string;
  let supervisor: ChildProcess | undefined;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cf-rust-fleet-'));
    chmodSync(root, 0o711); // as root, workers run as an unprivileged user that must pass through
    supervisor = undefined;
  });

  afterEach(async () => {
    if (supervisor && supervisor.exitCode === null && supervisor.signalCode === null) supervisor.kill('SIGKILL');
    await expectNoProcessesLeft(root);
    rmSync(root, { recursive: true, force: true });
  });

  it('runs submitted tasks and stops cleanly; a task that needs a model fails without harming the worker', async () => {
    const binary = rustWorker();
    const project = join(root, 'project');
    mkdirSync(join(project, 'agents'), { recursive: true });
    spawnSync('git', ['init', '-q', project]);
    // The example's spec, with the command made absolute so it runs from this project.
    const spec = readFileSync(join(agentsDir, 'rust-worker.yaml'), 'utf8').replace('[../target/release/rust-worker]', `[${binary}]`);
    expect(spec).toContain(`command: [${binary}]`);
    writeFileSync(join(project, 'agents', 'rust-worker.yaml'), spec);
    const env = { ...process.env, CODEX_FLEET_STATE_DIR: join(root, 'state') };

    let log = '';
    supervisor = spawn(process.execPath, [codexBin, 'fleet', 'start', 'agents'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    supervisor.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
    const exited = new Promise<number | null>((resolve) => supervisor!.once('exit', (code) => resolve(code)));
    await waitFor(() => /rust-worker\[0\] worker ready/.test(log), 'the rust-worker to be ready');

    const counted = await fleet(['submit', 'rust-worker', '--kind', 'count', '--input', '{"text":"one two\\nthree ✓\\n"}', '--wait'], { cwd: project, env });
    expect(counted.stdout).toBe(JSON.stringify({ source: '(text)', lines: 2, words: 4, chars: 16, bytes: 18, truncated: false }, null, 2) + '\n');
    expect(counted.status).toBe(0);

    // The fleet serves no model calls yet (or none without a provider): the task fails, the worker stays.
    const summarised = await fleet(['submit', 'rust-worker', '--kind', 'summarise', '--input', '{"text":"fn main() {}"}', '--wait'], { cwd: project, env });
    expect(summarised.stderr).toMatch(/^t[0-9a-z]+ queued; waiting…\ncodex fleet: task t[0-9a-z]+ failed: .+\n$/);
    expect(summarised.status).toBe(1);
    expect(log).toMatch(/rust-worker\[0\] info: summarising \(text\) \(12 bytes\)\n/);

    const echoed = await fleet(['submit', 'rust-worker', '--kind', 'conformance.echo', '--input', '{"ok":true}', '--wait'], { cwd: project, env });
    expect(echoed.stdout).toBe('{\n  "ok": true\n}\n');

    const status = JSON.parse((await fleet(['status', '--json'], { cwd: project, env })).stdout) as { sandbox: string; agents: unknown[] };
    expect(status.sandbox).toBe('enforced');
    expect(status.agents).toEqual([expect.objectContaining({ name: 'rust-worker', state: 'running', workers: 1, done: 2, failed: 1 })]);
    expect(log.match(/worker ready \(pid \d+\)/g)?.every((l) => l === log.match(/worker ready \(pid \d+\)/)![0])).toBe(true);

    const stopped = await fleet(['stop'], { cwd: project, env });
    expect(stopped.status).toBe(0);
    expect(await exited).toBe(0);
    expect(log).toMatch(/rust-worker\[0\] worker exited with code 0\n/);
    // Six CLI processes and a fleet: 15 s on a quiet machine, several times that on a loaded 2-core one.
  }, 180_000);
});
