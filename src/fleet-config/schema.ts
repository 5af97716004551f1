/**
 * The fleet config file (`codex-fleet.yaml` at the repository root): its TypeScript type and its JSON
 * Schema, from one source. `docs/fleet-config.schema.json` and the field table in
 * `docs/fleet-config.md` are generated from {@link FleetConfigSchema} (`npm run gen`).
 */
import { Type, type Static } from '@sinclair/typebox';

export const FLEET_CONFIG_SCHEMA_ID = 'urn:codex-fleet:fleet-config:1';
export const FLEET_CONFIG_FILE = 'codex-fleet.yaml';

/** Defaults, stated once: the schema, the docs and the loader read these. */
export const FLEET_CONFIG_DEFAULTS = Object.freeze({
  /** The provider used when the file has no `providers`. */
  provider_name: 'openai',
  base_url: 'https://api.openai.com/v1',
  api_key_env: 'OPENAI_API_KEY',
  base_url_env: 'OPENAI_BASE_URL',
  /**
   * Input tokens assumed for one call when `codex fleet validate` checks that an agent can afford its own
   * worst-case call (its `max_tokens` of output plus this much input, at its model's prices).
   */
  validate_input_tokens: 8192,
});

const expected = (phrase: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  'x-expected': phrase,
  ...extra,
});

const dollarsPerMillion = (title: string, description: string) =>
  Type.Optional(
    Type.Number({ minimum: 0, maximum: 100_000, title, description, ...expected('a number of dollars per million tokens >= 0') }),
  );

export const PriceSchema = Type.Object(
  {
    input: dollarsPerMillion('Input price', 'Dollars per million input tokens.'),
    cached_input: dollarsPerMillion(
      'Cached input price',
      'Dollars per million input tokens read from the provider\'s cache. Default: the catalog\'s, or `input` when `input` is given here.',
    ),
    output: dollarsPerMillion('Output price', 'Dollars per million output tokens (reasoning tokens included).'),
    reasoning: dollarsPerMillion('Reasoning price', 'Dollars per million reasoning tokens, for a model that prices them apart from output.'),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    title: 'Price override',
    description:
      'Overrides the price catalog for this model (dollars per million tokens). A model the catalog does not know needs ' +
      '`input` and `output`. An override gives a flat price: the catalog\'s input-size tiers no longer apply.',
    ...expected('a mapping of prices (input, cached_input, output, reasoning)'),
  },
);

export const ProviderSchema = Type.Object(
  {
    base_url: Type.String({
      minLength: 1,
      title: 'Base URL',
      description: 'The OpenAI-compatible endpoint, `/v1` included, e.g. `http://127.0.0.1:11434/v1` for Ollama.',
      ...expected('an http:// or https:// URL'),
    }),
    api: Type.Optional(
      Type.Union([Type.Literal('responses'), Type.Literal('chat')], {
        title: 'API',
        description:
          'Which API the gateway speaks to it: `responses` (the Responses API) or `chat` (Chat Completions, what local ' +
          'servers such as Ollama, vLLM and llama.cpp speak). Default: `responses` for api.openai.com, `chat` elsewhere.',
        ...expected('"responses" or "chat"'),
      }),
    ),
    api_key_env: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
        title: 'API key variable',
        description:
          'The name of the environment variable that holds the API key (never the key itself). Default: none, for servers ' +
          'that need no key.',
        ...expected('an environment variable name such as OPENAI_API_KEY'),
      }),
    ),
  },
  {
    additionalProperties: false,
    title: 'Provider',
    description: 'One OpenAI-compatible model endpoint.',
    ...expected('a mapping with "base_url" (and optionally "api", "api_key_env")'),
  },
);

export const ModelSchema = Type.Object(
  {
    provider: Type.Optional(
      Type.String({
        minLength: 1,
        title: 'Provider',
        description: 'The provider this model\'s calls go to, unless an agent\'s spec names one. Default: `default_provider`.',
        ...expected('a provider name'),
      }),
    ),
    price: Type.Optional(PriceSchema),
  },
  {
    additionalProperties: false,
    title: 'Model',
    description: 'Settings for one model name, as agents\' specs write it.',
    ...expected('a mapping with "provider" and/or "price"'),
  },
);

const uid = (title: string, description: string) =>
  Type.Integer({ minimum: 1, maximum: 4_294_967_294, title, description, ...expected('a whole number from 1 to 4294967294 (never 0, root)') });

export const SandboxSchema = Type.Object(
  {
    uid: uid('User id', 'The unprivileged user id sandboxed workers and their commands run as when the fleet runs as root.'),
    gid: uid('Group id', 'The unprivileged group id sandboxed workers and their commands run as when the fleet runs as root.'),
  },
  {
    additionalProperties: false,
    title: 'Sandbox identity',
    description: 'The identity sandboxed code runs under when the fleet itself runs as root. Default: the launcher\'s own choice.',
    ...expected('a mapping with "uid" and "gid"'),
  },
);

const PROVIDER_NAME = { pattern: '^[a-z][a-z0-9_-]{0,62}$', ...expected('a name of lower-case letters, digits, "_" and "-" that starts with a letter') };

const fleetConfigProperties = {
  providers: Type.Optional(
    Type.Record(Type.String(), ProviderSchema, {
      propertyNames: PROVIDER_NAME,
      title: 'Providers',
      description:
        'Model endpoints by name. Without this section there is one provider, `openai`: `OPENAI_BASE_URL` (default ' +
        '`https://api.openai.com/v1`) with the key in `OPENAI_API_KEY`.',
      ...expected('a mapping of provider names to providers'),
    }),
  ),
  default_provider: Type.Optional(
    Type.String({
      minLength: 1,
      title: 'Default provider',
      description:
        'The provider for models that neither an agent\'s spec nor `models` assigns. Default: the only provider, or the one named `openai`.',
      ...expected('a provider name'),
    }),
  ),
  models: Type.Optional(
    Type.Record(Type.String(), ModelSchema, {
      propertyNames: { minLength: 1, ...expected('a model name') },
      title: 'Models',
      description: 'Per-model provider and price overrides, keyed by the model name agents\' specs use.',
      ...expected('a mapping of model names to model settings'),
    }),
  ),
  budget_usd: Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 1_000_000,
      title: 'Fleet budget',
      description: 'US dollars the whole fleet may spend on model calls, on top of each agent\'s `cost_budget`. Default: no fleet-wide limit.',
      ...expected('a number of dollars > 0'),
    }),
  ),
  notify: Type.Optional(
    Type.Array(Type.String({ minLength: 1, ...expected('a non-empty string') }), {
      minItems: 1,
      title: 'Notify command',
      description:
        'A command (program and arguments, no shell) run when an agent is paused for budget, e.g. `[notify-send, "codex fleet"]`; ' +
        'the message is its last argument. Default: none.',
      ...expected('a non-empty list of strings (program and arguments)'),
    }),
  ),
  sandbox: Type.Optional(SandboxSchema),
};

export const FleetConfigSchema = Type.Object(fleetConfigProperties, {
  $id: FLEET_CONFIG_SCHEMA_ID,
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'codex fleet config',
  description: 'Fleet-wide settings: codex-fleet.yaml at the repository root. Every field is optional.',
  additionalProperties: false,
  ...expected('a mapping of fleet settings'),
});

/** The file as written, before defaults. */
export type FleetConfigInput = Static<typeof FleetConfigSchema>;
export type PriceInput = Static<typeof PriceSchema>;

/** The fields the file may have, in documentation order. */
export const FLEET_CONFIG_FIELDS = Object.keys(fleetConfigProperties);
