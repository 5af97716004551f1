/**
 * Shared pieces of the supervisor tests: a private fleet directory per test (agents + state), agents
 * made from the plugins in test/fixtures/workers/, the supervisor started for real (sandboxed workers
 * through the launcher), and the /proc scan that proves no process of a test is left behind.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect } from 'vitest';
import { Status, type AgentStatus } from '../../src/control/methods.js';
import { ControlClient } from '../../src/control/client.js';
import type { FleetEvent } from '../../src/supervisor/events.js';
import { FleetCgroup } from '../../src/sandbox/cgroup.js';
import { fleetKey } from '../../src/supervisor/fleet-sandbox.js';
import { StatePaths } from '../../src/supervisor/state-dir.js';
import { loadAgentSpecs } from '../../src/spec/load.js';
import type { AgentSpec } from '../../src/spec/types.js';
import { Supervisor } from '../../src/utils/agent/supervisor.js';
import { repoRoot, runFleetChild } from '../helpers/cli.js';

export const fixturesDir = fileURLToPath(new URL('../fixtures/workers/', import.meta.url));

/** One test's private directory: `agents/` (specs + copies of the fixture plugins) and `state/`. */
export interface FleetDir {
  /** Unique path; every process of this test carries it in its argv or environment. */
  readonly root: string;
  readonly agentsDir: string;
  readonly stateDir: string;
  readonly paths: StatePaths;
  /**
   * Where the workers' slots are. As root, workers run as an unprivileged user that cannot enter the
   * 0700 state directory, so the tests put slots in `<root>/slots` (the root is made traversable).
   */
  readonly slotsDir: string;
}

/** One worker slot of a test fleet. */
export function slotOf(dir: FleetDir, agent: string, index: number): string {
  return join(dir.slotsDir, `${agent}-${index}`);
}

/** `--slot-root` for a fleet started through the CLI. */
export function slotRootArgs(dir: FleetDir): string[] {
  return ['--slot-root', join(dir.root, 'slots')];
}

export function makeFleetDir(prefix = 'cf-sup-'): FleetDir {
  const root = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(root, 0o711); // the sandbox user may pass through to its slot, never list the directory
  const agentsDir = join(root, 'agents');
  mkdirSync(agentsDir);
  const stateDir = join(root, 'state');
  const paths = new StatePaths(stateDir);
  return { root, agentsDir, stateDir, paths, slotsDir: process.geteuid?.() === 0 ? join(root, 'slots') : paths.slots };
}

/**
 * Writes `agents/<name>.yaml` running the fixture plugin `<fixture>.mjs` (copied next to it, so the
 * worker's argv names this test's directory). `extra` is appended to the YAML as is.
 */
export function writeAgent(dir: FleetDir, name: string, fixture: string, extra = ''): void {
  copyFileSync(join(fixturesDir, `${fixture}.mjs`), join(dir.agentsDir, `${name}.mjs`));
  writeFileSync(
    join(dir.agentsDir, `${name}.yaml`),
    [`name: ${name}`, `role: test agent running ${fixture}.mjs`, 'model: gpt-4.1-nano', 'cost_budget: 0.01', `plugin: ./${name}.mjs`, extra].join('\n') + '\n',
  );
}

export async function loadAgents(dir: FleetDir): Promise<readonly AgentSpec[]> {
  const loaded = await loadAgentSpecs([dir.agentsDir]);
  expect(loaded.diagnostics.map(String)).toEqual([]);
  return loaded.agents;
}

export interface RunningFleet {
  readonly supervisor: Supervisor;
  readonly events: FleetEvent[];
}

/** Starts a real supervisor in this process on the directory's agents. */
export async function startFleet(dir: FleetDir, options: { landlockAbiOverride?: number } = {}): Promise<RunningFleet> {
  const agents = await loadAgents(dir);
  const events: FleetEvent[] = [];
  const supervisor = await Supervisor.start({
    agents,
    stateDir: dir.stateDir,
    projectDir: repoRoot,
    slotRoot: join(dir.root, 'slots'),
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { supervisor, events };
}

export function connect(dir: FleetDir): Promise<ControlClient> {
  return ControlClient.connect(dir.paths, 'supervisor-test');
}

/** Polls `condition` (sync or async) every 20 ms until it holds; fails after `deadlineMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > end) throw new Error(`Timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface ProcInfo {
  readonly pid: number;
  readonly cmdline: string;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Every live process (zombies excluded) whose argv or environment contains `marker` (a test's unique
 * directory), this process excluded. The launcher carries the slot path in its argv; once it has exec'd
 * the runner, the plugin path (in argv) and HOME (in the environment) still name the test's directory.
 */
export function processesMarkedBy(marker: string): ProcInfo[] {
  const found: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const status = readOr(`/proc/${pid}/status`);
    if (status === '' || /^State:\s+Z/m.test(status)) continue;
    const cmdline = readOr(`/proc/${pid}/cmdline`).replaceAll('\0', ' ').trim();
    const environ = readOr(`/proc/${pid}/environ`);
    if (cmdline.includes(marker) || environ.includes(marker)) found.push({ pid, cmdline });
  }
  return found;
}

/** Asserts that no process of this test is left (processes get a moment to finish exiting). */
export async function expectNoProcessesLeft(marker: string): Promise<void> {
  await waitFor(() => processesMarkedBy(marker).length === 0, `the processes of ${marker} to exit`, 10_000).catch(() => undefined);
  expect(processesMarkedBy(marker)).toEqual([]);
}

export function isAlive(pid: number): boolean {
  const status = readOr(`/proc/${pid}/status`);
  return status !== '' && !/^State:\s+Z/m.test(status);
}

export function removeFleetDir(dir: FleetDir): void {
  rmSync(dir.root, { recursive: true, force: true });
  FleetCgroup.open(fleetKey(dir.stateDir))?.close(); // a fleet killed with SIGKILL leaves its (empty) pids cgroup
}

/** The pids of an agent's live workers, from the fleet's events (the last `ready` of each slot). */
export function workerPids(events: readonly FleetEvent[], agent: string): number[] {
  const bySlot = new Map<number, number>();
  for (const e of events) {
    if (e.type === 'worker.state' && e.agent === agent && e.worker !== undefined && e.data?.['state'] === 'ready') {
      bySlot.set(e.worker, e.data['pid'] as number);
    }
  }
  return [...bySlot.values()].filter(isAlive);
}

/**
 * `codex fleet ARGS…` as a child process, without blocking this process's event loop (an in-process
 * supervisor must go on answering while the CLI runs).
 */
export function runFleetAsync(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return runFleetChild(args, { cwd: options.cwd, env: options.env ? { ...process.env, ...options.env } : undefined });
}

/** The end of every fleet test: client closed, supervisor stopped, no process of ours left, files gone. */
export async function cleanUpFleet(dir: FleetDir, fleet: RunningFleet | undefined, client: { close(): void } | undefined): Promise<void> {
  client?.close();
  await fleet?.supervisor.stop(true);
  await expectNoProcessesLeft(dir.root);
  removeFleetDir(dir);
}

/** The state one fleet test works with; `useFleetTest` resets it before and cleans it up after each test. */
export interface FleetTest {
  dir: FleetDir;
  fleet: RunningFleet | undefined;
  client: ControlClient | undefined;
  /** One agent's entry of the fleet's status, through `client`. */
  agentStatus(name: string): Promise<AgentStatus>;
}

/**
 * Registers the hooks every fleet test needs: a fresh directory (then `setup`) before each test, and
 * `cleanUpFleet` after it (no process of the test may be left).
 */
export function useFleetTest(setup?: (dir: FleetDir) => void): FleetTest {
  const t: FleetTest = {
    dir: undefined as unknown as FleetDir,
    fleet: undefined,
    client: undefined,
    async agentStatus(name) {
      if (!t.client) throw new Error('connect a client first');
      const agent = (await t.client.request(Status, {})).agents.find((a) => a.name === name);
      if (!agent) throw new Error(`no agent ${name} in the status`);
      return agent;
    },
  };
  beforeEach(() => {
    t.dir = makeFleetDir();
    t.fleet = undefined;
    t.client = undefined;
    setup?.(t.dir);
  });
  afterEach(() => cleanUpFleet(t.dir, t.fleet, t.client));
  return t;
}
