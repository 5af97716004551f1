import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFleet } from '../helpers/cli.js';

/** A repository with the given specs (name → extra YAML lines) and, optionally, a codex-fleet.yaml. */
function project(specs: Record<string, string>, config?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'codex-fleet-validate-'));
  mkdirSync(join(dir, 'agents'));
  for (const [name, extra] of Object.entries(specs)) {
    writeFileSync(join(dir, 'agents', `${name}.yaml`), `name: ${name}\nrole: Test agent.\nplugin: builtin:doc-bot\n${extra}`);
  }
  if (config !== undefined) writeFileSync(join(dir, 'codex-fleet.yaml'), config);
  return dir;
}

describe('codex fleet validate with the fleet config', () => {
  it('accepts a config and the agents that fit it', () => {
    const dir = project(
      { local: 'model: qwen2.5-coder:7b\n', mini: 'model: gpt-4.1-mini\nprovider: openai\n' },
      'providers:\n  openai: { base_url: "https://api.openai.com/v1", api_key_env: OPENAI_API_KEY }\n' +
        '  ollama: { base_url: "http://127.0.0.1:11434/v1" }\n' +
        'default_provider: ollama\nmodels:\n  qwen2.5-coder:7b: { price: { input: 0, output: 0 } }\nbudget_usd: 3\n',
    );
    const result = runFleet(['validate'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      'ok codex-fleet.yaml (providers: openai, ollama; default ollama; fleet budget $3.00)\n' +
        'ok local (builtin:doc-bot, model qwen2.5-coder:7b, budget $0.50)\n' +
        'ok mini (builtin:doc-bot, model gpt-4.1-mini, budget $0.50)\n' +
        '2 agents valid\n',
    );
    expect(result.status).toBe(0);
  });

  it('flags a model without a price, an unaffordable worst-case call and an unknown provider at the spec', () => {
    const dir = project({
      unpriced: 'model: llama3.1:8b\n',
      greedy: 'model: gpt-4.1\nmax_tokens: 100000\ncost_budget: 0.5\n',
      lost: 'model: gpt-4.1-nano\nprovider: openia\n',
      fine: 'model: gpt-4.1-nano\n',
    });
    const result = runFleet(['validate'], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('ok fine (builtin:doc-bot, model gpt-4.1-nano, budget $0.50)\n');
    expect(result.stderr.split('\n')).toEqual([
      // gpt-4.1: $8/M output × 100000 + $2/M input × 8192 = $0.8 + $0.016384
      'agents/greedy.yaml:5:13: One call of "greedy" can cost $0.816384 (100000 output tokens at $8/M plus 8192 input tokens at $2/M), ' +
        'more than its whole cost_budget $0.500000: raise "cost_budget" or lower "max_tokens"',
      'agents/lost.yaml:5:11: "provider" names "openia", which is not in the built-in provider list: did you mean "openai"?',
      'agents/unpriced.yaml:4:8: No price is known for model "llama3.1:8b": add one to codex-fleet.yaml under ' +
        'models: { "llama3.1:8b": { price: { input: …, output: … } } } (dollars per million tokens)',
      'codex fleet: 3 problems in 3 of 4 files',
      '',
    ]);
  });

  it('checks a worst case against the fleet budget too, and reports config problems with the specs\'', () => {
    const dir = project({ a: 'model: gpt-4.1-mini\nmax_tokens: 10000\n' }, 'budget_usd: 0.01\nnotify: notify-send\n');
    const bad = runFleet(['validate'], { cwd: dir });
    expect(bad.stderr).toBe(
      'codex-fleet.yaml:2:9: "notify" must be a non-empty list of strings (program and arguments), got "notify-send"\n' +
        'codex fleet: 1 problem in 1 of 2 files\n',
    );
    writeFileSync(join(dir, 'codex-fleet.yaml'), 'budget_usd: 0.01\n');
    const over = runFleet(['validate'], { cwd: dir });
    expect(over.status).toBe(1);
    expect(over.stderr).toContain(
      'agents/a.yaml:5:13: One call of "a" can cost $0.019277 (10000 output tokens at $1.6/M plus 8192 input tokens at $0.4/M), ' +
        'more than the fleet\'s whole budget_usd $0.010000 in codex-fleet.yaml: raise it or lower "max_tokens"',
    );
  });

  it('reports the config in --json and takes --config', () => {
    const dir = project({ a: 'model: gpt-4.1-mini\n' });
    writeFileSync(join(dir, 'other.yaml'), 'providers:\n  local: { base_url: "http://127.0.0.1:9/v1" }\n');
    const result = runFleet(['validate', '--json', '--config', 'other.yaml'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: true,
      files: ['agents/a.yaml', 'other.yaml'],
      config: { file: 'other.yaml', providers: [{ name: 'local', base_url: 'http://127.0.0.1:9/v1', api: 'chat' }], default_provider: 'local' },
      errors: [],
    });
  });
});
