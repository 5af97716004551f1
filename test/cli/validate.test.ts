import { describe, expect, it } from 'vitest';
import { codexBin, codexFleetBin, repoRoot, runFleet } from '../helpers/cli.js';
import { spawnSync } from 'node:child_process';

const broken = 'test/fixtures/specs/broken';

describe('codex fleet validate', () => {
  it('accepts the shipped samples and prints each agent', () => {
    const result = runFleet(['validate']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      'ok doc-bot (builtin:doc-bot, model gpt-4.1-nano, budget $0.25)\n' +
        'ok patch-bot (builtin:patch-bot, model gpt-4.1-mini, budget $0.50)\n' +
        'ok test-writer-bot (builtin:test-writer-bot, model gpt-4.1-mini, budget $0.50)\n' +
        '3 agents valid\n',
    );
    expect(result.status).toBe(0);
  });

  it('reports one error per problem in a directory of broken specs, each with file:line:col', () => {
    const result = runFleet(['validate', broken]);
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n')).toEqual([
      `${broken}/bad-yaml.yaml:4:1: Invalid YAML: Missing closing "quote`,
      `${broken}/dupe.yml:1:7: Duplicate agent name "dupe": already defined at ${broken}/dupe.yaml:1:7`,
      `${broken}/fork-allowed.yaml:6:5: "allowed_syscalls[0]" asks for "fork", which can never be allowed: workers may never create processes; ask the supervisor to run a command (exec) instead`,
      `${broken}/missing-plugin.yaml:4:9: "plugin" file not found: ${repoRoot}${broken}/no-such-plugin.js (paths are relative to the spec file)`,
      `${broken}/negative-budget.yaml:5:14: "cost_budget" must be a number of dollars > 0, got -1`,
      `${broken}/no-model.yaml:1:1: Missing required field "model"`,
      `${broken}/unknown-field.yaml:5:1: Unknown field "cost_budgt": did you mean "cost_budget"?`,
      `${broken}/unknown-syscall.yaml:5:31: "allowed_syscalls[1]" is an unknown syscall "forkk": did you mean "fork"?`,
      `${broken}/wrong-types.yaml:4:13: "max_tokens" must be a whole number of tokens from 1 to 1000000, got "many"`,
      `${broken}/wrong-types.yaml:5:14: "concurrency" must be a whole number from 1 to 64, got 1.5`,
      'codex fleet: 10 problems in 9 of 10 files',
      '',
    ]);
  });

  it('prints a machine-readable report with --json', () => {
    const result = runFleet(['validate', '--json', `${broken}/negative-budget.yaml`, 'agents/doc-bot.yaml']);
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      valid: false,
      files: [`${broken}/negative-budget.yaml`, 'agents/doc-bot.yaml'],
      agents: [{ name: 'doc-bot', model: 'gpt-4.1-nano', cost_budget: 0.25, concurrency: 1, worker: 'builtin:doc-bot' }],
      errors: [
        {
          file: `${broken}/negative-budget.yaml`,
          line: 5,
          col: 14,
          field: 'cost_budget',
          message: '"cost_budget" must be a number of dollars > 0, got -1',
        },
      ],
    });
  });

  it('says what to do when there are no specs', () => {
    const result = runFleet(['validate', 'test/fixtures']);
    expect(result.stderr).toBe('codex fleet: No agent specs (*.yaml) found in test/fixtures: create samples with "codex fleet init"\n');
    expect(result.status).toBe(1);
  });

  it('runs from both installed bins directly (they are executable and start with #!/usr/bin/env node)', () => {
    for (const bin of [codexBin, codexFleetBin]) {
      const args = bin === codexBin ? ['fleet', 'validate', 'agents/doc-bot.yaml'] : ['validate', 'agents/doc-bot.yaml'];
      const result = spawnSync(bin, args, { cwd: repoRoot, encoding: 'utf8' });
      expect(result.error, bin).toBeUndefined();
      expect(result.stdout, bin).toBe('ok doc-bot (builtin:doc-bot, model gpt-4.1-nano, budget $0.25)\n1 agent valid\n');
    }
  });

  it('is the same command as codex-fleet validate', () => {
    const result = spawnSync(process.execPath, [codexFleetBin, 'validate', 'agents/doc-bot.yaml'], { cwd: repoRoot, encoding: 'utf8' });
    expect(result.stdout).toBe('ok doc-bot (builtin:doc-bot, model gpt-4.1-nano, budget $0.25)\n1 agent valid\n');
    expect(result.status).toBe(0);
  });
});
