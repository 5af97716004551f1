/** Markdown reference of JSON-RPC methods, rendered from their TypeBox definitions. */
import type { TSchema } from '@sinclair/typebox';
import type { MethodType } from '../protocol/method.js';

type Node = Record<string, unknown>;

/** A short type name for a schema node: `string`, `integer ≥ 1`, `Task[]`, `"a" | "b"`. */
export function typeName(schema: Node): string {
  if (typeof schema['title'] === 'string' && schema['type'] === 'object') return String(schema['title']);
  if ('const' in schema) return JSON.stringify(schema['const']);
  const anyOf = schema['anyOf'] as Node[] | undefined;
  if (anyOf) return anyOf.map(typeName).join(' \\| ');
  switch (schema['type']) {
    case 'array':
      return `${typeName((schema['items'] as Node | undefined) ?? {})}[]`;
    case 'object':
      return schema['patternProperties'] ? 'object (string keys)' : 'object';
    case 'integer':
    case 'number': {
      const min = schema['minimum'] ?? schema['exclusiveMinimum'];
      return min === undefined ? String(schema['type']) : `${String(schema['type'])} ${'minimum' in schema ? '≥' : '>'} ${String(min)}`;
    }
    case undefined:
      return 'any JSON';
    default:
      return String(schema['type']);
  }
}

function fieldTable(schema: Node): string[] {
  const properties = (schema['properties'] as Record<string, Node> | undefined) ?? {};
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  const names = Object.keys(properties);
  if (names.length === 0) return ['No params: `{}`.'];
  return [
    '| field | type | required | meaning |',
    '| --- | --- | --- | --- |',
    ...names.map((name) => {
      const node = properties[name]!;
      const description = String(node['description'] ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
      return `| \`${name}\` | ${typeName(node)} | ${required.has(name) ? 'yes' : 'no'} | ${description} |`;
    }),
  ];
}

export function methodReference(methods: readonly MethodType[], errorName: (code: number) => string): string {
  const out: string[] = [];
  for (const method of methods) {
    out.push(`### \`${method.method}\` (${method.kind}, ${method.direction})`, '', method.description, '');
    out.push('Params:', '', ...fieldTable(method.params as TSchema as Node), '');
    if (method.kind === 'request') {
      const result = method.result as TSchema as Node;
      if (result['type'] === 'object' && result['properties']) out.push('Result:', '', ...fieldTable(result), '');
      else out.push(`Result: ${typeName(result)}.`, '');
      if (method.errors.length > 0) out.push(`Errors: ${method.errors.map((c) => `\`${c}\` ${errorName(c)}`).join(', ')}.`, '');
    }
  }
  return out.join('\n').trimEnd();
}
