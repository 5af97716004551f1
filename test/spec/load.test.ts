import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAgentSpecs } from '../../src/spec/load.js';
import { SPEC_DEFAULTS } from '../../src/spec/schema.js';
import { repoRoot } from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-spec-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function spec(name: string, body: string): void {
  writeFileSync(join(dir, `${name}.yaml`), body);
}

async function messages(): Promise<string[]> {
  const result = await loadAgentSpecs([dir], { cwd: dir });
  return result.diagnostics.map((d) => d.toString());
}

const base = (name: string): string => `name: ${name}\nrole: Test agent.\nmodel: gpt-4.1-mini\nplugin: builtin:doc-bot\n`;

describe('loadAgentSpecs', () => {
  it('applies every default and freezes the result', async () => {
    spec('a', base('a'));
    const { agents, diagnostics } = await loadAgentSpecs([dir]);
    expect(diagnostics).toEqual([]);
    const agent = agents[0]!;
    expect(agent).toMatchObject({
      name: 'a',
      max_tokens: SPEC_DEFAULTS.max_tokens,
      cost_budget: 0.5,
      concurrency: 1,
      allowed_syscalls: [],
      exec: [],
      limits: { max_turns: 20, wall_time_s: 600, retries: 2, memory_mb: 2048, threads: 512, disk_mb: 1024 },
      restart: { max_restarts: 5, window_s: 60 },
      worker: { kind: 'plugin', plugin: 'builtin:doc-bot' },
      file: join(dir, 'a.yaml'),
    });
    expect(Object.isFrozen(agent)).toBe(true);
    expect(Object.isFrozen(agent.limits)).toBe(true);
    expect(() => {
      (agent as { cost_budget: number }).cost_budget = 100;
    }).toThrow(TypeError);
  });

  it('reports the documented example message with file:line:col', async () => {
    spec('patch-bot', `${base('patch-bot')}max_tokens: 100\ncost_budget: "ten"\n`);
    expect(await messages()).toEqual(['patch-bot.yaml:6:14: "cost_budget" must be a number of dollars > 0, got "ten"']);
  });

  it('reports every error of a file at once', async () => {
    spec(
      'many',
      'name: many\nrole: ""\nmodel: m\nplugin: builtin:doc-bot\nconcurrency: 0\nlimits:\n  retries: -1\n  max_turns: x\n  bogus: 1\n',
    );
    expect(await messages()).toEqual([
      'many.yaml:2:7: "role" must be a non-empty string of at most 2000 characters, got ""',
      'many.yaml:5:14: "concurrency" must be a whole number from 1 to 64, got 0',
      'many.yaml:7:12: "limits.retries" must be a whole number from 0 to 100, got -1',
      'many.yaml:8:14: "limits.max_turns" must be a whole number from 1 to 10000, got "x"',
      'many.yaml:9:3: Unknown field "limits.bogus": expected one of "max_turns", "wall_time_s", "retries", "memory_mb", "threads", "disk_mb"',
    ]);
  });

  it('checks exec rules field by field', async () => {
    spec('ex', `${base('ex')}exec:\n  - command: []\n  - command: [npm, test]\n    timeout_s: 0\n`);
    expect(await messages()).toEqual([
      'ex.yaml:6:14: "exec[0].command" must be a non-empty list of strings (program and arguments), got a list',
      'ex.yaml:8:16: "exec[1].timeout_s" must be a number of seconds > 0 and <= 86400, got 0',
    ]);
  });

  it('requires the name to match the file name', async () => {
    spec('patch-bot', base('patch'));
    expect(await messages()).toEqual(['patch-bot.yaml:1:7: "name" is "patch" but the file is patch-bot.yaml: rename one so they match']);
  });

  it('requires exactly one of plugin and command', async () => {
    spec('none', 'name: none\nrole: r\nmodel: m\n');
    spec('both', `${base('both')}command: [/bin/true]\n`);
    expect(await messages()).toEqual([
      'both.yaml:5:10: "plugin" and "command" are both given: keep exactly one of them',
      'none.yaml:1:1: Missing "plugin" or "command": say which program runs the worker (plugin: builtin:<name> or a .js file; command: [program, args…])',
    ]);
  });

  it('resolves plugins relative to the spec file and rejects TypeScript and unknown built-ins', async () => {
    mkdirSync(join(dir, 'plugins'));
    writeFileSync(join(dir, 'plugins', 'ok.js'), 'export default {}\n');
    writeFileSync(join(dir, 'plugins', 'src.ts'), 'export default {}\n');
    spec('ok', 'name: ok\nrole: r\nmodel: m\nplugin: ./plugins/ok.js\n');
    spec('ts', 'name: ts\nrole: r\nmodel: m\nplugin: ./plugins/src.ts\n');
    spec('bi', 'name: bi\nrole: r\nmodel: m\nplugin: builtin:patch-bott\n');
    const result = await loadAgentSpecs([dir], { cwd: dir });
    expect(result.diagnostics.map(String)).toEqual([
      'bi.yaml:4:9: Unknown built-in plugin "builtin:patch-bott": did you mean "builtin:patch-bot"?',
      'ts.yaml:4:9: "plugin" is a TypeScript file (./plugins/src.ts): compile it to JavaScript first (e.g. with tsc) and name the .js file',
    ]);
    expect(result.agents.map((a) => a.worker)).toEqual([
      { kind: 'plugin', plugin: './plugins/ok.js', pluginPath: join(dir, 'plugins', 'ok.js') },
    ]);
  });

  it('resolves a command to a real executable and relative arguments to the spec file', async () => {
    writeFileSync(join(dir, 'worker.py'), 'print(1)\n');
    spec('py', 'name: py\nrole: r\nmodel: m\ncommand: [sh, ./worker.py, --flag]\n');
    spec('nope', 'name: nope\nrole: r\nmodel: m\ncommand: [no-such-program-xyz]\n');
    const result = await loadAgentSpecs([dir], { cwd: dir });
    expect(result.diagnostics.map(String)).toEqual([
      'nope.yaml:4:11: "command[0]" "no-such-program-xyz" was not found on PATH: give the absolute path of the executable',
    ]);
    const worker = result.agents[0]!.worker;
    expect(worker.kind).toBe('command');
    if (worker.kind !== 'command') return;
    expect(worker.argv[0]).toMatch(/^\/.*(sh|dash|bash)$/);
    expect(worker.argv.slice(1)).toEqual([join(dir, 'worker.py'), '--flag']);
  });

  it('checks syscalls: groups expand, unknown names and groups and forbidden ones are errors', async () => {
    spec('sc', `${base('sc')}allowed_syscalls: ["@timer", "@tymer", socket, ptrace, gettimeofday, clone3, "@timer"]\n`);
    expect(await messages()).toEqual([
      'sc.yaml:5:19: "allowed_syscalls" lists "@timer" twice',
      'sc.yaml:5:30: "allowed_syscalls[1]" is an unknown syscall group "@tymer": did you mean "@timer"?',
      'sc.yaml:5:40: "allowed_syscalls[2]" asks for "socket", which can never be allowed: workers have no network and no sockets; stdio is their only channel',
      'sc.yaml:5:48: "allowed_syscalls[3]" asks for "ptrace", which can never be allowed: tracing other processes escapes the sandbox',
      'sc.yaml:5:70: "allowed_syscalls[5]" asks for "clone3", which can never be allowed: workers may never create processes (threads still start: clone with CLONE_THREAD is in the base set)',
    ]);
  });

  it('reports a document that is not a mapping, an empty file and YAML errors', async () => {
    spec('list', '- a\n- b\n');
    spec('empty', '');
    spec('dupkey', `${base('dupkey')}model: again\n`);
    expect(await messages()).toEqual([
      'dupkey.yaml:5:1: Invalid YAML: Map keys must be unique',
      'empty.yaml:1:1: Expected a mapping of agent fields (name, role, model, …), got nothing',
      'list.yaml:1:1: Expected a mapping of agent fields (name, role, model, …), got a list',
    ]);
  });

  it('reports a path that does not exist and keeps loading the others', async () => {
    spec('a', base('a'));
    const result = await loadAgentSpecs([join(dir, 'missing'), dir], { cwd: dir });
    expect(result.diagnostics.map(String)).toEqual([`${join(dir, 'missing')}: No such file or directory`]);
    expect(result.agents.map((a) => a.name)).toEqual(['a']);
  });

  it('loads the shipped samples', async () => {
    const result = await loadAgentSpecs(['agents'], { cwd: repoRoot });
    expect(result.diagnostics).toEqual([]);
    expect(result.agents.map((a) => a.name)).toEqual(['doc-bot', 'patch-bot', 'test-writer-bot']);
  });
});
