/** `codex fleet submit | tasks | result | cancel`: tasks of a running fleet. */
import { readFile, stat, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ControlClient } from '../../control/client.js';
import { CancelTask, GetTask, ListTasks, ReadTask, Submit, WaitTask, type TaskView } from '../../control/methods.js';
import { MAX_TASK_INPUT_BYTES, formatBytes } from '../../control/task-limits.js';
import { escapeBlock, escapeLine } from '../../terminal/escape.js';
import { CliError } from '../errors.js';
import { addStateDirOption, printJson, withFleet, type StateDirOption } from '../fleet-client.js';

/** The whole JSON text of a task's input or result, read page by page with `tasks/read`. */
async function readWhole(client: ControlClient, id: string, field: 'input' | 'result'): Promise<unknown> {
  let text = '';
  for (;;) {
    const page = await client.request(ReadTask, { id, field, offset: text.length });
    text += page.text;
    if (page.done) break;
  }
  return text === '' ? null : (JSON.parse(text) as unknown);
}

/** The task with its input and result filled in where the view left them out (they were too large). */
async function wholeTask(client: ControlClient, task: TaskView): Promise<TaskView> {
  return {
    ...task,
    ...(task.input_inline ? {} : { input: await readWhole(client, task.id, 'input'), input_inline: true }),
    ...(task.result_inline ? {} : { result: await readWhole(client, task.id, 'result'), result_inline: true }),
  };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function age(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

/**
 * Prints a finished task's result (or its error), or writes it to `output`, and sets the exit code: 0
 * only when done. A result too large for the task view is read in pages.
 */
async function printOutcome(client: ControlClient, view: TaskView, options: { json?: boolean | undefined; output?: string | undefined }): Promise<void> {
  const task = view.state === 'done' || options.json ? await wholeTask(client, view) : view;
  if (options.json && options.output === undefined) printJson(task);
  else if (task.state === 'done') {
    const output = options.json ? task : (task.result as { output?: unknown } | null)?.output;
    const raw = typeof output === 'string' ? output : JSON.stringify(output, null, 2);
    // The worker's text: control characters are shown, not obeyed (--json and --output keep it exact).
    const text = `${options.json || options.output !== undefined ? raw : escapeBlock(raw)}\n`;
    if (options.output === undefined) process.stdout.write(text);
    else {
      await writeFile(options.output, text).catch((e: Error) => {
        throw new CliError(`Cannot write the result to ${options.output}: ${e.message}`);
      });
      process.stderr.write(`task ${task.id}: result written to ${options.output} (${formatBytes(Buffer.byteLength(text))})\n`);
    }
  } else if (task.state === 'failed' || task.state === 'cancelled') {
    process.stderr.write(`codex fleet: task ${task.id} ${task.state}: ${escapeLine(task.error ?? 'no reason given')}\n`);
  } else {
    process.stdout.write(`task ${task.id} is ${task.state}\n`);
  }
  process.exitCode = task.state === 'done' ? 0 : task.state === 'failed' || task.state === 'cancelled' ? 1 : 0;
}

/** Reads a `--file` input, refusing one larger than a task input may be before sending anything. */
async function readInputFile(file: string): Promise<unknown> {
  const size = await stat(file).then((s) => s.size, (e: Error) => {
    throw new CliError(`Cannot read ${file}: ${e.message}`);
  });
  if (size > MAX_TASK_INPUT_BYTES) {
    throw new CliError(
      `${file} is ${formatBytes(size)}, more than the ${formatBytes(MAX_TASK_INPUT_BYTES)} a task input may be: ` +
        'put large data in files in the project and pass their paths in the input',
    );
  }
  const text = await readFile(file, 'utf8').catch((e: Error) => {
    throw new CliError(`Cannot read ${file}: ${e.message}`);
  });
  return parseJson(text, file);
}

export function registerTaskCommands(fleet: Command): void {
  addStateDirOption(
    fleet
      .command('submit')
      .description('Queue a task for an agent; prints its id (with --wait, its result).')
      .argument('<agent>', 'the agent to run it')
      .option('--input <json>', 'the task input, as JSON')
      .option('--file <task.json>', 'read the task input from a JSON file')
      .option('--kind <kind>', 'what to do, for the agent\'s plugin', 'default')
      .option('--wait', 'wait for the task to finish and print its result')
      .option('--timeout <seconds>', 'with --wait: give up waiting after this long (the task goes on)', Number)
      .option('--json', 'print the task as JSON')
      .addHelpText(
        'after',
        '\nExit status with --wait: 0 when the task is done, 1 when it failed or was cancelled.\n\nExamples:\n' +
          '  $ codex fleet submit echo-bot --input \'{"text":"hi"}\' --wait\n  $ codex fleet submit patch-bot --file repair.json',
      ),
  ).action(async (agent: string, options: StateDirOption & { input?: string; file?: string; kind: string; wait?: boolean; timeout?: number; json?: boolean }) => {
    if (options.input !== undefined && options.file !== undefined) throw new CliError('Give the input with --input or --file, not both', 2);
    const input =
      options.file !== undefined
        ? await readInputFile(options.file)
        : options.input !== undefined
          ? parseJson(options.input, '--input')
          : null;
    if (options.timeout !== undefined && !(options.timeout > 0)) throw new CliError('--timeout must be a number of seconds > 0', 2);
    await withFleet(options, async (client) => {
      const { task, note } = await client.request(Submit, { agent, kind: options.kind, input });
      if (note && !options.json) process.stderr.write(`codex fleet: note: ${note}\n`);
      if (!options.wait) {
        if (options.json) printJson(task);
        else process.stdout.write(`${task.id}\n`);
        return;
      }
      if (!options.json) process.stderr.write(`${task.id} queued; waiting…\n`);
      const done = await client.request(WaitTask, { id: task.id, ...(options.timeout ? { timeout_s: options.timeout } : {}) });
      await printOutcome(client, done.task, { json: options.json });
    });
  });

  addStateDirOption(
    fleet
      .command('tasks')
      .description('List tasks, newest first.')
      .option('--agent <agent>', 'only this agent\'s')
      .option('--state <state>', 'only tasks in this state (queued, running, done, failed, cancelled)')
      .option('--limit <n>', 'at most this many', Number, 50)
      .option('--json', 'print them as a JSON array')
      .addHelpText('after', '\nExamples:\n  $ codex fleet tasks\n  $ codex fleet tasks --agent patch-bot --state failed --json'),
  ).action(async (options: StateDirOption & { agent?: string; state?: string; limit: number; json?: boolean }) => {
    if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 10_000) {
      throw new CliError(`--limit must be a whole number from 1 to 10000, got "${String(options.limit)}"`, 2);
    }
    const states = ['queued', 'running', 'done', 'failed', 'cancelled'];
    if (options.state !== undefined && !states.includes(options.state)) {
      throw new CliError(`--state must be one of ${states.join(', ')}, got "${options.state}"`, 2);
    }
    await withFleet(options, async (client) => {
      const { tasks, truncated } = await client.request(ListTasks, {
        ...(options.agent ? { agent: options.agent } : {}),
        ...(options.state ? { state: options.state as TaskView['state'] } : {}),
        limit: options.limit,
      });
      if (truncated) process.stderr.write('codex fleet: note: the list was cut short (it grew too large to send): narrow it with --state, --agent or --limit\n');
      if (options.json) return printJson(tasks);
      if (tasks.length === 0) return void process.stdout.write('no tasks\n');
      const rows = tasks.map((t) => [t.id, t.agent, t.state, String(t.attempts), age(t.created_at), escapeLine((t.error ?? '').split('\n')[0]!.slice(0, 120))]);
      const header = ['ID', 'AGENT', 'STATE', 'TRIES', 'AGE', 'NOTE'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const row of [header, ...rows]) process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()}\n`);
    });
  });

  addStateDirOption(
    fleet
      .command('result')
      .description('Print a task\'s result (or why it failed).')
      .argument('<id>', 'the task id')
      .option('--json', 'print the whole task as JSON')
      .option('--output <file>', 'write the result to this file instead of printing it (large results are read in pages)')
      .addHelpText(
        'after',
        '\nExit status: 0 when the task is done, 1 when it failed or was cancelled.\n\nExamples:\n  $ codex fleet result tmifx2k3a9f01c\n' +
          '  $ codex fleet result tmifx2k3a9f01c --json\n  $ codex fleet result tmifx2k3a9f01c --output result.json',
      ),
  ).action(async (id: string, options: StateDirOption & { json?: boolean; output?: string }) => {
    await withFleet(options, async (client) => printOutcome(client, (await client.request(GetTask, { id })).task, options));
  });

  addStateDirOption(
    fleet
      .command('cancel')
      .description('Cancel a queued or running task.')
      .argument('<id>', 'the task id')
      .addHelpText('after', '\nExamples:\n  $ codex fleet cancel tmifx2k3a9f01c'),
  ).action(async (id: string, options: StateDirOption) => {
    await withFleet(options, async (client) => {
      const { task } = await client.request(CancelTask, { id });
      process.stdout.write(`task ${task.id} is ${task.state}\n`);
    });
  });
}
