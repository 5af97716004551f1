/**
 * Large tasks against a real fleet: one large task must not break reading tasks for everyone. Lists
 * carry summaries, a task view leaves out what is over VIEW_INLINE_BYTES, `tasks/read` and
 * `codex fleet result --output` give the whole of it, and inputs and results over the maximum are refused
 * with a clear error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlErrorCodes, GetTask, ListTasks, ReadTask, Submit, WaitTask } from '../../src/control/methods.js';
import { MAX_TASK_INPUT_BYTES, MAX_TASK_RESULT_BYTES, PREVIEW_CHARS, VIEW_INLINE_BYTES } from '../../src/control/task-limits.js';
import { RpcError } from '../../src/rpc/errors.js';
import { connect, runFleetAsync, startFleet, useFleetTest, writeAgent } from './helpers.js';

const t = useFleetTest();

describe('a task larger than a task view carries', () => {
  it('is listed as a summary, viewed without its input and result, and read whole in pages or by "result --output"', async () => {
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    // 6 MiB of input and the same back as the result: together over what one view may carry.
    const text = 'é'.repeat(3 * 1024 * 1024); // 2 bytes each in UTF-8
    const input = { text };
    const submitted = await t.client.request(Submit, { agent: 'echo', input });
    expect(submitted.task).toMatchObject({ input: null, input_inline: false, input_bytes: Buffer.byteLength(JSON.stringify(input)) });
    const { task } = await t.client.request(WaitTask, { id: submitted.task.id, timeout_s: 120 });
    expect(task).toMatchObject({ state: 'done', result: null, result_inline: false });
    expect(task.result_bytes).toBeGreaterThan(VIEW_INLINE_BYTES);
    // A small task beside it reads as before.
    const small = await t.client.request(Submit, { agent: 'echo', input: { text: 'hi' } });
    const smallDone = await t.client.request(WaitTask, { id: small.task.id, timeout_s: 60 });
    expect(smallDone.task).toMatchObject({ input: { text: 'hi' }, input_inline: true, result: { output: { text: 'hi' } }, result_inline: true });

    // The default list works for everyone, with sizes and short previews.
    const { tasks } = await t.client.request(ListTasks, {});
    const big = tasks.find((x) => x.id === task.id)!;
    expect(big).toMatchObject({ state: 'done', input_bytes: submitted.task.input_bytes, result_bytes: task.result_bytes });
    expect(big.input_preview).toHaveLength(PREVIEW_CHARS);
    expect(big.input_preview.startsWith('{"text":"ééé')).toBe(true);
    expect(big).not.toHaveProperty('input');

    // Pages: join them and parse.
    let joined = '';
    let pages = 0;
    for (;;) {
      const page = await t.client.request(ReadTask, { id: task.id, field: 'result', offset: joined.length, length: 1024 * 1024 });
      joined += page.text;
      pages += 1;
      if (page.done) break;
    }
    expect(pages).toBeGreaterThan(1);
    expect(JSON.parse(joined)).toEqual({ output: input });

    // The CLI: `result --output FILE` saves the whole output; `tasks` and `result` print.
    const file = join(t.dir.root, 'out.json');
    const saved = await runFleetAsync(['result', task.id, '--output', file, '--state-dir', t.dir.stateDir]);
    expect(saved.status).toBe(0);
    expect(saved.stderr).toMatch(new RegExp(`^task ${task.id}: result written to ${file} \\(\\d+\\.\\d MiB\\)\\n$`));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(input);
    const listed = await runFleetAsync(['tasks', '--state-dir', t.dir.stateDir]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(task.id);
    const printed = await runFleetAsync(['result', task.id, '--state-dir', t.dir.stateDir]);
    expect(printed.status).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual(input);
  }, 180_000);
});

describe('the maximum task input and result', () => {
  it('refuses an input over the maximum at submit, in the API and in the CLI, with one clear line', async () => {
    writeAgent(t.dir, 'echo', 'echo');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const input = 'x'.repeat(MAX_TASK_INPUT_BYTES + 1); // 9 MB with its quotes
    const refused = await t.client.request(Submit, { agent: 'echo', input }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RpcError);
    expect(refused).toMatchObject({
      code: ControlErrorCodes.TooLarge,
      message: 'The task input is 8.0 MiB, more than the 8 MiB a task input may be: put large data in files in the project and pass their paths',
    });
    // An over-16 MiB file: refused before anything is sent, in one line, without a stack.
    const file = join(t.dir.root, 'huge.json');
    writeFileSync(file, JSON.stringify({ blob: 'y'.repeat(17 * 1024 * 1024) }));
    const cli = await runFleetAsync(['submit', 'echo', '--file', file, '--state-dir', t.dir.stateDir]);
    expect(cli).toEqual({
      status: 1,
      stdout: '',
      stderr: `codex fleet: ${file} is 17.0 MiB, more than the 8 MiB a task input may be: put large data in files in the project and pass their paths in the input\n`,
    });
    const json = await runFleetAsync(['submit', 'echo', '--file', file, '--json', '--state-dir', t.dir.stateDir]);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'CODEX_FLEET_CLI', message: expect.stringContaining('17.0 MiB') } });
    expect((await t.client.request(ListTasks, {})).tasks).toEqual([]);
  }, 60_000);

  it('fails a task whose worker answers with a result over the maximum, and the fleet goes on', async () => {
    writeAgent(t.dir, 'big', 'big-result', 'limits:\n  retries: 0');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const over = await t.client.request(Submit, { agent: 'big', input: { chars: MAX_TASK_RESULT_BYTES + 10 } });
    const failed = await t.client.request(WaitTask, { id: over.task.id, timeout_s: 120 });
    expect(failed.task).toMatchObject({
      state: 'failed',
      error: "the worker's result is 8.0 MiB, more than the 8 MiB a task result may be: write large outputs to files in the workspace and return their names",
    });
    const fine = await t.client.request(Submit, { agent: 'big', input: { chars: 10 } });
    const done = await t.client.request(WaitTask, { id: fine.task.id, timeout_s: 60 });
    expect(done.task).toMatchObject({ state: 'done', result: { output: 'rrrrrrrrrr' } });
    expect((await t.client.request(GetTask, { id: over.task.id })).task.state).toBe('failed');
  }, 180_000);
});
