/**
 * Stage 2 of loading: the document checked against the spec's JSON Schema, each failure turned into a
 * message that names the field, the value and what is expected.
 */
import type { TSchema } from '@sinclair/typebox';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { AgentSpecSchema, SPEC_FIELDS, expectedPhrase } from './schema.js';
import type { SpecDiagnostic } from './diagnostic.js';
import { formatFieldPath, type FieldPath, type SpecSource } from './source.js';
import { closest } from './suggest.js';

const compiled = new WeakMap<TSchema, ValidateFunction>();

function validator(schema: TSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, verbose: true });
    ajv.addVocabulary(['x-expected']);
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** How a value reads in a message: strings quoted, containers named. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function pathOf(error: ErrorObject): FieldPath {
  return error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let value = data;
  for (const part of path) value = (value as Record<string | number, unknown> | undefined)?.[part];
  return value;
}

/** The schema node that describes the value at `path` (map values through `patternProperties` or `additionalProperties`). */
function schemaAt(schema: TSchema, path: FieldPath): Record<string, Record<string, unknown>> | undefined {
  let node: Record<string, unknown> | undefined = schema as unknown as Record<string, unknown>;
  for (const part of path) {
    if (!node) return undefined;
    if (typeof part === 'number') {
      node = node['items'] as Record<string, unknown> | undefined;
      continue;
    }
    const properties = node['properties'] as Record<string, Record<string, unknown>> | undefined;
    const patterns = node['patternProperties'] as Record<string, Record<string, unknown>> | undefined;
    const additional = node['additionalProperties'];
    node =
      properties?.[part] ??
      (patterns ? Object.values(patterns)[0] : undefined) ??
      (typeof additional === 'object' ? (additional as Record<string, unknown>) : undefined);
  }
  return node as Record<string, Record<string, unknown>> | undefined;
}

/** Checks `data` against the agent spec's schema; returns one diagnostic per bad field. */
export function validateAgainstSchema(source: SpecSource, data: unknown): SpecDiagnostic[] {
  return validateDocument(source, data, AgentSpecSchema, {
    topFields: SPEC_FIELDS,
    what: 'a mapping of agent fields (name, role, model, …)',
  });
}

export interface DocumentKind {
  /** The top-level field names, for "did you mean" hints. */
  readonly topFields: readonly string[];
  /** What the whole document must be, for the message when it is not a mapping. */
  readonly what: string;
}

/**
 * Checks a YAML document against any TypeBox schema written in the spec's style (`x-expected` phrases,
 * closed objects); returns one diagnostic per bad field, each at its file:line:col.
 */
export function validateDocument(source: SpecSource, data: unknown, schema: TSchema, kind: DocumentKind): SpecDiagnostic[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return [source.at([], `Expected ${kind.what}, got ${describeValue(data)}`)];
  }
  const validate = validator(schema);
  if (validate(data)) return [];
  const out: SpecDiagnostic[] = [];
  const reported = new Set<string>();
  for (const error of validate.errors ?? []) {
    // "exactly one of plugin and command" is checked with a clearer message in stage 3.
    if (error.schemaPath.startsWith('#/oneOf') || error.keyword === 'oneOf') continue;
    // A bad key of a map (e.g. a provider name) is reported once, by its propertyNames error below.
    if (error.schemaPath.includes('/propertyNames/')) continue;
    const path = pathOf(error);
    if (error.keyword === 'propertyNames') {
      const name = String(error.params['propertyName']);
      const rule = (error.parentSchema as Record<string, unknown> | undefined)?.['propertyNames'];
      const phrase = expectedPhrase(rule as never) ?? 'a valid name';
      out.push(source.atKey([...path, name], `"${formatFieldPath(path)}" has a bad name ${JSON.stringify(name)}: it must be ${phrase}`));
      continue;
    }
    if (error.keyword === 'additionalProperty' || error.keyword === 'additionalProperties') {
      const field = String(error.params['additionalProperty']);
      const fieldPath = [...path, field];
      const known = path.length === 0 ? kind.topFields : Object.keys(schemaAt(schema, path)?.['properties'] ?? {});
      const hint = closest(field, known);
      out.push(
        source.atKey(
          fieldPath,
          `Unknown field "${formatFieldPath(fieldPath)}": ` +
            (hint ? `did you mean "${hint}"?` : `expected one of ${known.map((k) => `"${k}"`).join(', ')}`),
        ),
      );
      continue;
    }
    if (error.keyword === 'required') {
      const field = [...path, String(error.params['missingProperty'])];
      out.push(source.at(path, `Missing required field "${formatFieldPath(field)}"`));
      continue;
    }
    const key = formatFieldPath(path);
    if (reported.has(key)) continue;
    reported.add(key);
    const value = valueAt(data, path);
    if (error.keyword === 'uniqueItems') {
      const i = Number(error.params['i']);
      out.push(source.at(path, `"${key}" lists ${describeValue((value as unknown[])[i])} twice`));
      continue;
    }
    // Inside a choice (anyOf), the phrase of the whole choice says more than the branch that failed.
    const choice = validate.errors?.find((e) => e.keyword === 'anyOf' && e.instancePath === error.instancePath);
    const phrase =
      expectedPhrase(choice?.parentSchema as never) ??
      expectedPhrase(error.parentSchema as never) ??
      error.message?.replace(/^must be /, '') ??
      'a valid value';
    out.push(source.at(path, `"${key}" must be ${phrase}, got ${describeValue(value)}`));
  }
  return out;
}
