import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AgentSpecSchema } from '../../src/spec/schema.js';
import { BASE_SYSCALLS, FORBIDDEN_SYSCALLS, SYSCALL_GROUPS, isKnownSyscall } from '../../src/spec/syscalls/catalog.js';
import { repoRoot } from '../helpers/cli.js';

const committed = JSON.parse(readFileSync(join(repoRoot, 'docs/agent-spec.schema.json'), 'utf8')) as Record<string, unknown>;

/** A plain validator, as an editor or another tool would use the committed file. */
function editorValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  return ajv.compile(committed);
}

describe('docs/agent-spec.schema.json', () => {
  it('is the schema generated from src/spec/schema.ts (no drift)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(AgentSpecSchema)));
  });

  it('is a valid draft 2020-12 schema with $id, title and a description on every field', () => {
    const ajv = new Ajv2020({ strict: false });
    expect(ajv.validateSchema(committed)).toBe(true);
    expect(committed['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(committed['$id']).toBe('urn:codex-fleet:agent-spec:1');
    const properties = committed['properties'] as Record<string, Record<string, unknown>>;
    for (const [field, node] of Object.entries(properties)) {
      expect(typeof node['title'], field).toBe('string');
      expect(typeof node['description'], field).toBe('string');
    }
  });

  it('accepts every sample spec', () => {
    const validate = editorValidator();
    const dirs = ['agents', 'examples/echo-bot/agents', 'examples/python-worker/agents'];
    const files = dirs.flatMap((dir) => readdirSync(join(repoRoot, dir)).map((f) => join(repoRoot, dir, f)));
    expect(files.length).toBe(5);
    for (const file of files) {
      expect(validate(parse(readFileSync(file, 'utf8'))), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('rejects a spec without model, and one with both plugin and command', () => {
    const validate = editorValidator();
    expect(validate({ name: 'a', role: 'r', plugin: 'builtin:doc-bot' })).toBe(false);
    expect(validate.errors?.some((e) => e.keyword === 'required' && e.params['missingProperty'] === 'model')).toBe(true);
    expect(validate({ name: 'a', role: 'r', model: 'm', plugin: 'builtin:doc-bot', command: ['x'] })).toBe(false);
    expect(validate({ name: 'a', role: 'r', model: 'm', plugin: 'builtin:doc-bot' })).toBe(true);
  });
});

describe('syscall catalog', () => {
  it('names only syscalls the platform knows', () => {
    const named = [...BASE_SYSCALLS, ...Object.values(SYSCALL_GROUPS).flatMap((g) => g.syscalls), ...Object.keys(FORBIDDEN_SYSCALLS)];
    expect(named.filter((name) => !isKnownSyscall(name))).toEqual([]);
  });

  it('never puts a refused syscall in the base set or a group', () => {
    const allowed = new Set([...BASE_SYSCALLS, ...Object.values(SYSCALL_GROUPS).flatMap((g) => g.syscalls)]);
    expect(Object.keys(FORBIDDEN_SYSCALLS).filter((name) => allowed.has(name))).toEqual([]);
    for (const name of ['fork', 'vfork', 'clone3', 'socket', 'connect', 'bind', 'execveat']) expect(allowed.has(name), name).toBe(false);
  });
});
