/**
 * Runtime checks of values against protocol schemas. Checkers are compiled on first use and cached per
 * schema, so a worker pays only for the methods it actually receives (a compile takes about 1-2 ms).
 *
 * @example
 * ```ts
 * import { checkerFor } from './validate.js';
 * import { ExecRunParamsSchema } from './services.js';
 * const issue = checkerFor(ExecRunParamsSchema).firstIssue({ argv: [] });
 * // issue = { path: '/argv', message: 'Expected array length to be greater or equal to 1' }
 * ```
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

/** Where a value fails its schema: a JSON Pointer (`''` for the value itself) and what was expected. */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

/** A compiled schema check. */
export interface Checker {
  /** True when the value matches; fast (no allocation). */
  check(value: unknown): boolean;
  /** The first mismatch, or `undefined` when the value matches. */
  firstIssue(value: unknown): SchemaIssue | undefined;
}

const cache = new WeakMap<TSchema, Checker>();

/** The compiled checker for a schema (compiled on first call, then cached). */
export function checkerFor(schema: TSchema): Checker {
  let checker = cache.get(schema);
  if (checker === undefined) {
    const compiled: TypeCheck<TSchema> = TypeCompiler.Compile(schema);
    checker = {
      check: (value) => compiled.Check(value),
      firstIssue: (value) => {
        if (compiled.Check(value)) return undefined;
        const first = compiled.Errors(value).First();
        return first === undefined
          ? { path: '', message: 'Does not match the schema' }
          : { path: first.path, message: first.message };
      },
    };
    cache.set(schema, checker);
  }
  return checker;
}
