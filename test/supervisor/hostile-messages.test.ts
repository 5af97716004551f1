/**
 * Workers whose messages try to hurt the fleet, against the real sandbox: a result too deep to store,
 * and messages that claim another task's id. The fleet goes on; the claims are refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Status, Submit, WaitTask } from '../../src/control/methods.js';
import { MAX_JSON_DEPTH } from '../../src/protocol/version.js';
import { RpcError } from '../../src/rpc/errors.js';
import { connect, startFleet, useFleetTest, writeAgent } from './helpers.js';

const t = useFleetTest();

describe('a worker that answers a result nested 100,000 levels deep', () => {
  it('fails that task with the reason; the worker, its agent and the fleet go on', async () => {
    writeAgent(t.dir, 'deep', 'deep-result', 'limits:\n  retries: 2');
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);

    const deep = (await t.client.request(Submit, { agent: 'deep', input: 'deep' })).task;
    const failed = (await t.client.request(WaitTask, { id: deep.id, timeout_s: 60 })).task;
    expect(failed.state).toBe('failed');
    expect(failed.attempts).toBe(1); // a bad result is the worker's answer, not a lost worker: no retry
    const path = `/result/output/nested${'/0'.repeat(MAX_JSON_DEPTH - 3)}`; // the first array at level 257
    expect(failed.error).toBe(
      `Invalid response to "task/run": ${path.slice(0, 60)}… (${MAX_JSON_DEPTH} levels): nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`,
    );

    // The same worker takes the next task; another agent is unaffected; the journal was never in question.
    for (const agent of ['deep', 'echo']) {
      const next = (await t.client.request(Submit, { agent, input: { after: agent } })).task;
      expect((await t.client.request(WaitTask, { id: next.id, timeout_s: 60 })).task).toMatchObject({ state: 'done', result: { output: { after: agent } } });
    }
    expect(t.fleet.events.filter((e) => e.type === 'fleet.error')).toEqual([]);
    expect(t.fleet.events.filter((e) => e.type === 'worker.exit')).toEqual([]);
    const status = await t.client.request(Status, {});
    expect(status.agents.find((a) => a.name === 'deep')).toMatchObject({ state: 'running', failed: 1, done: 1, restarts: 0 });
  }, 120_000);
});

describe('task input and output near the depth limit', () => {
  it(`runs an input ${MAX_JSON_DEPTH - 3} levels deep to the worker and back, and refuses one level more at submit`, async () => {
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const nested = (n: number): unknown => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown;
    const fits = nested(MAX_JSON_DEPTH - 3);
    const task = (await t.client.request(Submit, { agent: 'echo', input: fits })).task;
    expect((await t.client.request(WaitTask, { id: task.id, timeout_s: 60 })).task).toMatchObject({ state: 'done', result: { output: fits } });

    const refused = await t.client.request(Submit, { agent: 'echo', input: nested(MAX_JSON_DEPTH - 2) }).catch((e: unknown) => e as RpcError);
    expect(refused).toBeInstanceOf(RpcError);
    expect((refused as RpcError).code).toBe(-32602);
    expect((refused as RpcError).data).toMatchObject({ path: `/params/input${'/0'.repeat(MAX_JSON_DEPTH - 3)}` });
    expect((await t.client.request(Status, {})).agents[0]).toMatchObject({ queued: 0, done: 1 });
  }, 120_000);
});

describe('a worker whose messages name another task', () => {
  it('is refused: its model call gets -32602 at /params/task_id, its log and progress for that task are dropped', async () => {
    writeAgent(t.dir, 'claimer', 'claim-other-task');
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const victim = (await t.client.request(Submit, { agent: 'echo', input: { ms: 200 } })).task;
    const own = (await t.client.request(Submit, { agent: 'claimer', input: { other: victim.id } })).task;
    expect((await t.client.request(WaitTask, { id: own.id, timeout_s: 60 })).task).toMatchObject({ state: 'done', result: { output: 'claimed' } });

    const reply = JSON.parse(readFileSync(join(t.dir.paths.slot('claimer', 0), 'reply.json'), 'utf8')) as unknown;
    const issue = `task_id "${victim.id}" is not this worker's task (it runs ${own.id})`;
    expect(reply).toEqual({
      jsonrpc: '2.0',
      id: `claim-${own.id}`,
      error: { code: -32602, message: `Invalid params for "model/complete": /params/task_id: ${issue}`, data: { path: '/params/task_id', message: issue } },
    });
    const fromClaimer = t.fleet.events.filter((e) => e.agent === 'claimer' && (e.type === 'log' || e.type === 'task.progress'));
    expect(fromClaimer.map((e) => [e.type, e.task, e.message])).toEqual([
      ['log', own.id, 'info: own log'],
      ['task.progress', own.id, `task ${own.id}: own progress`],
    ]);
    expect(t.fleet.events.some((e) => e.task === victim.id && /forged/.test(e.message))).toBe(false);
  }, 120_000);
});
