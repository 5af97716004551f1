/**
 * patch-bot's task input, checked defensively inside the worker (the supervisor already checked it
 * against docs/bots/patch-bot.input.schema.json at submit). `test` as a string is split on whitespace,
 * without a shell: no quoting, no pipes.
 *
 * @example
 * ```ts
 * parsePatchInput({ test: 'npm test', files: ['src/add.js'] });
 * // { argv: ['npm', 'test'], plan: undefined, files: ['src/add.js'] }
 * ```
 */

export interface PatchInput {
  /** The test command: program and arguments. */
  readonly argv: readonly string[];
  readonly plan: string | undefined;
  /** Files to show the model first, relative to the repository root. */
  readonly files: readonly string[];
}

/** Splits a command line on whitespace (no shell, no quoting). */
export function splitCommand(command: string): string[] {
  return command.split(/\s+/).filter((part) => part !== '');
}

const EXAMPLE = '{"test": "npm test"} or {"test": ["node", "--test", "test/add.test.js"], "plan": "…", "files": ["src/add.js"]}';

/** The input as patch-bot uses it; throws an Error that says what is wrong and what was expected. */
export function parsePatchInput(input: unknown): PatchInput {
  const fail = (what: string): never => {
    throw new Error(`patch-bot's task input ${what}; expected ${EXAMPLE}`);
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail(`is ${JSON.stringify(input) ?? 'missing'}, not an object`);
  const { test, plan, files, ...rest } = input as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) fail(`has unknown field ${JSON.stringify(unknown[0])}`);
  let argv: string[];
  if (typeof test === 'string') argv = splitCommand(test);
  else if (Array.isArray(test) && test.every((p) => typeof p === 'string' && p !== '')) argv = [...(test as string[])];
  else return fail('"test" must be a command: a string or a list of strings');
  if (argv.length === 0) fail('"test" is empty');
  if (plan !== undefined && typeof plan !== 'string') fail('"plan" must be a string');
  if (files !== undefined && !(Array.isArray(files) && files.every((f) => typeof f === 'string' && f !== ''))) {
    fail('"files" must be a list of paths');
  }
  return { argv, plan: typeof plan === 'string' && plan.trim() !== '' ? plan : undefined, files: (files as string[] | undefined) ?? [] };
}
