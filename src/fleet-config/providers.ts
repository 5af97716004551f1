/** Provider defaults: the built-in provider from the environment, and each provider's default API. */
import { FLEET_CONFIG_DEFAULTS } from './schema.js';
import type { ProviderConfig } from './types.js';

/** `responses` for OpenAI's own endpoint, `chat` for any other server (what local servers speak). */
export function defaultApi(baseUrl: string): 'responses' | 'chat' {
  try {
    return new URL(baseUrl).hostname === 'api.openai.com' ? 'responses' : 'chat';
  } catch {
    return 'chat';
  }
}

export function normalizeBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** The provider used when the file names none: OPENAI_BASE_URL (or OpenAI's API) with OPENAI_API_KEY. */
export function builtInProvider(env: Readonly<Record<string, string | undefined>>): ProviderConfig {
  const fromEnv = env[FLEET_CONFIG_DEFAULTS.base_url_env];
  const baseUrl = normalizeBaseUrl(fromEnv !== undefined && fromEnv !== '' ? fromEnv : FLEET_CONFIG_DEFAULTS.base_url);
  return Object.freeze({
    name: FLEET_CONFIG_DEFAULTS.provider_name,
    base_url: baseUrl,
    api: defaultApi(baseUrl),
    api_key_env: FLEET_CONFIG_DEFAULTS.api_key_env,
    built_in: true,
  });
}
