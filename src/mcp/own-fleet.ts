/**
 * `codex fleet mcp --start`: the MCP server runs the fleet itself, in its own process, and stops it
 * when the client goes away. Fleet events go to stderr (stdout carries MCP).
 */
import { loadAgentSpecs } from '../spec/load.js';
import { formatEvent } from '../supervisor/events.js';
import { Supervisor } from '../utils/agent/supervisor.js';

export interface OwnFleetOptions {
  readonly specPaths: readonly string[];
  readonly stateDir: string;
  readonly projectDir: string;
  readonly version: string;
  readonly log: (line: string) => void;
}

/** Starts the fleet; throws an Error whose message says what to fix when the specs are bad. */
export async function startOwnFleet(options: OwnFleetOptions): Promise<Supervisor> {
  const loaded = await loadAgentSpecs([...options.specPaths]);
  if (loaded.diagnostics.length > 0) {
    throw new Error(`Cannot start the fleet: fix the agent specs:\n${loaded.diagnostics.map(String).join('\n')}`);
  }
  if (loaded.agents.length === 0) {
    throw new Error(`Cannot start the fleet: no agent specs (*.yaml) in ${options.specPaths.join(', ')}; create samples with "codex fleet init"`);
  }
  return Supervisor.start({
    agents: loaded.agents,
    stateDir: options.stateDir,
    projectDir: options.projectDir,
    version: options.version,
    onEvent: (event) => options.log(formatEvent(event)),
  });
}
