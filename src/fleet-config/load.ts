/**
 * Loading `codex-fleet.yaml` in the agent specs' stages: parse keeping positions → check against the
 * schema → semantic checks (URLs, provider names, prices) → defaults → freeze. Every problem is reported
 * at once, each as file:line:col. A missing file is not an error: every default applies.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { catalogPrice } from '../pricing/catalog.js';
import type { PriceOverride } from '../pricing/resolve.js';
import type { SpecDiagnostic } from '../spec/diagnostic.js';
import { SpecSource } from '../spec/source.js';
import { closest } from '../spec/suggest.js';
import { validateDocument } from '../spec/validate.js';
import { builtInProvider, defaultApi, normalizeBaseUrl } from './providers.js';
import { FLEET_CONFIG_FIELDS, FLEET_CONFIG_FILE, FleetConfigSchema, type FleetConfigInput } from './schema.js';
import type { FleetConfig, ModelConfig, ProviderConfig } from './types.js';

export interface FleetConfigOptions {
  /** The config file; default `<root>/codex-fleet.yaml`. */
  readonly file?: string;
  /** Where OPENAI_BASE_URL is read from. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Paths in messages are relative to this. Default: process.cwd(). */
  readonly cwd?: string;
}

export interface FleetConfigResult {
  /** The config, when there is no problem. */
  readonly config?: FleetConfig;
  readonly diagnostics: readonly SpecDiagnostic[];
  /** The file as shown in messages, when there is one. */
  readonly file?: string;
}

/** A config file with problems; `diagnostics` has every one. */
export class FleetConfigError extends Error {
  readonly code = 'CODEX_FLEET_CONFIG_INVALID';
  constructor(readonly diagnostics: readonly SpecDiagnostic[]) {
    super(`Invalid fleet config:\n${diagnostics.map((d) => `  ${d.toString()}`).join('\n')}`);
    this.name = 'FleetConfigError';
  }
}

function display(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

const names = (record: Readonly<Record<string, unknown>>): string => Object.keys(record).map((n) => `"${n}"`).join(', ');

function checkProviders(source: SpecSource, input: FleetConfigInput, out: SpecDiagnostic[]): void {
  for (const [name, provider] of Object.entries(input.providers ?? {})) {
    let url: URL | undefined;
    try {
      url = new URL(provider.base_url);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      out.push(
        source.at(
          ['providers', name, 'base_url'],
          `"providers.${name}.base_url" must be an http:// or https:// URL, got ${JSON.stringify(provider.base_url)}`,
        ),
      );
    }
  }
}

function unknownProvider(field: string, name: string, known: Readonly<Record<string, unknown>>): string {
  const hint = closest(name, Object.keys(known));
  return `"${field}" names the provider "${name}", which is not configured: ${hint ? `did you mean "${hint}"?` : `the providers are ${names(known)}`}`;
}

function checkModels(source: SpecSource, input: FleetConfigInput, providers: Readonly<Record<string, unknown>>, out: SpecDiagnostic[]): void {
  for (const [model, settings] of Object.entries(input.models ?? {})) {
    if (settings.provider !== undefined && !Object.hasOwn(providers, settings.provider)) {
      out.push(source.at(['models', model, 'provider'], unknownProvider(`models.${model}.provider`, settings.provider, providers)));
    }
    const price = settings.price;
    if (price && (price.input === undefined || price.output === undefined) && !catalogPrice(model)) {
      const missing = [price.input === undefined && '"input"', price.output === undefined && '"output"'].filter(Boolean).join(' and ');
      out.push(
        source.at(
          ['models', model, 'price'],
          `"models.${model}.price" needs ${missing}: the price catalog does not know "${model}", so the override must give the whole price`,
        ),
      );
    }
  }
}

function pickDefault(source: SpecSource, input: FleetConfigInput, providers: Readonly<Record<string, ProviderConfig>>, out: SpecDiagnostic[]): string | undefined {
  if (input.default_provider !== undefined) {
    if (Object.hasOwn(providers, input.default_provider)) return input.default_provider;
    out.push(source.at(['default_provider'], unknownProvider('default_provider', input.default_provider, providers)));
    return undefined;
  }
  const all = Object.keys(providers);
  if (all.length === 1) return all[0];
  if (Object.hasOwn(providers, 'openai')) return 'openai';
  out.push(
    source.atKey(
      ['providers'],
      `Several providers (${names(providers)}) and no "default_provider": name the one used for models that neither a spec nor "models" assigns`,
    ),
  );
  return undefined;
}

function providersOf(input: FleetConfigInput, env: Readonly<Record<string, string | undefined>>): Record<string, ProviderConfig> {
  if (input.providers === undefined) {
    const builtIn = builtInProvider(env);
    return { [builtIn.name]: builtIn };
  }
  const out: Record<string, ProviderConfig> = {};
  for (const [name, p] of Object.entries(input.providers)) {
    const baseUrl = normalizeBaseUrl(p.base_url);
    out[name] = Object.freeze({
      name,
      base_url: baseUrl,
      api: p.api ?? defaultApi(baseUrl),
      ...(p.api_key_env !== undefined && { api_key_env: p.api_key_env }),
      built_in: false,
    });
  }
  return out;
}

function freezeModels(input: FleetConfigInput): Record<string, ModelConfig> {
  const out: Record<string, ModelConfig> = {};
  for (const [model, settings] of Object.entries(input.models ?? {})) {
    out[model] = Object.freeze({
      ...(settings.provider !== undefined && { provider: settings.provider }),
      ...(settings.price !== undefined && { price: Object.freeze({ ...settings.price }) as PriceOverride }),
    });
  }
  return out;
}

/** The config from `input` (already checked against the schema), or undefined with diagnostics. */
function compile(source: SpecSource, input: FleetConfigInput, env: Readonly<Record<string, string | undefined>>, out: SpecDiagnostic[]): FleetConfig | undefined {
  const providers = providersOf(input, env);
  checkProviders(source, input, out);
  checkModels(source, input, providers, out);
  const defaultProvider = pickDefault(source, input, providers, out);
  if (out.length > 0 || defaultProvider === undefined) return undefined;
  return Object.freeze({
    file: source.path,
    providers: Object.freeze(providers),
    default_provider: defaultProvider,
    models: Object.freeze(freezeModels(input)),
    ...(input.budget_usd !== undefined && { budget_usd: input.budget_usd }),
    ...(input.notify !== undefined && { notify: Object.freeze([...input.notify]) }),
    ...(input.sandbox !== undefined && { sandbox: Object.freeze({ uid: input.sandbox.uid, gid: input.sandbox.gid }) }),
  });
}

/** The config when there is no file: the built-in provider, no overrides, no fleet budget. */
export function defaultFleetConfig(env: Readonly<Record<string, string | undefined>> = process.env): FleetConfig {
  const builtIn = builtInProvider(env);
  return Object.freeze({ providers: Object.freeze({ [builtIn.name]: builtIn }), default_provider: builtIn.name, models: Object.freeze({}) });
}

/** Reads `<root>/codex-fleet.yaml` (or `options.file`); never throws on bad input. */
export async function readFleetConfig(root: string, options: FleetConfigOptions = {}): Promise<FleetConfigResult> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const path = options.file !== undefined ? resolve(cwd, options.file) : join(resolve(cwd, root), FLEET_CONFIG_FILE);
  if (options.file === undefined && !existsSync(path)) return { config: defaultFleetConfig(env), diagnostics: [] };
  const shown = display(path, cwd);
  const source = await SpecSource.read(path, shown);
  if (Array.isArray(source)) return { diagnostics: source, file: shown };
  const raw = source.data();
  // An empty file (or one with only comments) is a config with every default.
  const data = raw === null || raw === undefined ? {} : raw;
  const diagnostics = validateDocument(source, data, FleetConfigSchema, {
    topFields: FLEET_CONFIG_FIELDS,
    what: 'a mapping of fleet settings (providers, models, budget_usd, …)',
  });
  if (diagnostics.length > 0) return { diagnostics: diagnostics.sort((a, b) => a.line - b.line || a.col - b.col), file: shown };
  const config = compile(source, data as FleetConfigInput, env, diagnostics);
  diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
  return config ? { config, diagnostics, file: shown } : { diagnostics, file: shown };
}

/** The fleet config of the repository at `root`, frozen, defaults applied. Throws {@link FleetConfigError}. */
export async function loadFleetConfig(root: string, options: FleetConfigOptions = {}): Promise<FleetConfig> {
  const result = await readFleetConfig(root, options);
  if (!result.config) throw new FleetConfigError(result.diagnostics);
  return result.config;
}
