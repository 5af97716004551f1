import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  FLEET_CONFIG_DEFAULTS,
  FleetConfigError,
  loadFleetConfig,
  priceFor,
  providerFor,
  readFleetConfig,
} from '../../src/fleet-config/index.js';
import { costMicroUsd } from '../../src/pricing/index.js';
import { repoRoot } from '../helpers/cli.js';

function repo(config?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'codex-fleet-config-'));
  if (config !== undefined) writeFileSync(join(dir, 'codex-fleet.yaml'), config);
  return dir;
}

async function problems(config: string): Promise<string[]> {
  const dir = repo(config);
  const result = await readFleetConfig(dir, { cwd: dir, env: {} });
  expect(result.config).toBeUndefined();
  return result.diagnostics.map((d) => d.toString());
}

describe('without codex-fleet.yaml', () => {
  test('one provider, openai, from OPENAI_BASE_URL and OPENAI_API_KEY', async () => {
    const local = await loadFleetConfig(repo(), { env: { OPENAI_BASE_URL: 'http://127.0.0.1:8931/v1/' } });
    expect(local).toEqual({
      providers: { openai: { name: 'openai', base_url: 'http://127.0.0.1:8931/v1', api: 'chat', api_key_env: 'OPENAI_API_KEY', built_in: true } },
      default_provider: 'openai',
      models: {},
    });
    const real = await loadFleetConfig(repo(), { env: {} });
    expect(real.providers['openai']).toMatchObject({ base_url: 'https://api.openai.com/v1', api: 'responses' });
    expect(Object.isFrozen(real) && Object.isFrozen(real.providers) && Object.isFrozen(real.providers['openai'])).toBe(true);
  });

  test('an empty file is every default', async () => {
    const dir = repo('# nothing yet\n');
    const config = await loadFleetConfig(dir, { env: {} });
    expect(config.file).toBe(join(dir, 'codex-fleet.yaml'));
    expect(config.default_provider).toBe('openai');
  });
});

describe('a full codex-fleet.yaml', () => {
  const full = [
    'providers:',
    '  openai:',
    '    base_url: https://api.openai.com/v1',
    '    api_key_env: OPENAI_API_KEY',
    '  ollama:',
    '    base_url: http://127.0.0.1:11434/v1/',
    'models:',
    '  qwen2.5-coder:7b:',
    '    provider: ollama',
    '    price: { input: 0, output: 0 }',
    '  gpt-4.1-mini:',
    '    price: { output: 2 }',
    'budget_usd: 5',
    'notify: [notify-send, codex fleet]',
    'sandbox: { uid: 65534, gid: 65534 }',
    '',
  ].join('\n');

  test('loads typed, with defaults applied and everything frozen', async () => {
    const config = await loadFleetConfig(repo(full), { env: { OPENAI_BASE_URL: 'http://ignored:1/v1' } });
    expect(config.providers).toEqual({
      openai: { name: 'openai', base_url: 'https://api.openai.com/v1', api: 'responses', api_key_env: 'OPENAI_API_KEY', built_in: false },
      ollama: { name: 'ollama', base_url: 'http://127.0.0.1:11434/v1', api: 'chat', built_in: false },
    });
    expect(config.default_provider).toBe('openai');
    expect(config.budget_usd).toBe(5);
    expect(config.notify).toEqual(['notify-send', 'codex fleet']);
    expect(config.sandbox).toEqual({ uid: 65534, gid: 65534 });
    expect(Object.isFrozen(config.models['gpt-4.1-mini']?.price)).toBe(true);
    expect(() => {
      (config as { budget_usd?: number }).budget_usd = 100;
    }).toThrow(TypeError);
  });

  test('picks each call\'s provider and price', async () => {
    const config = await loadFleetConfig(repo(full), { env: {} });
    expect(providerFor(config, { model: 'qwen2.5-coder:7b' })?.name).toBe('ollama');
    expect(providerFor(config, { model: 'gpt-4.1-mini' })?.name).toBe('openai');
    expect(providerFor(config, { model: 'qwen2.5-coder:7b', provider: 'openai' })?.name).toBe('openai'); // the spec wins
    expect(providerFor(config, { model: 'x', provider: 'nope' })).toBeUndefined();
    const mini = priceFor(config, 'gpt-4.1-mini');
    expect(mini).toMatchObject({ source: 'catalog+override', input: 0.4, output: 2 });
    expect(costMicroUsd({ input_tokens: 1000, output_tokens: 1000 }, mini!)).toBe(400 + 2000);
    expect(priceFor(config, 'qwen2.5-coder:7b')).toMatchObject({ source: 'override', input: 0, output: 0 });
    expect(priceFor(config, 'llama3.1:8b')).toBeUndefined();
  });
});

describe('problems, each at file:line:col', () => {
  test('schema problems name the field, the value and what is expected', async () => {
    expect(
      await problems(
        [
          'providers:',
          '  Local_AI:',
          '    base_url: http://127.0.0.1:1/v1',
          '  openai:',
          '    base_url: https://api.openai.com/v1',
          '    api: completions',
          'budget_usd: 0',
          'notify: []',
          'sandbox: { uid: 0, gid: 100 }',
          'modles: {}',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      'codex-fleet.yaml:2:3: "providers" has a bad name "Local_AI": it must be a name of lower-case letters, digits, "_" and "-" that starts with a letter',
      'codex-fleet.yaml:6:10: "providers.openai.api" must be "responses" or "chat", got "completions"',
      'codex-fleet.yaml:7:13: "budget_usd" must be a number of dollars > 0, got 0',
      'codex-fleet.yaml:8:9: "notify" must be a non-empty list of strings (program and arguments), got a list',
      'codex-fleet.yaml:9:17: "sandbox.uid" must be a whole number from 1 to 4294967294 (never 0, root), got 0',
      'codex-fleet.yaml:10:1: Unknown field "modles": did you mean "models"?',
    ]);
  });

  test('semantic problems: URLs, provider names, incomplete prices, no default', async () => {
    expect(
      await problems(
        [
          'providers:',
          '  ollama:',
          '    base_url: ftp://127.0.0.1/v1',
          '  vllm:',
          '    base_url: http://127.0.0.1:8000/v1',
          'models:',
          '  qwen2.5-coder:7b:',
          '    provider: olama',
          '    price: { input: 0 }',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      'codex-fleet.yaml:1:1: Several providers ("ollama", "vllm") and no "default_provider": name the one used for models that neither a spec nor "models" assigns',
      'codex-fleet.yaml:3:15: "providers.ollama.base_url" must be an http:// or https:// URL, got "ftp://127.0.0.1/v1"',
      'codex-fleet.yaml:8:15: "models.qwen2.5-coder:7b.provider" names the provider "olama", which is not configured: did you mean "ollama"?',
      'codex-fleet.yaml:9:12: "models.qwen2.5-coder:7b.price" needs "output": the price catalog does not know "qwen2.5-coder:7b", so the override must give the whole price',
    ]);
    expect(await problems('providers:\n  a: { base_url: "http://x/v1" }\ndefault_provider: vllm\n')).toEqual([
      'codex-fleet.yaml:3:19: "default_provider" names the provider "vllm", which is not configured: the providers are "a"',
    ]);
  });

  test('bad YAML and a non-mapping are refused; loadFleetConfig throws with every problem', async () => {
    expect(await problems('providers: [\n')).toEqual([expect.stringMatching(/^codex-fleet\.yaml:2:1: Invalid YAML: /)]);
    expect(await problems('- a\n- b\n')).toEqual([
      'codex-fleet.yaml:1:1: Expected a mapping of fleet settings (providers, models, budget_usd, …), got a list',
    ]);
    const dir = repo('budget_usd: ten\n');
    const error = await loadFleetConfig(dir, { cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetConfigError);
    expect((error as FleetConfigError).message).toBe(
      'Invalid fleet config:\n  codex-fleet.yaml:1:13: "budget_usd" must be a number of dollars > 0, got "ten"',
    );
  });
});

test('the docs state the input allowance that validate uses', () => {
  const doc = readFileSync(join(repoRoot, 'docs/fleet-config.md'), 'utf8');
  expect(doc).toContain(`**${FLEET_CONFIG_DEFAULTS.validate_input_tokens} input tokens**`);
});
