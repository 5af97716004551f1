/** The fleet config file, `codex-fleet.yaml`: loader, types and the checks against the agents. */
export { loadFleetConfig, readFleetConfig, defaultFleetConfig, FleetConfigError, type FleetConfigOptions, type FleetConfigResult } from './load.js';
export { priceFor, priceOverrides, providerFor } from './resolve.js';
export { checkAgentsAgainstConfig } from './agents.js';
export { FleetConfigSchema, FLEET_CONFIG_DEFAULTS, FLEET_CONFIG_FILE, FLEET_CONFIG_SCHEMA_ID, type FleetConfigInput } from './schema.js';
export type { FleetConfig, ModelConfig, ProviderConfig } from './types.js';
