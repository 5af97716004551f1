/**
 * The check at submit of a task for a built-in bot (`plugin: builtin:<bot>`): its input must match the
 * bot's JSON Schema (src/bots/input-schemas.ts, published as docs/bots/<bot>.input.schema.json), and
 * the commands it names must be on the agent's exec allow-list. A bad input is refused with
 * `InvalidParams`, naming the field, the schema file and what to do, before any worker starts.
 *
 * @example
 * ```ts
 * checkBotInput(spec, { test: 'npm test' }); // throws RpcError(InvalidParams) when it does not fit
 * ```
 */
import type { TSchema } from '@sinclair/typebox';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { BOT_INPUT_SCHEMAS, botInputSchemaFile } from '../bots/input-schemas.js';
import { ErrorCodes } from '../protocol/error-codes.js';
import { RpcError } from '../rpc/errors.js';
import { isBuiltinPlugin, type BuiltinPlugin } from '../spec/builtins.js';
import type { AgentSpec } from '../spec/types.js';
import { describeExecRules, matchExecRule } from './exec-allow-list.js';

const compiled = new Map<BuiltinPlugin, ValidateFunction>();

function validator(bot: BuiltinPlugin): ValidateFunction {
  let validate = compiled.get(bot);
  if (!validate) {
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, verbose: true });
    ajv.addVocabulary(['x-expected']);
    validate = ajv.compile(BOT_INPUT_SCHEMAS[bot]);
    compiled.set(bot, validate);
  }
  return validate;
}

/** The built-in bot an agent runs, if it runs one. */
export function builtinBotOf(spec: Pick<AgentSpec, 'worker'>): BuiltinPlugin | undefined {
  if (spec.worker.kind !== 'plugin' || !spec.worker.plugin.startsWith('builtin:')) return undefined;
  const name = spec.worker.plugin.slice('builtin:'.length);
  return isBuiltinPlugin(name) ? name : undefined;
}

/** A value in a message: JSON, cut at 80 characters. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function phraseOf(node: unknown): string | undefined {
  const phrase = (node as Record<string, unknown> | undefined)?.['x-expected'];
  return typeof phrase === 'string' ? phrase : undefined;
}

/** The schema node at a JSON Pointer into the input (properties and array items). */
function schemaAt(schema: TSchema, pointer: string): unknown {
  let node: unknown = schema;
  for (const part of pointer.split('/').slice(1)) {
    const n = node as Record<string, unknown> | undefined;
    node = /^\d+$/.test(part) ? n?.['items'] : (n?.['properties'] as Record<string, unknown> | undefined)?.[part];
  }
  return node;
}

function valueAt(value: unknown, pointer: string): unknown {
  let v = value;
  for (const part of pointer.split('/').slice(1)) v = (v as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return v;
}

/** One sentence for the first problem ajv found. */
function describeProblem(bot: BuiltinPlugin, input: unknown, errors: readonly ErrorObject[]): { pointer: string; problem: string } {
  const schema = BOT_INPUT_SCHEMAS[bot];
  const unknown = errors.find((e) => e.keyword === 'additionalProperties');
  if (unknown) {
    const field = String(unknown.params['additionalProperty']);
    const known = Object.keys((schemaAt(schema, unknown.instancePath) as { properties?: object })?.properties ?? {});
    return { pointer: `${unknown.instancePath}/${field}`, problem: `unknown field "${field}" (the fields are ${known.map((k) => `"${k}"`).join(', ')})` };
  }
  const missing = errors.find((e) => e.keyword === 'required');
  if (missing) {
    const field = String(missing.params['missingProperty']);
    return { pointer: `${missing.instancePath}/${field}`, problem: `"${field}" is missing: it must be ${phraseOf(schemaAt(schema, `/${field}`)) ?? 'given'}` };
  }
  // The deepest problem; inside a choice (anyOf) the whole choice's phrase says more than a branch's.
  const first = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]!;
  const pointer = first.instancePath;
  const choice = errors.find((e) => e.keyword === 'anyOf' && e.instancePath === pointer);
  const parent = pointer.slice(0, pointer.lastIndexOf('/'));
  const phrase =
    phraseOf(choice?.parentSchema) ??
    phraseOf(first.parentSchema) ??
    phraseOf(schemaAt(schema, pointer)) ??
    (/^\d+$/.test(pointer.slice(pointer.lastIndexOf('/') + 1)) ? phraseOf(schemaAt(schema, parent)) : undefined) ??
    first.message?.replace(/^must be /, '') ??
    'valid';
  if (pointer === '') return { pointer, problem: `the input must be an object, got ${show(input)}` };
  return { pointer, problem: `"${pointer.slice(1)}" must be ${phrase}, got ${show(valueAt(input, pointer))}` };
}

function refuse(spec: AgentSpec, bot: BuiltinPlugin, pointer: string, problem: string, advice: string): never {
  const file = botInputSchemaFile(bot);
  throw new RpcError(
    ErrorCodes.InvalidParams,
    `Invalid input for agent "${spec.name}" (builtin:${bot}): ${problem}. ${advice}`,
    { path: `/params/input${pointer}`, schema: file, message: problem },
  );
}

/** Splits patch-bot's `test` as the bot does: on whitespace, no shell. */
function argvOf(test: string | readonly string[]): string[] {
  return typeof test === 'string' ? test.split(/\s+/).filter((p) => p !== '') : [...test];
}

/**
 * Throws `InvalidParams` when `input` does not fit the bot that `spec` runs; does nothing for agents
 * that run no built-in bot.
 */
export function checkBotInput(spec: AgentSpec, input: unknown): void {
  const bot = builtinBotOf(spec);
  if (bot === undefined) return;
  const validate = validator(bot);
  const example = JSON.stringify((BOT_INPUT_SCHEMAS[bot] as { examples?: unknown[] }).examples?.at(-1));
  if (!validate(input)) {
    const { pointer, problem } = describeProblem(bot, input, validate.errors ?? []);
    refuse(spec, bot, pointer, problem, `The input must match ${botInputSchemaFile(bot)}, e.g. ${example}`);
  }
  const allowed = `${spec.name}'s exec allow-list (the "exec" field of ${spec.file}) has ${describeExecRules(spec)}`;
  if (bot === 'patch-bot') {
    const argv = argvOf((input as { test: string | string[] }).test);
    if (!matchExecRule(spec, argv)) {
      refuse(spec, bot, '/test', `the test command ${JSON.stringify(argv)} is not allowed: ${allowed}`, 'Give a command one of those rules allows, or add an exec rule for it to the spec');
    }
  }
  if (bot === 'test-writer-bot') {
    const prefix = (input as { test?: string[] }).test;
    if (prefix !== undefined && !matchExecRule(spec, [...prefix, 'test-file'])) {
      refuse(
        spec,
        bot,
        '/test',
        `the command prefix ${JSON.stringify(prefix)} followed by a test file is not allowed: ${allowed}`,
        'Give a prefix that a rule with allow_extra_args allows, or add such a rule to the spec',
      );
    }
  }
}
