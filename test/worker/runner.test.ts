/** The worker runner over the in-memory pair, with the conformance kit's supervisor stub on the other end. */
import { afterEach, describe, expect, it } from 'vitest';
import { initializeParams } from '../../src/conformance/checks.js';
import { CANNED_DELTAS, CANNED_SHA, serveStub } from '../../src/conformance/stub.js';
import { ErrorCodes } from '../../src/protocol/error-codes.js';
import { Exit, Initialize, Shutdown } from '../../src/protocol/lifecycle.js';
import { TaskRun, type TaskProgressParams } from '../../src/protocol/task.js';
import { Connection } from '../../src/rpc/connection.js';
import { RpcError } from '../../src/rpc/errors.js';
import { createLinkedPair } from '../../src/rpc/memory-transport.js';
import { definePlugin, type WorkerPlugin } from '../../src/worker/plugin.js';
import { startWorker, type RunningWorker } from '../../src/worker/runner.js';

const opened: Connection[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

async function setup(plugin: WorkerPlugin): Promise<{ sup: Connection; worker: RunningWorker; stub: ReturnType<typeof serveStub>; diagnostics: string[] }> {
  const [a, b] = createLinkedPair();
  const diagnostics: string[] = [];
  const worker = startWorker({ transport: b, plugin, diagnostics: (l) => diagnostics.push(l), shutdownGraceMs: 2000 });
  const sup = new Connection(a);
  opened.push(sup);
  const stub = serveStub(sup);
  await sup.start();
  return { sup, worker, stub, diagnostics };
}

const init = initializeParams('/tmp/ws');
const task = (kind: string, input: unknown = null, id = 't1') => ({ task: { id, kind, input } });
const failure = (p: Promise<unknown>): Promise<RpcError> => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as RpcError);

describe('worker runner', () => {
  it('gives the plugin a ctx whose model, exec, commit, log and progress reach the supervisor', async () => {
    const plugin = definePlugin({
      name: 'all-services',
      async onTask(t, ctx) {
        await ctx.progress('thinking', 0.25);
        const reply = ctx.model.complete({ prompt: String(t.input) });
        const deltas: string[] = [];
        for await (const d of reply) deltas.push(`${d.index}:${d.text}`);
        const final = await reply.result;
        const ran = await ctx.exec(['echo', 'hi'], { cwd: 'sub' });
        const committed = await ctx.commit('msg', ['a.txt']);
        ctx.log('done', { level: 'warn', fields: { n: 1 } });
        ctx.setSummary('all services used');
        return { deltas, text: final.text, tokens: final.usage.output_tokens, stdout: ran.stdout, sha: committed.sha, agent: ctx.agent.name };
      },
    });
    const { sup, stub } = await setup(plugin);
    const init1 = await sup.request(Initialize, init);
    expect(init1.worker.name).toBe('codex-fleet-node-runner/all-services');
    const progress: TaskProgressParams[] = [];
    const result = await sup.request(TaskRun, task('job', 'hello'), { onStream: (n) => progress.push(n.params as TaskProgressParams) });
    expect(result).toEqual({
      output: {
        deltas: CANNED_DELTAS.map((t, i) => `${i}:${t}`),
        text: CANNED_DELTAS.join(''),
        tokens: 5,
        stdout: 'conformance ok\n',
        sha: CANNED_SHA,
        agent: 'conformance',
      },
      summary: 'all services used',
    });
    expect(progress).toEqual([{ request_id: 2, task_id: 't1', message: 'thinking', fraction: 0.25 }]);
    expect(stub.modelCalls[0]).toEqual({ messages: [{ role: 'user', content: 'hello' }], stream: true, task_id: 't1' });
    expect(stub.execCalls[0]).toEqual({ argv: ['echo', 'hi'], cwd: 'sub', task_id: 't1' });
    expect(stub.commitCalls[0]).toEqual({ message: 'msg', paths: ['a.txt'], task_id: 't1' });
    expect(stub.logs).toContainEqual({ level: 'warn', message: 'done', task_id: 't1', fields: { n: 1 } });
  });

  it('turns a plugin error into TaskFailed and passes our own codes through', async () => {
    const { sup } = await setup({
      async onTask(t, ctx) {
        if (t.kind === 'denied') await ctx.exec(['conformance-denied']);
        throw new TypeError('bad input');
      },
    });
    await sup.request(Initialize, init);
    const failed = await failure(sup.request(TaskRun, task('boom')));
    expect(failed.code).toBe(ErrorCodes.TaskFailed);
    expect(failed.message).toBe('Task failed: bad input');
    expect(failed.data).toMatchObject({ message: 'bad input', name: 'TypeError' });
    const denied = await failure(sup.request(TaskRun, task('denied', null, 't2')));
    expect(denied.code).toBe(ErrorCodes.ExecNotAllowed);
  });

  it('cancels a task: the plugin sees its signal abort and the answer is RequestCancelled', async () => {
    let seen: AbortSignal | undefined;
    const { sup } = await setup({
      onTask: (_t, ctx) =>
        new Promise((_r, reject) => {
          seen = ctx.signal;
          ctx.signal.addEventListener('abort', () => reject(new Error('stopped')));
        }),
    });
    await sup.request(Initialize, init);
    const controller = new AbortController();
    const call = sup.request(TaskRun, task('wait'), { signal: controller.signal });
    while (seen === undefined) await new Promise((r) => setImmediate(r));
    controller.abort();
    await expect(call).rejects.toThrow('Request "task/run" was cancelled');
    expect(seen.aborted).toBe(true);
  });

  it('refuses tasks before initialize, past its concurrency, and after shutdown', async () => {
    let release: (() => void) | undefined;
    let shutdowns = 0;
    const { sup, worker } = await setup({
      onTask: () => new Promise((r) => (release = () => r('ok'))),
      shutdown: () => void shutdowns++,
    });
    expect((await failure(sup.request(TaskRun, task('x')))).code).toBe(ErrorCodes.NotInitialized);
    await sup.request(Initialize, init);
    const first = sup.request(TaskRun, task('x'));
    while (release === undefined) await new Promise((r) => setImmediate(r));
    const busy = await failure(sup.request(TaskRun, task('x', null, 't2')));
    expect(busy.code).toBe(ErrorCodes.Busy);
    expect(busy.message).toBe('Busy: already running 1 of 1 tasks');
    release();
    await expect(first).resolves.toEqual({ output: 'ok' });
    await expect(sup.request(Shutdown, {})).resolves.toBeNull();
    expect(shutdowns).toBe(1);
    expect((await failure(sup.request(TaskRun, task('x', null, 't3')))).code).toBe(ErrorCodes.ShuttingDown);
    await sup.notify(Exit, {});
    await expect(worker.done).resolves.toBe(0);
  });

  it('checks the method and the params before the state: before initialize, -32601 and -32602 come first', async () => {
    const [a, b] = createLinkedPair();
    startWorker({ transport: b, plugin: { onTask: () => null }, diagnostics: () => undefined });
    const replies: unknown[] = [];
    a.onmessage = (m) => void replies.push(m);
    await a.start();
    await a.sendLine('{"jsonrpc":"2.0","id":1,"method":"no/such/method","params":{}}\n');
    await a.sendLine('{"jsonrpc":"2.0","id":2,"method":"task/run","params":{"task":{"id":7,"kind":"x","input":null}}}\n');
    await a.sendLine('{"jsonrpc":"2.0","id":3,"method":"task/run","params":{"task":{"id":"t","kind":"x","input":null}}}\n');
    while (replies.length < 3) await new Promise((r) => setImmediate(r));
    expect(replies.map((r) => [(r as { id: number }).id, (r as { error: { code: number } }).error.code])).toEqual([
      [1, ErrorCodes.MethodNotFound],
      [2, ErrorCodes.InvalidParams],
      [3, ErrorCodes.NotInitialized],
    ]);
    await a.close();
  });

  it('answers a batch holding a task/run with one array, once the task has ended', async () => {
    const [a, b] = createLinkedPair();
    let release: (() => void) | undefined;
    startWorker({ transport: b, plugin: { onTask: () => new Promise((r) => (release = () => r('done'))) }, diagnostics: () => undefined });
    const replies: unknown[] = [];
    a.onmessage = (m) => void replies.push(m);
    await a.start();
    const next = async (): Promise<unknown> => {
      while (replies.length === 0) await new Promise((r) => setImmediate(r));
      return replies.shift();
    };
    await a.sendLine(`${JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: init })}\n`);
    expect(await next()).toMatchObject({ id: 'init' });
    await a.sendLine(
      '[{"jsonrpc":"2.0","id":"b-ping","method":"ping"},{"jsonrpc":"2.0","id":"b-task","method":"task/run","params":{"task":{"id":"t","kind":"x","input":null}}}]\n',
    );
    while (release === undefined) await new Promise((r) => setImmediate(r));
    // While the task runs, the batch is not answered, but a ping on its own line is.
    await a.sendLine('{"jsonrpc":"2.0","id":"alone","method":"ping"}\n');
    expect(await next()).toEqual({ jsonrpc: '2.0', id: 'alone', result: {} });
    release();
    const batch = (await next()) as { id: string }[];
    expect(Array.isArray(batch)).toBe(true);
    expect(batch.map((r) => r.id).sort()).toEqual(['b-ping', 'b-task']);
    expect(batch.find((r) => r.id === 'b-task')).toEqual({ jsonrpc: '2.0', id: 'b-task', result: { output: 'done' } });
    await a.close();
  });

  it('answers NotInitialized to shutdown before initialize, like every request but ping', async () => {
    const { sup, worker } = await setup({ onTask: () => null });
    expect((await failure(sup.request(Shutdown, {}))).code).toBe(ErrorCodes.NotInitialized);
    await sup.request(Initialize, init);
    await expect(sup.request(Shutdown, {})).resolves.toBeNull();
    await sup.notify(Exit, {});
    await expect(worker.done).resolves.toBe(0);
  });

  it('answers PluginFailed when init throws, and UnsupportedProtocolVersion for another major', async () => {
    const { sup } = await setup({
      init: () => {
        throw new Error('no config');
      },
      onTask: () => null,
    });
    const old = await failure(sup.request(Initialize, { ...init, protocol_version: '2.0' }));
    expect(old.code).toBe(ErrorCodes.UnsupportedProtocolVersion);
    expect(old.data).toEqual({ supported: ['1.1'] });
    const broken = await failure(sup.request(Initialize, init));
    expect(broken.code).toBe(ErrorCodes.PluginFailed);
    expect(broken.message).toBe('Plugin failed: no config');
  });

  it('ends with status 1 and calls the plugin\'s shutdown when the supervisor goes away', async () => {
    let shutdowns = 0;
    const { sup, worker } = await setup({ onTask: () => null, shutdown: () => void shutdowns++ });
    await sup.request(Initialize, init);
    await sup.close();
    await expect(worker.done).resolves.toBe(1);
    expect(shutdowns).toBe(1);
  });
});
