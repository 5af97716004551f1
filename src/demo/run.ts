/**
 * `codex fleet demo`, the run itself: makes the fixture repository, starts the local model server on
 * the recorded replies, writes a fleet config that points every agent at it, starts a supervisor in
 * this process (as `codex fleet start` does) with the three sample bots and the demo-only agent,
 * submits the four tasks, raises the budget of the agent that runs out (as `codex fleet resume --add`
 * does), stops the fleet and checks the outcome. patch-bot and doc-bot land their commits on `main`
 * themselves (`land: commit` in their specs); test-writer-bot leaves its own on a branch.
 *
 * The UI is the caller's: it gets every fleet event, the demo's own narration, and the supervisor once
 * it runs (the CLI shows the overlay on it). Nothing here imports the overlay.
 */
import { createWriteStream, existsSync, readdirSync, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AgentStatus, FleetStatus, TaskView } from '../control/methods.js';
import type { FleetConfig } from '../fleet-config/types.js';
import { checkAgentsAgainstConfig } from '../fleet-config/agents.js';
import { readFleetConfig } from '../fleet-config/load.js';
import { Git } from '../git/run.js';
import { startModelServer, type ModelServer } from '../model-server/index.js';
import type { SandboxIdentity } from '../sandbox/identity.js';
import { loadAgentSpecs } from '../spec/load.js';
import type { FleetEvent } from '../supervisor/events.js';
import { resolveStateDir, StatePaths } from '../supervisor/state-dir.js';
import { Supervisor, type ModelSettings } from '../utils/agent/supervisor.js';
import { demoAgentSpecs, demoReplies } from './assets.js';
import { runChecks, type Check } from './checks.js';
import { createFixtureRepo, type FixtureRepo } from './fixture.js';
import { BUDGET_AGENT, demoTasks, type DemoTask } from './plan.js';

/** How much the demo adds to the budget of the agent that runs out (as `resume --add` does). */
export const BUDGET_RAISE_USD = 0.01;
/** How long every task may take, all together, before the demo gives up. */
export const DEFAULT_DEADLINE_MS = 150_000;

export interface DemoOptions {
  /** Where to make the repository (kept); default a new temporary directory. It must be empty or absent. */
  readonly dir?: string;
  /** The fleet's state directory; default the one `codex fleet start` would use in the repository. */
  readonly stateDir?: string;
  readonly sandboxUser?: SandboxIdentity;
  readonly slotRoot?: string;
  readonly version: string;
  /** Turns the fleet config the demo writes into the supervisor's model settings, as `codex fleet start` does. */
  readonly modelSettings: (config: FleetConfig) => ModelSettings;
  /** Every fleet event, from the start-up on. */
  readonly onEvent: (event: FleetEvent) => void;
  /** The demo's narration: one line each. */
  readonly say: (line: string) => void;
  /**
   * Called once, with the running fleet: the CLI shows the overlay on it. What it returns is called
   * before the fleet stops (the overlay comes off the screen while the fleet still answers).
   */
  readonly attach?: (supervisor: Supervisor) => Promise<(() => Promise<void>) | void>;
  /** How long the budget pause stays on screen before the demo raises the budget. Default 1500 ms. */
  readonly pauseShownMs?: number;
  readonly deadlineMs?: number;
  /** Aborting stops the demo (the fleet is stopped now; the repository is kept). */
  readonly signal?: AbortSignal;
}

/** Where the demo keeps what it made: shown in the summary and in every error. */
export interface DemoPlaces {
  readonly repo: string;
  readonly stateDir: string;
  /** `<state dir>/demo`: the fleet config, the model server's request log and every event. */
  readonly logs: string;
}

/** One task of the demo and how it ended. */
export interface DemoTaskOutcome {
  readonly task: DemoTask;
  readonly view: TaskView;
}

export interface DemoOutcome {
  readonly places: DemoPlaces;
  readonly repo: FixtureRepo;
  readonly tasks: readonly DemoTaskOutcome[];
  /** Each agent's status just before the fleet stopped. */
  readonly agents: readonly AgentStatus[];
  readonly totals: FleetStatus['totals'];
  readonly branches: ReturnType<Supervisor['branches']>;
  readonly budget: { readonly paused: boolean; readonly raisedUsd: number | undefined; readonly resumed: boolean };
  readonly checks: readonly Check[];
  readonly elapsedMs: number;
}

/** A failure of the demo's machinery (not a failed check): says what failed and where things are kept. */
export class DemoError extends Error {
  readonly code = 'CODEX_FLEET_DEMO';
  constructor(
    message: string,
    readonly places: Partial<DemoPlaces>,
  ) {
    super(message);
    this.name = 'DemoError';
  }
}

async function prepareRepoDir(dir: string | undefined): Promise<string> {
  if (dir === undefined) return mkdtemp(join(tmpdir(), 'codex-fleet-demo-'));
  const path = resolve(dir);
  if (existsSync(path) && readdirSync(path).length > 0) {
    throw new DemoError(`${path} is not empty: give --dir a new or empty directory (the demo makes a git repository there)`, {});
  }
  return path;
}

/** The fleet config the demo writes: one provider, the local model server. */
function fleetConfigText(baseUrl: string): string {
  return [
    '# Written by codex fleet demo: every model call goes to the local model server, which answers',
    '# from the recorded replies in the package\'s demo/replies.yaml. No API key is needed.',
    'providers:',
    '  local:',
    `    base_url: ${baseUrl}`,
    '    api: chat',
    'default_provider: local',
    '',
  ].join('\n');
}

/** The unified diff of each commit, for notes-bot's input. */
async function commitDiffs(repo: FixtureRepo): Promise<string[]> {
  const git = new Git({ gitDir: join(repo.dir, '.git'), workTree: repo.dir });
  const diffs: string[] = [];
  for (const commit of repo.commits) {
    diffs.push(await git.text(['show', '--format=', '--no-color', '--no-ext-diff', commit.sha]));
  }
  return diffs;
}

interface CommitOfTask {
  readonly outcome: 'landed' | 'branch' | 'refused';
  readonly sha: string;
  readonly branch: string;
  readonly landed_sha?: string;
  readonly reason?: string;
}

/** The commits a finished task's result lists (the supervisor adds them to the worker's result). */
export function commitsOf(view: TaskView | undefined): CommitOfTask[] {
  const result = view?.result as { commits?: unknown } | null | undefined;
  return Array.isArray(result?.commits) ? (result.commits as CommitOfTask[]) : [];
}

export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const started = Date.now();
  const say = options.say;
  const repoDir = await prepareRepoDir(options.dir);
  const stateDir = resolveStateDir({ stateDir: options.stateDir, cwd: repoDir });
  const places: DemoPlaces = { repo: repoDir, stateDir, logs: join(stateDir, 'demo') };
  const fail = (message: string): never => {
    throw new DemoError(message, places);
  };

  let repo: FixtureRepo;
  try {
    repo = await createFixtureRepo(repoDir);
  } catch (error) {
    return fail(`Could not make the demo repository in ${repoDir}: ${(error as Error).message}`);
  }
  say(`a git repository with ${repo.commits.length} commits in ${repoDir}; its tests fail`);

  const paths = new StatePaths(stateDir);
  if (existsSync(paths.journal)) {
    fail(`${stateDir} already holds a fleet's journal (an earlier demo in ${repoDir}?): remove it, or give --state-dir another directory`);
  }
  paths.ensure();
  await mkdir(places.logs, { recursive: true, mode: 0o700 });

  let server: ModelServer | undefined;
  let supervisor: Supervisor | undefined;
  let events: WriteStream | undefined;
  let detach: (() => Promise<void>) | undefined;
  try {
    server = await startModelServer({ script: demoReplies(), logFile: join(places.logs, 'model-requests.jsonl') });
    say(`model server ${server.url} answers from recorded replies`);
    const configFile = join(places.logs, 'codex-fleet.yaml');
    await writeFile(configFile, fleetConfigText(server.url));

    const loaded = await loadAgentSpecs(demoAgentSpecs());
    if (loaded.diagnostics.length > 0) fail(`The demo's agent specs have problems:\n${loaded.diagnostics.map((d) => `  ${d.toString()}`).join('\n')}`);
    const config = await readFleetConfig(places.logs, { file: configFile });
    const problems = [...config.diagnostics];
    if (config.config) problems.push(...(await checkAgentsAgainstConfig(loaded.agents, config.config, { display: (a) => a.file })));
    if (problems.length > 0 || !config.config) fail(`The demo's fleet config does not fit its agents:\n${problems.map((d) => `  ${d.toString()}`).join('\n')}`);

    events = createWriteStream(join(places.logs, 'events.jsonl'), { flags: 'w', mode: 0o600 });
    const eventLog = events;
    // A log that cannot be written must not stop the demo (the events are still shown).
    eventLog.on('error', () => undefined);
    const budget = { paused: false, raisedUsd: undefined as number | undefined, resumed: false };
    let raiseTimer: NodeJS.Timeout | undefined;
    const onEvent = (event: FleetEvent): void => {
      if (eventLog.writable) eventLog.write(`${JSON.stringify(event)}\n`);
      options.onEvent(event);
      if (event.agent !== BUDGET_AGENT) return;
      if (event.type === 'agent.budget' && event.message.startsWith('paused') && !budget.paused) {
        budget.paused = true;
        raiseTimer = setTimeout(() => {
          if (!supervisor) return;
          say(`${BUDGET_AGENT} ran out of budget, as planned; raising it by $${BUDGET_RAISE_USD.toFixed(2)}`);
          say(`  (the same as: codex fleet resume ${BUDGET_AGENT} --add ${BUDGET_RAISE_USD.toFixed(2)})`);
          try {
            supervisor.resume(BUDGET_AGENT, { add_usd: BUDGET_RAISE_USD });
            budget.raisedUsd = BUDGET_RAISE_USD;
          } catch (error) {
            say(`could not raise ${BUDGET_AGENT}'s budget: ${(error as Error).message}`);
          }
        }, options.pauseShownMs ?? 1500);
      }
      if (event.type === 'agent.state' && budget.paused && event.data?.['state'] === 'running') budget.resumed = true;
    };

    supervisor = await Supervisor.start({
      agents: loaded.agents,
      stateDir,
      projectDir: repoDir,
      version: options.version,
      ...(options.sandboxUser ? { sandboxUser: options.sandboxUser } : {}),
      ...(options.slotRoot ? { slotRoot: options.slotRoot } : {}),
      onEvent,
      models: options.modelSettings(config.config!),
    });
    const fleet = supervisor;
    detach = (await options.attach?.(fleet)) ?? undefined;
    if (options.signal?.aborted) fail('the demo was stopped before its tasks were submitted');

    const tasks = demoTasks(repo, await commitDiffs(repo));
    const submitted: { task: DemoTask; id: string }[] = [];
    for (const task of tasks) {
      const { task: view } = await fleet.submit(task.agent, task.input);
      submitted.push({ task, id: view.id });
      say(`${task.agent}: ${task.what}`);
    }

    // Every task ends (done or failed) or the deadline passes; aborting stops the waits at once.
    const waits = new AbortController();
    const onAbort = (): void => waits.abort(new DemoError('the demo was stopped before its tasks finished', places));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const deadline = Date.now() + deadlineMs;
    const outcomes: DemoTaskOutcome[] = await Promise.all(
      submitted.map(async ({ task, id }) => {
        let view: TaskView;
        try {
          view = await fleet.waitTask(id, Math.max(1, deadline - Date.now()), waits.signal);
        } catch {
          view = fleet.getTask(id);
        }
        say(`${task.agent}'s task ${id} ${view.state}${view.error ? `: ${view.error}` : ''}`);
        return { task, view };
      }),
    );
    options.signal?.removeEventListener('abort', onAbort);
    clearTimeout(raiseTimer);
    if (options.signal?.aborted) fail('the demo was stopped before its tasks finished');
    const unfinished = outcomes.filter((o) => o.view.state === 'queued' || o.view.state === 'running');
    if (unfinished.length > 0) {
      fail(
        `${unfinished.map((o) => `${o.task.agent}'s task ${o.view.id} is still ${o.view.state}`).join('; ')} after ${deadlineMs / 1000} s ` +
          '(a loaded machine? every worker and command runs in the sandbox: "codex fleet sandbox --check" shows what the kernel offers)',
      );
    }

    const status = fleet.status();
    const branches = fleet.branches();
    await detach?.();
    detach = undefined;
    await fleet.stop(false);
    await fleet.done;
    supervisor = undefined;
    await server.close();
    server = undefined;

    const checks = await runChecks({ repo, outcomes, branches, budget, places });
    return {
      places,
      repo,
      tasks: outcomes,
      agents: status.agents,
      totals: status.totals,
      branches,
      budget,
      checks,
      elapsedMs: Date.now() - started,
    };
  } catch (error) {
    if (error instanceof DemoError) throw error;
    throw new DemoError((error as Error).message, places);
  } finally {
    await detach?.().catch(() => undefined);
    if (supervisor) {
      await supervisor.stop(true).catch(() => undefined);
    }
    await server?.close().catch(() => undefined);
    await new Promise<void>((done) => (events ? events.end(done) : done()));
  }
}
