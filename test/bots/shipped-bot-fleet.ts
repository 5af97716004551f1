/**
 * The set-up of the built-in bots' integration tests: a real git repository, the bot's shipped spec
 * (agents/<bot>.yaml) in a private fleet directory, the local model server with recorded replies, and a
 * real supervisor whose sandboxed worker runs the bot and reaches the server over HTTP.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import type { AgentStatus, TaskView } from '../../src/control/methods.js';
import type { ModelScriptInput, ModelServer } from '../../src/model-server/index.js';
import type { FleetEvent } from '../../src/supervisor/events.js';
import { Supervisor } from '../../src/utils/agent/supervisor.js';
import { repoRoot } from '../helpers/cli.js';
import { expectNoProcessesLeft, makeFleetDir, removeFleetDir, type FleetDir } from '../supervisor/helpers.js';
import { serveModel } from '../supervisor/model-helpers.js';
import { git, startRepoSupervisor } from './bot-fleet.js';

export { git };

/** Writes `files` under `repo` and commits them (a new repository on branch main when `repo` is new). */
export function commitFiles(repo: string, message: string, files: Record<string, string>): string {
  mkdirSync(repo, { recursive: true });
  if (!gitDirExists(repo)) git(repo, 'init', '-q', '-b', 'main');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

function gitDirExists(repo: string): boolean {
  try {
    execFileSync('git', ['-C', repo, 'rev-parse', '--git-dir'], { stdio: 'ignore' });
    return execFileSync('git', ['-C', repo, 'rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim() === repo;
  } catch {
    return false;
  }
}

export interface BotFleet {
  readonly dir: FleetDir;
  readonly repo: string;
  readonly sup: Supervisor;
  readonly server: ModelServer;
  readonly events: FleetEvent[];
  /** Submits a task to the bot and waits for it to end. */
  run(input: unknown): Promise<TaskView>;
  /** The bot's entry in the fleet's status. */
  status(): AgentStatus;
}

const fleets: { dir: FleetDir; sup?: Supervisor }[] = [];
afterEach(async () => {
  for (const f of fleets.splice(0)) {
    await f.sup?.stop(true);
    await expectNoProcessesLeft(f.dir.root);
    removeFleetDir(f.dir);
  }
});

/**
 * Starts a fleet of one built-in bot, with its spec from agents/<bot>.yaml, on the repository that
 * `makeRepo` creates in the given folder, its model calls answered by `script`. `editSpec` may change
 * the spec's YAML (a smaller budget, say).
 */
export async function startBotFleet(
  bot: string,
  makeRepo: (repo: string) => void,
  script: ModelScriptInput,
  editSpec: (yaml: string) => string = (yaml) => yaml,
): Promise<BotFleet> {
  const dir = makeFleetDir('cf-bot-');
  const entry: { dir: FleetDir; sup?: Supervisor } = { dir };
  fleets.push(entry);
  const repo = join(dir.root, 'repo');
  makeRepo(repo);
  writeFileSync(join(dir.agentsDir, `${bot}.yaml`), editSpec(readFileSync(join(repoRoot, 'agents', `${bot}.yaml`), 'utf8')));
  const server = await serveModel(script);
  const { supervisor: sup, events } = await startRepoSupervisor(dir, repo, server);
  entry.sup = sup;
  return {
    dir,
    repo,
    sup,
    server,
    events,
    async run(input) {
      const { task } = await sup.submit(bot, input);
      return sup.waitTask(task.id, 120_000, new AbortController().signal);
    },
    status() {
      return sup.status().agents.find((a) => a.name === bot)!;
    },
  };
}

/** A finished task's output. */
export const outputOf = (t: TaskView): Record<string, any> => (t.result as { output: Record<string, any> }).output;
