/** `codex fleet branches | land TASK | discard TASK`: the fleet's task branches. */
import type { Command } from 'commander';
import { DiscardBranch, LandBranch, ListBranches } from '../../control/methods.js';
import { addStateDirOption, printJson, withFleet, type StateDirOption } from '../fleet-client.js';

export function registerBranchCommands(fleet: Command): void {
  addStateDirOption(
    fleet
      .command('branches')
      .description('List the fleet/<agent>/<task> branches with their task, state and commits.')
      .option('--json', 'print them as JSON')
      .addHelpText('after', '\nExamples:\n  $ codex fleet branches\n  $ codex fleet branches --json | jq \'.[] | {branch, state}\''),
  ).action(async (options: StateDirOption & { json?: boolean }) => {
    await withFleet(options, async (client) => {
      const { branches } = await client.request(ListBranches, {});
      if (options.json) return printJson(branches);
      if (branches.length === 0) process.stdout.write('no fleet branches\n');
      for (const b of branches) {
        const commits = b.commits
          .map((c) => `${String(c['outcome'])} ${String(c['landed_sha'] ?? c['sha']).slice(0, 12)}${c['reason'] ? ` (${String(c['reason'])})` : ''}`)
          .join(', ');
        process.stdout.write(`${b.branch}  task ${b.task}  ${b.state}${commits ? `  ${commits}` : ''}${b.worktree ? `  worktree ${b.worktree}` : ''}\n`);
      }
    });
  });
  addStateDirOption(
    fleet
      .command('land')
      .description("Land a task's branch on your current branch (only the files it changes; refused if you edited them).")
      .argument('<task>', 'the task id')
      .addHelpText('after', '\nExamples:\n  $ codex fleet land t1a2b3c4'),
  ).action(async (task: string, options: StateDirOption) => {
    await withFleet(options, async (client) => {
      const landed = await client.request(LandBranch, { id: task });
      process.stdout.write(`landed ${landed.sha} on ${landed.branch}\n`);
    });
  });
  addStateDirOption(
    fleet
      .command('discard')
      .description("Delete a task's branch and worktree.")
      .argument('<task>', 'the task id')
      .addHelpText('after', '\nExamples:\n  $ codex fleet discard t1a2b3c4'),
  ).action(async (task: string, options: StateDirOption) => {
    await withFleet(options, async (client) => {
      await client.request(DiscardBranch, { id: task });
      process.stdout.write(`discarded the branch of task ${task}\n`);
    });
  });
}
