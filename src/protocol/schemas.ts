/**
 * The protocol's JSON Schemas (draft 2020-12), generated from the TypeBox definitions in this folder.
 * `scripts/gen-schemas.ts` writes them to `docs/protocol/` and checks them for drift.
 *
 * @example
 * ```ts
 * import { protocolSchemaFiles } from './schemas.js';
 * for (const [file, schema] of Object.entries(protocolSchemaFiles())) console.log(file, schema);
 * ```
 */
import type { TSchema } from '@sinclair/typebox';
import { ERROR_CODE_MEANINGS, ErrorCodes, type ErrorCodeName } from './error-codes.js';
import { JsonRpcErrorObjectSchema, JsonRpcFailureSchema, JsonRpcLineSchema, JsonRpcNotificationSchema, JsonRpcRequestSchema, JsonRpcSuccessSchema } from './jsonrpc.js';
import type { MethodType } from './method.js';
import { PROTOCOL_METHODS } from './methods.js';
import { MAX_LINE_BYTES, PROTOCOL_VERSION } from './version.js';

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';
const ID_BASE = 'urn:codex-fleet:protocol:1:';

/** A plain JSON copy of a TypeBox schema (TypeBox's symbol keys dropped). */
function plain(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/** `task/run` -> `task.run`, `$/cancelRequest` -> `cancelRequest`. */
export function schemaFileStem(method: string): string {
  return method.replace(/^\$\//, '').replace(/\//g, '.');
}

/** Params may be omitted (meaning `{}`) when no field is required. */
function needsParams(schema: TSchema): boolean {
  const required = (schema as { required?: unknown }).required;
  return Array.isArray(required) && required.length > 0;
}

function methodSchema(m: MethodType, idBase: string): Record<string, unknown> {
  const base = {
    $schema: DIALECT,
    $id: `${idBase}${schemaFileStem(m.method)}`,
    title: m.method,
    description: m.description,
    'x-kind': m.kind,
    'x-direction': m.direction,
  };
  if (m.kind === 'notification') {
    return {
      ...base,
      'x-stream': m.stream,
      type: 'object',
      additionalProperties: false,
      required: needsParams(m.params) ? ['jsonrpc', 'method', 'params'] : ['jsonrpc', 'method'],
      properties: { jsonrpc: { const: '2.0' }, method: { const: m.method }, params: { $ref: '#/$defs/params' } },
      $defs: { params: plain(m.params) },
    };
  }
  const paramsRequired = needsParams(m.params);
  return {
    ...base,
    'x-streams': m.streams.map((s) => s.method),
    'x-errors': m.errors,
    type: 'object',
    additionalProperties: false,
    required: paramsRequired ? ['jsonrpc', 'id', 'method', 'params'] : ['jsonrpc', 'id', 'method'],
    properties: {
      jsonrpc: { const: '2.0' },
      id: { type: ['string', 'integer'] },
      method: { const: m.method },
      params: { $ref: '#/$defs/params' },
    },
    $defs: {
      params: plain(m.params),
      result: plain(m.result),
      response: {
        type: 'object',
        additionalProperties: false,
        required: ['jsonrpc', 'id', 'result'],
        properties: { jsonrpc: { const: '2.0' }, id: { type: ['string', 'integer'] }, result: { $ref: '#/$defs/result' } },
      },
    },
  };
}

function envelopeSchema(): Record<string, unknown> {
  const codes = (Object.keys(ErrorCodes) as ErrorCodeName[]).map((name) => ({
    const: ErrorCodes[name],
    title: name,
    description: ERROR_CODE_MEANINGS[name],
  }));
  return {
    $schema: DIALECT,
    $id: `${ID_BASE}jsonrpc`,
    title: 'codex fleet worker protocol: one line',
    description:
      `Protocol ${PROTOCOL_VERSION}. Each line (UTF-8, at most ${MAX_LINE_BYTES} bytes, ended by "\\n") is one ` +
      'JSON-RPC 2.0 message or a non-empty batch. Per-method schemas refine params and results.',
    ...plain(JsonRpcLineSchema),
    $defs: {
      request: plain(JsonRpcRequestSchema),
      notification: plain(JsonRpcNotificationSchema),
      success: plain(JsonRpcSuccessSchema),
      failure: plain(JsonRpcFailureSchema),
      error: plain(JsonRpcErrorObjectSchema),
      error_code: { title: 'Error codes', oneOf: codes },
    },
  };
}

/**
 * One schema file per method (`task.run.schema.json`, …), with `$id`s under `idBase`. The control API
 * (src/control) uses it too.
 */
export function methodSchemaFiles(methods: readonly MethodType[], idBase: string): Record<string, object> {
  const files: Record<string, object> = {};
  for (const m of methods) files[`${schemaFileStem(m.method)}.schema.json`] = methodSchema(m, idBase);
  return files;
}

/** Every protocol schema file: `{ 'jsonrpc.schema.json': …, 'task.run.schema.json': …, … }`. */
export function protocolSchemaFiles(): Record<string, object> {
  return { 'jsonrpc.schema.json': envelopeSchema(), ...methodSchemaFiles(PROTOCOL_METHODS, ID_BASE) };
}
