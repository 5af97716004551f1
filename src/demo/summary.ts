/**
 * The demo's closing text: per agent its tasks, commits and spend; the fleet's total; every check; and
 * where the repository and the logs are, with commands to look at them.
 */
import type { AgentStatus } from '../control/methods.js';
import { commitsOf, type DemoOutcome } from './run.js';

/** `$0.12`, or six decimals below a cent, as `codex fleet status` prints dollars. */
function usd(n: number): string {
  return `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 6 : 2)}`;
}

function tasksCell(a: AgentStatus | undefined): string {
  if (!a) return '-';
  const parts = [`${a.done} done`];
  if (a.failed > 0) parts.push(`${a.failed} failed`);
  if (a.queued + a.running > 0) parts.push(`${a.queued + a.running} unfinished`);
  return parts.join(', ');
}

function commitsCell(outcome: DemoOutcome, agent: string): string {
  const task = outcome.tasks.find((t) => t.task.agent === agent);
  if (!task) return '-';
  const commits = commitsOf(task.view);
  if (commits.length === 0) return 'none';
  const landed = commits.filter((c) => c.outcome === 'landed');
  if (landed.length === commits.length) return `${commits.length} on ${outcome.repo.branch}${landed[0]?.landed_sha ? `: ${landed[0].landed_sha.slice(0, 7)}` : ''}`;
  const refused = commits.filter((c) => c.outcome === 'refused');
  if (refused.length > 0) return `${commits.length} on its own fleet/ branch (landing refused: ${refused[0]!.reason ?? 'see the events'})`;
  return `${commits.length} on its own fleet/ branch`;
}

function budgetNote(a: AgentStatus | undefined): string {
  return a && a.budget_source === 'override' ? `budget ${usd(a.cost_budget)}, raised to ${usd(a.budget_usd)}` : '';
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** The summary as lines of text. */
export function formatSummary(outcome: DemoOutcome): string[] {
  const failed = outcome.checks.filter((c) => !c.ok);
  const seconds = (outcome.elapsedMs / 1000).toFixed(1);
  const lines: string[] = [];
  lines.push(failed.length === 0 ? `codex fleet demo: all ${outcome.checks.length} checks passed in ${seconds} s` : `codex fleet demo: ${failed.length} of ${outcome.checks.length} checks FAILED (${seconds} s)`);
  lines.push('');
  const rows: string[][] = [['agent', 'tasks', 'spend', 'calls', 'commits']];
  for (const t of outcome.tasks) {
    const agent = outcome.agents.find((a) => a.name === t.task.agent);
    const note = budgetNote(agent);
    rows.push([t.task.agent, tasksCell(agent), agent ? usd(agent.spent_usd) : '-', String(agent?.calls ?? '-'), commitsCell(outcome, t.task.agent) + (note ? `; ${note}` : '')]);
  }
  const tokens = outcome.totals.input_tokens + outcome.totals.output_tokens;
  rows.push(['fleet', '', usd(outcome.totals.spent_usd), String(outcome.totals.calls), `${tokens} tokens in all`]);
  lines.push(...table(rows).map((l) => `  ${l}`));
  lines.push('');
  for (const check of outcome.checks) {
    lines.push(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}`);
    for (const detail of check.detail.split('\n')) lines.push(`       ${detail}`);
  }
  lines.push('');
  lines.push(`The repository: ${outcome.places.repo}`);
  lines.push(`  cd ${outcome.places.repo} && git log --oneline --all --graph && npm test`);
  lines.push(`The fleet's state: ${outcome.places.stateDir}`);
  lines.push(`  its events: ${outcome.places.logs}/events.jsonl`);
  lines.push(`  the model requests: ${outcome.places.logs}/model-requests.jsonl`);
  return lines;
}
