/**
 * codex fleet's public API for programs that embed it. Plugin authors import `codex-fleet/plugin`
 * instead, which pulls in nothing from the supervisor side.
 */
export { loadAgentSpecs, loadAgentSpecFile, type LoadOptions, type LoadResult } from './spec/load.js';
export { SpecDiagnostic } from './spec/diagnostic.js';
export { AgentSpecSchema, AGENT_SPEC_SCHEMA_ID, SPEC_DEFAULTS, type AgentSpecInput } from './spec/schema.js';
export type { AgentSpec, AgentLimits, ExecRule, RestartPolicy, WorkerProgram } from './spec/types.js';
export { BASE_SYSCALLS, SYSCALL_GROUPS, FORBIDDEN_SYSCALLS, COMMAND_ONLY_SYSCALLS, expandSyscalls } from './spec/syscalls/catalog.js';
export {
  startModelServer,
  loadModelScript,
  ModelScriptError,
  type ModelServer,
  type ModelServerOptions,
  type ModelScriptInput,
  type LoggedRequest,
} from './model-server/index.js';
export {
  loadFleetConfig,
  readFleetConfig,
  FleetConfigError,
  FleetConfigSchema,
  priceFor,
  providerFor,
  type FleetConfig,
  type ProviderConfig,
  type ModelConfig,
} from './fleet-config/index.js';
export { resolvePrice, costMicroUsd, costUsd, formatMicroUsd, type ModelPrice, type TokenUsage, type PriceOverride } from './pricing/index.js';
