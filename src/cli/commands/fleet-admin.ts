/** `codex fleet status | pause | resume | kill | stop`: the fleet and its agents. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { Cost, KillAgent, PauseAgent, ResumeAgent, Status, StopFleet, type AgentStatus } from '../../control/methods.js';
import { NoFleetError } from '../../control/client.js';
import { addStateDirOption, printJson, statePaths, withFleet, type StateDirOption } from '../fleet-client.js';
import { CliError } from '../errors.js';
import { escapeLine } from '../../terminal/escape.js';

function usd(n: number): string {
  return `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 6 : 2)}`;
}

function agentLine(a: AgentStatus): string {
  const counts = `${a.queued} queued, ${a.running} running, ${a.done} done, ${a.failed} failed`;
  const money =
    `spent ${usd(a.spent_usd)} of ${usd(a.budget_usd)}${a.budget_source === 'override' ? ' (override)' : ''}` +
    `${a.reserved_usd > 0 ? `, ${usd(a.reserved_usd)} reserved` : ''}, ${a.calls} calls` +
    `${a.unsettled_calls > 0 ? `, ${a.unsettled_calls} unsettled` : ''}${a.waiting_calls > 0 ? `, ${a.waiting_calls} waiting for budget` : ''}`;
  return `${a.name.padEnd(16)} ${a.state.padEnd(8)} workers ${a.workers}/${a.concurrency}  ${counts}  ${money}${a.reason ? `\n${' '.repeat(17)}${escapeLine(a.reason)}` : ''}`;
}

/** A dollar amount from a flag: a plain non-negative number. */
function parseUsd(flag: string, positive: boolean): (value: string) => number {
  return (value) => {
    const n = /^\d+(\.\d+)?$|^\.\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isFinite(n) || (positive && n === 0)) {
      throw new CliError(`${flag} must be ${positive ? 'a positive' : 'a non-negative'} number of US dollars, like 2.00; got "${value}"`);
    }
    return n;
  };
}

export function registerAdminCommands(fleet: Command): void {
  addStateDirOption(
    fleet
      .command('status')
      .description('Show the running fleet: its state directory and each agent\'s state, workers and tasks.')
      .option('--json', 'print one JSON object')
      .addHelpText('after', '\nExamples:\n  $ codex fleet status\n  $ codex fleet status --json | jq \'.agents[] | {name, state}\''),
  ).action(async (options: StateDirOption & { json?: boolean }) => {
    try {
      await withFleet(options, async (client) => {
        const status = await client.request(Status, {});
        if (options.json) return printJson(status);
        process.stdout.write(`fleet pid ${status.pid}, state ${status.state_dir}${status.sandbox === 'disabled' ? ', SANDBOX DISABLED' : ''}\n`);
        for (const agent of status.agents) process.stdout.write(`${agentLine(agent)}\n`);
        const t = status.totals;
        process.stdout.write(
          `fleet total: spent ${usd(t.spent_usd)}${t.budget_usd === null ? '' : ` of ${usd(t.budget_usd)}`}, ${usd(t.reserved_usd)} reserved, ` +
            `${t.calls} calls, ${t.input_tokens} input and ${t.output_tokens} output tokens\n`,
        );
      });
    } catch (error) {
      // Say where the state lives even when no fleet runs: that is where it will.
      if (error instanceof CliError && !options.json) {
        const dir = statePaths(options).dir;
        if (error.message === new NoFleetError(dir).message) throw new CliError(`${error.message}\nstate directory: ${dir}`);
      }
      throw error;
    }
  });

  const agentCommand = (name: string, description: string, type: typeof PauseAgent | typeof KillAgent, example: string): void => {
    addStateDirOption(
      fleet.command(name).description(description).argument('<agent>', 'the agent').addHelpText('after', `\nExamples:\n  $ codex fleet ${name} ${example}`),
    ).action(async (agent: string, options: StateDirOption) => {
      await withFleet(options, async (client) => process.stdout.write(`${agentLine((await client.request(type, { agent })).agent)}\n`));
    });
  };
  agentCommand('pause', 'Stop giving an agent new tasks (running ones finish); kept across restarts.', PauseAgent, 'patch-bot');
  addStateDirOption(
    fleet
      .command('resume')
      .description('Resume a paused, killed or errored agent; with --budget or --add, also give it more money.')
      .argument('<agent>', 'the agent')
      .option('--budget <usd>', 'set its budget to this many US dollars (kept until the spec\'s cost_budget changes)', parseUsd('--budget', false))
      .option('--add <usd>', 'add this many US dollars to the budget in force', parseUsd('--add', true))
      .addHelpText(
        'after',
        '\nCalls that waited for budget continue where they stopped; their tasks are not failed.\n\n' +
          'Examples:\n  $ codex fleet resume patch-bot\n  $ codex fleet resume patch-bot --budget 2.00\n  $ codex fleet resume patch-bot --add 1.00',
      ),
  ).action(async (agent: string, options: StateDirOption & { budget?: number; add?: number }) => {
    if (options.budget !== undefined && options.add !== undefined) {
      throw new CliError('Give either --budget (the new budget) or --add (added to it), not both');
    }
    await withFleet(options, async (client) => {
      const params = {
        agent,
        ...(options.budget === undefined ? {} : { budget_usd: options.budget }),
        ...(options.add === undefined ? {} : { add_usd: options.add }),
      };
      process.stdout.write(`${agentLine((await client.request(ResumeAgent, params)).agent)}\n`);
    });
  });
  agentCommand('kill', 'Stop an agent\'s workers now; their running tasks go back to the queue.', KillAgent, 'patch-bot');

  addStateDirOption(
    fleet
      .command('cost')
      .description('Show where the money went: spent and reserved per agent, model or task, from the ledger.')
      .option('--json', 'print one JSON object')
      .option('--by <what>', 'agent, model or task', 'agent')
      .option('--agent <name>', 'only this agent\'s calls')
      .addHelpText('after', '\nExamples:\n  $ codex fleet cost\n  $ codex fleet cost --by task --agent patch-bot\n  $ codex fleet cost --by model --json'),
  ).action(async (options: StateDirOption & { json?: boolean; by: string; agent?: string }) => {
    if (options.by !== 'agent' && options.by !== 'model' && options.by !== 'task') {
      throw new CliError(`--by must be agent, model or task; got "${options.by}"`);
    }
    const by = options.by;
    await withFleet(options, async (client) => {
      const cost = await client.request(Cost, { by, ...(options.agent === undefined ? {} : { agent: options.agent }) });
      if (options.json) return printJson(cost);
      const width = Math.max(by.length, ...cost.rows.map((r) => r.key.length));
      process.stdout.write(`${by.padEnd(width)}  ${'spent'.padStart(12)}  ${'reserved'.padStart(12)}  ${'calls'.padStart(6)}  tokens in/out\n`);
      for (const r of cost.rows) {
        process.stdout.write(
          `${r.key.padEnd(width)}  ${usd(r.spent_usd).padStart(12)}  ${usd(r.reserved_usd).padStart(12)}  ${String(r.calls).padStart(6)}  ` +
            `${r.input_tokens}/${r.output_tokens}${r.unsettled_calls > 0 ? `  (${r.unsettled_calls} unsettled: charged in full)` : ''}\n`,
        );
      }
      process.stdout.write(`${'total'.padEnd(width)}  ${usd(cost.total_spent_usd).padStart(12)}  ${usd(cost.total_reserved_usd).padStart(12)}\n`);
    });
  });

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
