/**
 * The task input of the bots that work on a commit range (test-writer-bot, doc-bot), checked again inside
 * the worker: the schema checks it at submit, but a plugin never trusts its input. Errors name the field
 * and the value, and say what to send instead.
 */
import type { Task } from '../protocol/index.js';

/** The default range: the last commit. */
export const DEFAULT_RANGE = 'HEAD~1..HEAD';

/** Thrown for an input the bot cannot use. */
export class BotInputError extends Error {
  readonly code = 'CODEX_FLEET_BOT_INPUT';
}

function fields(bot: string, input: unknown): Record<string, unknown> {
  if (input === null || input === undefined) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new BotInputError(`${bot}: the task input must be a JSON object such as {"range": "HEAD~1..HEAD"}, got ${JSON.stringify(input)}`);
  }
  return input as Record<string, unknown>;
}

/** `range` (default {@link DEFAULT_RANGE}); refuses options and empty strings. */
export function readRange(bot: string, input: unknown): string {
  const range = fields(bot, input)['range'];
  if (range === undefined) return DEFAULT_RANGE;
  if (typeof range !== 'string' || range.trim() === '' || range.trim().startsWith('-')) {
    throw new BotInputError(`${bot}: "range" must be a commit range such as "HEAD~1..HEAD" or "main..HEAD", got ${JSON.stringify(range)}`);
  }
  return range.trim();
}

/** An optional list of non-empty strings (`files`, `test`). */
export function readStringList(bot: string, input: unknown, field: string, example: string): string[] | undefined {
  const value = fields(bot, input)[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
    throw new BotInputError(`${bot}: "${field}" must be a non-empty list of strings such as ${example}, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

/** The task's git worktree; bots that edit files need one. */
export function requireWorkdir(bot: string, task: Task): string {
  if (task.workdir === undefined) {
    throw new Error(`${bot}: the task has no git worktree; set "worktree: true" in the agent's spec (agents/${bot}.yaml) and start the fleet inside a git repository`);
  }
  return task.workdir;
}
