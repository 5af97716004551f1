/** `codex fleet submit | tasks | result | cancel`: tasks of a running fleet. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CancelTask, GetTask, ListTasks, Submit, WaitTask, type TaskView } from '../../control/methods.js';
import { escapeBlock, escapeLine } from '../../terminal/escape.js';
import { CliError } from '../errors.js';
import { addStateDirOption, printJson, withFleet, type StateDirOption } from '../fleet-client.js';

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

/** Prints a finished task's result (or its error) and sets the exit code: 0 only when done. */
function printOutcome(task: TaskView, json: boolean | undefined): void {
  if (json) printJson(task);
  else if (task.state === 'done') {
    const output = (task.result as { output?: unknown } | null)?.output;
    // The worker's text: control characters are shown, not obeyed (--json prints it exactly).
    process.stdout.write(`${escapeBlock(typeof output === 'string' ? output : JSON.stringify(output, null, 2))}\n`);
  } else if (task.state === 'failed' || task.state === 'cancelled') {
    process.stderr.write(`codex fleet: task ${task.id} ${task.state}: ${escapeLine(task.error ?? 'no reason given')}\n`);
  } else {
    process.stdout.write(`task ${task.id} is ${task.state}\n`);
  }
  process.exitCode = task.state === 'done' ? 0 : task.state === 'failed' || task.state === 'cancelled' ? 1 : 0;
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
      .option('--base <ref>', 'the commit the task\'s worktree starts from: a branch, tag or sha, or "worktree" for your uncommitted changes (default: HEAD)')
      .option('--keep', 'keep the task\'s worktree after it finishes, for review')
      .option('--wait', 'wait for the task to finish and print its result')
      .option('--timeout <seconds>', 'with --wait: give up waiting after this long (the task goes on)', Number)
      .option('--json', 'print the task as JSON')
      .addHelpText(
        'after',
        '\nExit status with --wait: 0 when the task is done, 1 when it failed or was cancelled.\n\nExamples:\n' +
          '  $ codex fleet submit echo-bot --input \'{"text":"hi"}\' --wait\n  $ codex fleet submit patch-bot --file repair.json',
      ),
  ).action(async (agent: string, options: StateDirOption & { input?: string; file?: string; kind: string; base?: string; keep?: boolean; wait?: boolean; timeout?: number; json?: boolean }) => {
    if (options.input !== undefined && options.file !== undefined) throw new CliError('Give the input with --input or --file, not both', 2);
    const input =
      options.file !== undefined
        ? parseJson(await readFile(options.file, 'utf8').catch((e: Error) => { throw new CliError(`Cannot read ${options.file}: ${e.message}`); }), options.file)
        : options.input !== undefined
          ? parseJson(options.input, '--input')
          : null;
    if (options.timeout !== undefined && !(options.timeout > 0)) throw new CliError('--timeout must be a number of seconds > 0', 2);
    await withFleet(options, async (client) => {
      const { task } = await client.request(Submit, {
        agent,
        kind: options.kind,
        input,
        ...(options.base !== undefined ? { base: options.base } : {}),
        ...(options.keep === true ? { keep: true } : {}),
      });
      if (!options.wait) {
        if (options.json) printJson(task);
        else process.stdout.write(`${task.id}\n`);
        return;
      }
      if (!options.json) process.stderr.write(`${task.id} queued; waiting…\n`);
      const done = await client.request(WaitTask, { id: task.id, ...(options.timeout ? { timeout_s: options.timeout } : {}) });
      printOutcome(done.task, options.json);
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
      const { tasks } = await client.request(ListTasks, {
        ...(options.agent ? { agent: options.agent } : {}),
        ...(options.state ? { state: options.state as TaskView['state'] } : {}),
        limit: options.limit,
      });
      if (options.json) return printJson(tasks);
      if (tasks.length === 0) return void process.stdout.write('no tasks\n');
      const rows = tasks.map((t) => [t.id, t.agent, t.state, String(t.attempts), age(t.created_at), escapeLine(t.error ?? '')]);
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
      .addHelpText('after', '\nExit status: 0 when the task is done, 1 when it failed or was cancelled.\n\nExamples:\n  $ codex fleet result tmifx2k3a9f01c\n  $ codex fleet result tmifx2k3a9f01c --json'),
  ).action(async (id: string, options: StateDirOption & { json?: boolean }) => {
    await withFleet(options, async (client) => printOutcome((await client.request(GetTask, { id })).task, options.json));
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
