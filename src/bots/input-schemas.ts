/**
 * JSON Schemas of the built-in bots' task inputs. Supervisor side: the supervisor checks a task's input
 * against its bot's schema at submit (`tasks/submit`, `codex fleet submit`, the MCP server), so a bad
 * input is refused with the field and what to do before a worker starts. The bots never import this
 * module (it loads TypeBox); each checks its input again, plainly. `scripts/gen-schemas.ts` writes the
 * schemas to `docs/bots/<bot>.input.schema.json` and their field tables into docs/bots.md.
 *
 * @example
 * ```ts
 * import { BOT_INPUT_SCHEMAS } from './input-schemas.js';
 * const schema = BOT_INPUT_SCHEMAS['patch-bot']; // { test, plan?, files? }
 * ```
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { BuiltinPlugin } from '../spec/builtins.js';

const expected = (phrase: string): { 'x-expected': string } => ({ 'x-expected': phrase });

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** Default commit range of test-writer-bot and doc-bot: the last commit. */
export const DEFAULT_RANGE = 'HEAD~1..HEAD';

const Range = Type.String({
  minLength: 1,
  maxLength: 512,
  pattern: '^[^-\\s][^\\s]*$',
  default: DEFAULT_RANGE,
  description:
    'The commit range whose changes to work on (`A..B`, `A...B`) or a single revision (its own changes), in the ' +
    'task\'s worktree, where `HEAD` is the task\'s base.',
  ...expected('a commit range such as "HEAD~1..HEAD" or "main..HEAD" (no spaces, not starting with "-")'),
});

const Paths = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
    maxItems: 100,
    description,
    ...expected('a list of paths relative to the repository root, such as ["src/add.js"]'),
  });

export const PatchBotInputSchema = Type.Object(
  {
    test: Type.Union(
      [
        Type.String({ minLength: 1, pattern: '\\S' }),
        Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
      ],
      {
        description:
          'The failing test command. A string is split on whitespace (no shell: no quotes, pipes or variables); a list ' +
          'is the program and its arguments. It must be allowed by one of the agent\'s `exec` rules.',
        ...expected('a command: a string such as "npm test" or a list such as ["node", "--test", "test/add.test.js"]'),
      },
    ),
    plan: Type.Optional(
      Type.String({
        maxLength: 100_000,
        description: 'What is wrong and how to fix it, in words, for the model (optional).',
        ...expected('text'),
      }),
    ),
    files: Type.Optional(Paths('Files the model should see first, e.g. the module under test (optional; a file that does not exist may be created).')),
  },
  {
    $schema: DRAFT,
    $id: 'urn:codex-fleet:bots:1:patch-bot.input',
    title: 'patch-bot task input',
    description: 'A repair: a failing test command, and optionally a plan and the files to look at.',
    additionalProperties: false,
    examples: [{ test: 'npm test' }, { test: ['node', '--test', 'test/sum.test.js'], plan: 'sum() skips the first element', files: ['src/sum.js'] }],
  },
);
export type PatchBotInput = Static<typeof PatchBotInputSchema>;

export const TestWriterBotInputSchema = Type.Object(
  {
    range: Type.Optional(Range),
    test: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        description:
          'The command prefix that runs given test files (the files are appended). Default: from the detected framework, ' +
          'through `npm test --`. It must be allowed by one of the agent\'s `exec` rules (with `allow_extra_args`).',
        ...expected('a command prefix such as ["node", "--test"] or ["npx", "vitest", "run"]'),
      }),
    ),
  },
  {
    $schema: DRAFT,
    $id: 'urn:codex-fleet:bots:1:test-writer-bot.input',
    title: 'test-writer-bot task input',
    description: 'The change to write test scaffolds for: a commit range (default the last commit).',
    additionalProperties: false,
    examples: [{}, { range: 'main..HEAD', test: ['node', '--test'] }],
  },
);
export type TestWriterBotInput = Static<typeof TestWriterBotInputSchema>;

export const DocBotInputSchema = Type.Object(
  {
    range: Type.Optional(Range),
    files: Type.Optional(Paths('Only these of the range\'s changed files (optional; default all of them).')),
  },
  {
    $schema: DRAFT,
    $id: 'urn:codex-fleet:bots:1:doc-bot.input',
    title: 'doc-bot task input',
    description: 'The change whose exported symbols to document: a commit range (default the last commit), optionally narrowed to some files.',
    additionalProperties: false,
    examples: [{}, { range: 'HEAD~3..HEAD', files: ['src/parser.ts'] }],
  },
);
export type DocBotInput = Static<typeof DocBotInputSchema>;

export const BOT_INPUT_SCHEMAS: Readonly<Record<BuiltinPlugin, TSchema>> = Object.freeze({
  'patch-bot': PatchBotInputSchema,
  'test-writer-bot': TestWriterBotInputSchema,
  'doc-bot': DocBotInputSchema,
});

/** Where a bot's input schema is published, relative to the package root. */
export function botInputSchemaFile(bot: BuiltinPlugin): string {
  return `docs/bots/${bot}.input.schema.json`;
}
