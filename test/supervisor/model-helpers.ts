/** Model-call fleet tests' shared set-up: a local model server per test and agents on the model-call fixture. */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { ProviderApi } from '../../src/gateway/types.js';
import { startModelServer, type ModelServer, type ModelScriptInput } from '../../src/model-server/index.js';
import { resolvePrice } from '../../src/pricing/index.js';
import { pricingOf } from '../../src/supervisor/model-meter.js';
import type { FleetEvent } from '../../src/supervisor/events.js';
import { Supervisor } from '../../src/utils/agent/supervisor.js';
import { repoRoot } from '../helpers/cli.js';
import { connect, fixturesDir, loadAgents, type FleetTest, type FleetDir } from './helpers.js';

const servers: ModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

export async function serveModel(script: ModelScriptInput): Promise<ModelServer> {
  const server = await startModelServer({ script });
  servers.push(server);
  return server;
}

/** `agents/<name>.yaml` on the fixture `<fixture>.mjs` with the given fields (YAML lines). */
export function writeModelAgent(dir: FleetDir, name: string, fields: Record<string, string | number>, fixture = 'model-call'): void {
  copyFileSync(join(fixturesDir, `${fixture}.mjs`), join(dir.agentsDir, `${name}.mjs`));
  const all: Record<string, string | number> = { name, role: 'makes model calls', model: 'gpt-4.1-mini', max_tokens: 100, cost_budget: 1, plugin: `./${name}.mjs`, ...fields };
  writeFileSync(join(dir.agentsDir, `${name}.yaml`), Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n');
}

/** Starts the supervisor with its model calls going to `server` over `api`. */
export async function startMeteredFleet(t: FleetTest, server: ModelServer, api: ProviderApi, extra: { budgetUsd?: number; notify?: readonly string[] } = {}): Promise<void> {
  const agents = await loadAgents(t.dir);
  const events: FleetEvent[] = [];
  const supervisor = await Supervisor.start({
    agents,
    stateDir: t.dir.stateDir,
    projectDir: repoRoot,
    onEvent: (e) => events.push(e),
    models: {
      provider: () => ({ name: 'local', api, baseURL: server.url, apiKey: 'sk-test', maxRetries: 2 }),
      pricing: (model) => pricingOf(resolvePrice(model)!),
      ...extra,
    },
  });
  t.fleet = { supervisor, events };
  t.client = await connect(t.dir);
}

