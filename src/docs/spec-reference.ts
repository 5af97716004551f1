/**
 * The generated parts of docs/agent-spec.md (the field table and the syscall lists) and of
 * docs/fleet-config.md (its field table), made from the schemas and the syscall catalog so the
 * references cannot drift from the code.
 */
import type { TSchema } from '@sinclair/typebox';
import { AgentSpecSchema, expectedPhrase } from '../spec/schema.js';
import { BASE_SYSCALLS, COMMAND_ONLY_SYSCALLS, FORBIDDEN_SYSCALLS, SYSCALL_GROUPS } from '../spec/syscalls/catalog.js';

type SchemaNode = Record<string, unknown> & {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  patternProperties?: Record<string, SchemaNode>;
};

function rows(properties: Record<string, SchemaNode>, required: readonly string[], prefix: string): string[] {
  const out: string[] = [];
  for (const [key, node] of Object.entries(properties)) {
    const field = `${prefix}${key}`;
    const def = node['default'];
    const shownDefault = required.includes(key) ? 'required' : def === undefined ? '—' : `\`${JSON.stringify(def)}\``;
    const description = String(node['description'] ?? '').replace(/\|/g, '\\|');
    out.push(`| \`${field}\` | ${expectedPhrase(node as never) ?? ''} | ${shownDefault} | ${description} |`);
    if (node.properties) out.push(...rows(node.properties, (node['required'] as string[]) ?? [], `${field}.`));
    if (node.items?.properties) out.push(...rows(node.items.properties, (node.items['required'] as string[]) ?? [], `${field}[].`));
    // A map (e.g. providers by name): its values' fields, under a placeholder for the key.
    const value = node.patternProperties ? Object.values(node.patternProperties)[0] : undefined;
    if (value?.properties) out.push(...rows(value.properties, (value['required'] as string[]) ?? [], `${field}.<${key.replace(/s$/, '')}>.`));
  }
  return out;
}

/** The field table of a schema written in the spec's style: the agent spec's unless another is given. */
export function fieldTable(source: TSchema = AgentSpecSchema): string {
  const schema = source as unknown as SchemaNode;
  return [
    '| field | value | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows(schema.properties ?? {}, (schema['required'] as string[]) ?? [], ''),
  ].join('\n');
}

export function syscallLists(): string {
  const groups = Object.entries(SYSCALL_GROUPS).map(
    ([name, group]) => `| \`${name}\` | ${group.description} | ${group.syscalls.map((s) => `\`${s}\``).join(', ')} |`,
  );
  const forbidden = Object.entries(FORBIDDEN_SYSCALLS).map(([name, why]) => `| \`${name}\` | ${why} |`);
  // One row per reason: the lists are long and share it.
  const byReason = new Map<string, string[]>();
  for (const [name, why] of Object.entries(COMMAND_ONLY_SYSCALLS)) byReason.set(why, [...(byReason.get(why) ?? []), name]);
  const commandOnly = [...byReason].map(([why, names]) => `| ${names.map((n) => `\`${n}\``).join(', ')} | ${why} |`);
  return [
    '### Base set (always allowed)',
    '',
    BASE_SYSCALLS.map((s) => `\`${s}\``).join(', '),
    '',
    '`clone` is allowed for threads only (flags with `CLONE_THREAD`); any other `clone` fails with EPERM.',
    '`fchmod` is performed by the launcher on the worker\'s behalf, and only for a file inside the slot (see',
    '"File metadata and inotify" below); elsewhere it fails with EPERM.',
    '',
    '### Groups',
    '',
    '| group | what it allows | syscalls |',
    '| --- | --- | --- |',
    ...groups,
    '',
    '### Never allowed',
    '',
    '| syscall | why |',
    '| --- | --- |',
    ...forbidden,
    '',
    '### Never for workers; for commands only when listed',
    '',
    '| syscalls | why |',
    '| --- | --- |',
    ...commandOnly,
  ].join('\n');
}
