/**
 * Shared set-up of the built-in bots' integration tests: a fixture repository (test/fixtures/bot-repos/)
 * committed into a fresh git repository, an agent spec on a `builtin:` bot, and a real supervisor on
 * that repository whose model calls go to the local model server over real HTTP.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProviderApi } from '../../src/gateway/types.js';
import type { ModelServer } from '../../src/model-server/index.js';
import { costMicroUsd, resolvePrice } from '../../src/pricing/index.js';
import type { FleetEvent } from '../../src/supervisor/events.js';
import { pricingOf } from '../../src/supervisor/model-meter.js';
import { Supervisor } from '../../src/utils/agent/supervisor.js';
import { connect, loadAgents, type FleetDir, type FleetTest } from '../supervisor/helpers.js';

export const botReposDir = fileURLToPath(new URL('../fixtures/bot-repos/', import.meta.url));

const IDENTITY = ['-c', 'user.name=Test User', '-c', 'user.email=test@example.com'];

export function git(repo: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, '-C', repo, ...args], { encoding: 'utf8' }).trim();
}

/** The fixture's `fixture.json`: which bot and what task input. */
export function fixtureTask(name: string): { bot: string; input: unknown } {
  return JSON.parse(readFileSync(join(botReposDir, name, 'fixture.json'), 'utf8')) as { bot: string; input: unknown };
}

/** A git repository at `<root>/repo` holding the fixture's files (not fixture.json), one commit on main. */
export function makeFixtureRepo(dir: FleetDir, name: string): string {
  const repo = join(dir.root, 'repo');
  mkdirSync(repo);
  cpSync(join(botReposDir, name), repo, { recursive: true, filter: (src) => !src.endsWith('fixture.json') });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'start');
  return repo;
}

/** `agents/<name>.yaml` on `builtin:<bot>`: the given fields (YAML lines) after name, role and plugin. */
export function writeBotAgent(dir: FleetDir, name: string, bot: string, lines: readonly string[]): void {
  writeFileSync(join(dir.agentsDir, `${name}.yaml`), [`name: ${name}`, `role: ${bot} under test`, `plugin: builtin:${bot}`, ...lines].join('\n') + '\n');
}

/** A real supervisor on `repo` (agents from `dir`), its model calls going to `server` over `api`. */
export async function startRepoSupervisor(dir: FleetDir, repo: string, server: ModelServer, api: ProviderApi = 'chat'): Promise<{ supervisor: Supervisor; events: FleetEvent[] }> {
  const events: FleetEvent[] = [];
  const supervisor = await Supervisor.start({
    agents: await loadAgents(dir),
    stateDir: dir.stateDir,
    projectDir: repo,
    slotRoot: join(dir.root, 'slots'),
    gitIdentity: { name: 'Fleet Test', email: 'fleet@example.com' },
    onEvent: (e) => events.push(e),
    models: {
      provider: () => ({ name: 'local', api, baseURL: server.url, apiKey: 'sk-test', maxRetries: 0 }),
      pricing: (model) => pricingOf(resolvePrice(model)!),
    },
  });
  return { supervisor, events };
}

/** Starts the supervisor on `repo`, its model calls going to `server` over `api`. */
export async function startBotFleet(t: FleetTest, repo: string, server: ModelServer, api: ProviderApi = 'chat'): Promise<void> {
  t.fleet = await startRepoSupervisor(t.dir, repo, server, api);
  t.client = await connect(t.dir);
}

/** What the model server says it served, priced for `model`, in micro-dollars. */
export function servedMicroUsd(server: ModelServer, model: string): number {
  const price = resolvePrice(model)!;
  return server.requests().reduce((sum, r) => sum + (r.usage ? costMicroUsd(r.usage, price) : 0), 0);
}

/** The text of the last message of a logged chat request. */
export function lastMessageOf(body: unknown): string {
  const messages = (body as { messages: { content: unknown }[] }).messages;
  const content = messages[messages.length - 1]!.content;
  return typeof content === 'string' ? content : JSON.stringify(content);
}
