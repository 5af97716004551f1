/** The fleet config after loading: validated, defaults applied, frozen. */
import type { PriceOverride } from '../pricing/resolve.js';

export interface ProviderConfig {
  readonly name: string;
  /** `/v1` included, no trailing slash. */
  readonly base_url: string;
  readonly api: 'responses' | 'chat';
  /** The environment variable that holds the key; absent for servers that need none. */
  readonly api_key_env?: string;
  /** True for the provider made from OPENAI_BASE_URL / OPENAI_API_KEY when the file names none. */
  readonly built_in: boolean;
}

export interface ModelConfig {
  readonly provider?: string;
  readonly price?: PriceOverride;
}

export interface FleetConfig {
  /** Absolute path of the file, or absent when there is none (every default applies). */
  readonly file?: string;
  readonly providers: Readonly<Record<string, ProviderConfig>>;
  readonly default_provider: string;
  readonly models: Readonly<Record<string, ModelConfig>>;
  /** US dollars for the whole fleet; absent: no fleet-wide limit. */
  readonly budget_usd?: number;
  readonly notify?: readonly string[];
  readonly sandbox?: { readonly uid: number; readonly gid: number };
}
