/** `codex fleet status | pause | resume | kill | stop`: the fleet and its agents. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { KillAgent, PauseAgent, ResumeAgent, Status, StopFleet, type AgentStatus } from '../../control/methods.js';
import { addStateDirOption, printJson, statePaths, withFleet, type StateDirOption } from '../fleet-client.js';
import { CliError } from '../errors.js';
import { escapeLine } from '../../terminal/escape.js';

function agentLine(a: AgentStatus): string {
  const counts = `${a.queued} queued, ${a.running} running, ${a.done} done, ${a.failed} failed`;
  return `${a.name.padEnd(16)} ${a.state.padEnd(8)} workers ${a.workers}/${a.concurrency}  ${counts}${a.reason ? `\n${' '.repeat(17)}${escapeLine(a.reason)}` : ''}`;
}

export function registerAdminCommands(fleet: Command): void {
  addStateDirOption(
    fleet
      .command('status')
      .description('Show the running fleet: its state directory and each agent\'s state, workers and tasks.')
      .option('--json', 'print one JSON object')
      .addHelpText('after', '\nExamples:\n  $ codex fleet status\n  $ codex fleet status --json | jq \'.agents[] | {name, state}\''),
  ).action(async (options: StateDirOption & { json?: boolean }) => {
    await withFleet(options, async (client) => {
      const status = await client.request(Status, {});
      if (options.json) return printJson(status);
      process.stdout.write(`fleet pid ${status.pid}, state ${status.state_dir}${status.sandbox === 'disabled' ? ', SANDBOX DISABLED' : ''}\n`);
      for (const agent of status.agents) process.stdout.write(`${agentLine(agent)}\n`);
    });
  });

  const agentCommand = (name: string, description: string, type: typeof PauseAgent | typeof ResumeAgent | typeof KillAgent, example: string): void => {
    addStateDirOption(
      fleet.command(name).description(description).argument('<agent>', 'the agent').addHelpText('after', `\nExamples:\n  $ codex fleet ${name} ${example}`),
    ).action(async (agent: string, options: StateDirOption) => {
      await withFleet(options, async (client) => process.stdout.write(`${agentLine((await client.request(type, { agent })).agent)}\n`));
    });
  };
  agentCommand('pause', 'Stop giving an agent new tasks (running ones finish); kept across restarts.', PauseAgent, 'patch-bot');
  agentCommand('resume', 'Resume a paused, killed or errored agent.', ResumeAgent, 'patch-bot');
  agentCommand('kill', 'Stop an agent\'s workers now; their running tasks go back to the queue.', KillAgent, 'patch-bot');

  addStateDirOption(
    fleet
      .command('stop')
      .description('Stop the fleet: let running tasks finish (or, with --now, kill the workers and queue their tasks again).')
      .option('--now', 'do not wait for running tasks')
      .addHelpText('after', '\nQueued tasks stay in the journal for the next "codex fleet start".\n\nExamples:\n  $ codex fleet stop\n  $ codex fleet stop --now'),
  ).action(async (options: StateDirOption & { now?: boolean }) => {
    await withFleet(options, async (client) => {
      await client.request(StopFleet, { now: options.now ?? false });
      process.stderr.write(options.now ? 'stopping now…\n' : 'stopping: waiting for running tasks to finish…\n');
      await client.closed();
      // A clean stop removes the token; a supervisor that died on the way leaves it behind.
      if (existsSync(statePaths(options).token)) {
        throw new CliError(
          'The supervisor went away before it finished stopping (was it killed?). Every acknowledged task is in the ' +
            'journal; "codex fleet start" picks them up again.',
        );
      }
      process.stdout.write('fleet stopped\n');
    });
  });
}
