/** `codex fleet prune`: applies the journal's retention policy now. */
import type { Command } from 'commander';
import { PruneTasks } from '../../control/methods.js';
import { nonNegativeOption } from '../options.js';
import { addStateDirOption, printJson, withFleet, type StateDirOption } from '../fleet-client.js';


export function registerPruneCommand(fleet: Command): void {
  addStateDirOption(
    fleet
      .command('prune')
      .description('Delete finished tasks from the journal now, by the fleet\'s retention policy (or the limits given here).')
      .option('--keep-days <days>', 'delete finished tasks older than this (default: the fleet\'s, 30 days)')
      .option('--keep-tasks <n>', 'keep at most this many finished tasks, the newest (default: the fleet\'s, 10000)')
      .option('--json', 'print the outcome as JSON')
      .addHelpText(
        'after',
        '\nQueued and running tasks, paused agents and spend records are never deleted. A running fleet prunes by\n' +
          'itself at start and every hour; "codex fleet start --keep-days N --keep-tasks M" sets its policy.\n\n' +
          'Examples:\n  $ codex fleet prune\n  $ codex fleet prune --keep-days 7 --keep-tasks 1000',
      ),
  ).action(async (options: StateDirOption & { keepDays?: string; keepTasks?: string; json?: boolean }) => {
    const keepDays = nonNegativeOption(options.keepDays, '--keep-days', false);
    const keepTasks = nonNegativeOption(options.keepTasks, '--keep-tasks', true);
    await withFleet(options, async (client) => {
      const report = await client.request(PruneTasks, {
        ...(keepDays === undefined ? {} : { keep_days: keepDays }),
        ...(keepTasks === undefined ? {} : { keep_tasks: keepTasks }),
      });
      if (options.json) return printJson(report);
      process.stdout.write(
        `deleted ${report.deleted} finished tasks (older than ${report.keep_days} days or beyond the newest ${report.keep_tasks}); ${report.remaining} tasks left\n`,
      );
    });
  });
}
