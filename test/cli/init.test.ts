import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runFleet } from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-init-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('codex fleet init', () => {
  it('creates the three samples, which validate and point editors at the schema', () => {
    const result = runFleet(['init'], { cwd: dir });
    expect(result.stdout).toBe(
      'created agents/patch-bot.yaml\ncreated agents/test-writer-bot.yaml\ncreated agents/doc-bot.yaml\n' +
        'Next: edit the specs, then run "codex fleet validate agents"\n',
    );
    expect(result.status).toBe(0);
    const text = readFileSync(join(dir, 'agents/patch-bot.yaml'), 'utf8');
    const schemaPath = /\$schema=(.*)$/m.exec(text)?.[1];
    expect(JSON.parse(readFileSync(join(dir, 'agents', schemaPath!), 'utf8'))['$id']).toBe('urn:codex-fleet:agent-spec:1');
    expect(runFleet(['validate'], { cwd: dir }).status).toBe(0);
  });

  it('never overwrites an existing spec', () => {
    mkdirSync(join(dir, 'agents'));
    writeFileSync(join(dir, 'agents/doc-bot.yaml'), 'mine\n');
    const result = runFleet(['init'], { cwd: dir });
    expect(result.stdout).toContain('kept agents/doc-bot.yaml (already exists)\n');
    expect(readFileSync(join(dir, 'agents/doc-bot.yaml'), 'utf8')).toBe('mine\n');
    expect(readFileSync(join(dir, 'agents/patch-bot.yaml'), 'utf8')).toContain('name: patch-bot');
  });
});

describe('--help', () => {
  it('gives every command an example', () => {
    const top = runFleet(['--help']);
    expect(top.status).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z-]+)(?: \[options\])?(?: \S+)*\s{2,}/gm)]
      .map((m) => m[1]!)
      .filter((name) => name !== 'help');
    expect(commands).toContain('validate');
    expect(commands).toContain('init');
    for (const command of commands) {
      const help = runFleet([command, '--help']);
      expect(help.status, command).toBe(0);
      expect(help.stdout, command).toMatch(/Examples?:\n {2}\$ codex fleet /);
    }
    // One CLI process per command, run one after another: on a loaded 2-core machine each takes ~3 s.
  }, 120_000);

  it('exits 2 on an unknown command and suggests a near one', () => {
    const result = runFleet(['valdate']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown command 'valdate'");
    expect(result.stderr).toContain('validate');
  });
});
