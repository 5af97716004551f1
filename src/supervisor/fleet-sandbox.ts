/**
 * Everything the supervisor prepares around the launcher for its workers: who they run as (identity.ts:
 * never root), where their slots live (out of the 0700 state directory when they run as another user),
 * read-only copies of programs that user cannot read (stage.ts), per-worker pids cgroups (cgroup.ts) or
 * the RLIMIT_NPROC fallback, and the record of started processes (leftovers.ts) that the next
 * supervisor of the same state directory sweeps.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FleetCgroup } from '../sandbox/cgroup.js';
import { SharedFchmodHandler, type FchmodHandoff } from '../sandbox/fchmod-handler.js';
import { ensureOwnedDir, resolveSandboxIdentity, type SandboxIdentity } from '../sandbox/identity.js';
import { buildSandboxedSpawn, type SandboxedSpawn } from '../sandbox/launcher.js';
import { compilePolicy, withSlot, type SandboxPolicy } from '../sandbox/policy.js';
import { ownershipMessage, reachMessage } from '../sandbox/reach.js';
import { StageError, stageProgram } from '../sandbox/stage.js';
import type { AgentSpec } from '../spec/types.js';
import { ProcessRecord } from './leftovers.js';
import { markSlotFolder, sweepOrphanSlotFolders } from './slot-folders.js';
import type { StatePaths } from './state-dir.js';
import type { WorkerLifecycle } from './worker.js';
import { nodeRunnerPath, workerArgv } from './worker-program.js';

/** Where slots go when sandboxed code runs as another user: a root-owned folder every user may traverse. */
export const SHARED_SLOT_BASE = '/var/tmp/codex-fleet-slots';

/** Slack on top of the fleet's own tasks for the RLIMIT_NPROC fallback (other processes of that uid). */
const NPROC_SLACK = 64;

export interface FleetSandboxOptions {
  readonly paths: StatePaths;
  readonly agents: readonly AgentSpec[];
  /** Who sandboxed code runs as when the supervisor is root; default 65534:65534. */
  readonly sandboxUser?: SandboxIdentity;
  /** Where slots live when sandboxed code runs as another user. Default: under {@link SHARED_SLOT_BASE}. */
  readonly slotRoot?: string;
  readonly unsafeNoSandbox?: boolean;
  readonly landlockAbiOverride?: number;
  /** Something the user should hear about (e.g. the shared fchmod handler had to be restarted). */
  readonly onNotice?: (message: string) => void;
}

/** One agent ready to be spawned: its spec pointed at staged copies, or why it cannot run. */
export interface PreparedAgent {
  readonly spec: AgentSpec;
  readonly runner?: string;
  readonly refusal?: string;
  /** Files copied for the sandbox user, "original → copy". */
  readonly staged: readonly string[];
}

/** The slot root cannot be used safely (owned by someone else, writable by others, not a directory). */
export class SlotRootError extends Error {
  readonly code = 'CODEX_FLEET_SLOT_ROOT';
  constructor(message: string) {
    super(message);
    this.name = 'SlotRootError';
  }
}

/** Refuses a directory that another user could swap or fill: it must be ours, a real directory, not writable by others. */
function checkPrivateParent(dir: string, what: string): void {
  const st = lstatSync(dir);
  const me = process.geteuid?.() ?? 0;
  if (st.isSymbolicLink() || !st.isDirectory()) throw new SlotRootError(`${what} ${dir} is not a directory (a symlink or a file is in its place): remove it`);
  if (st.uid !== me) throw new SlotRootError(`${what} ${dir} belongs to uid ${st.uid}, not to this user (${me}): remove it or pass another slot root`);
  if ((st.mode & 0o022) !== 0) throw new SlotRootError(`${what} ${dir} is writable by others (mode ${(st.mode & 0o7777).toString(8)}): chmod 711 it`);
}

/** Creates `dir` (mode 0711: others may pass through to their slot, never list or write) and checks it. */
function ensureTraversable(dir: string, what: string): void {
  try {
    mkdirSync(dir, { mode: 0o711 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  checkPrivateParent(dir, what);
}

export class FleetSandbox {
  readonly identity: SandboxIdentity | undefined;
  /** Where this fleet's slots are. */
  readonly slotsDir: string;
  readonly cgroup: FleetCgroup | undefined;
  /** RLIMIT_NPROC per sandbox, where no cgroup could be had and sandboxed code runs as another user. */
  readonly nproc: number | undefined;
  private readonly record: ProcessRecord;
  /** Serves every worker's fchmod; started with the first worker, again if it dies. */
  private fchmodHandler: SharedFchmodHandler | undefined;
  /** Whether workers may share one fchmod handler (shareFchmodHandler); until then each forks its own. */
  private sharingFchmodHandler = false;
  /** Each prepared agent's worker policy, compiled once; a worker gets it with its own slot. */
  private readonly compiled = new WeakMap<PreparedAgent, SandboxPolicy>();

  constructor(private readonly options: FleetSandboxOptions) {
    this.identity = options.unsafeNoSandbox ? undefined : resolveSandboxIdentity(options.sandboxUser);
    const key = fleetKey(options.paths.dir);
    this.slotsDir = this.identity === undefined ? options.paths.slots : (options.slotRoot ?? join(SHARED_SLOT_BASE, key));
    this.record = new ProcessRecord(join(options.paths.dir, 'processes'));
    this.cgroup = options.unsafeNoSandbox ? undefined : FleetCgroup.open(key);
    const total = options.agents.reduce((sum, a) => sum + a.concurrency * a.limits.threads, 0);
    this.nproc = this.cgroup === undefined && this.identity !== undefined ? total + NPROC_SLACK : undefined;
  }

  /**
   * Kills what the previous supervisor of this state directory left running (recorded process groups,
   * and everything in the fleet's cgroup). Call with the state directory's lock held. Returns the pids.
   */
  sweepLeftovers(): number[] {
    const killed = new Set([...this.record.sweep(), ...(this.cgroup?.sweep() ?? [])]);
    return [...killed].sort((a, b) => a - b);
  }

  /**
   * Creates the slot root (checked: ours, a real directory, not writable by others) and the staging
   * folder. Under the shared base it also removes the slot folders of state directories that are gone.
   */
  prepareSlotRoot(): void {
    if (this.identity === undefined) {
      mkdirSync(this.slotsDir, { recursive: true, mode: 0o700 });
      return;
    }
    if (this.options.slotRoot === undefined) {
      ensureTraversable(SHARED_SLOT_BASE, 'The shared slot folder');
      const removed = sweepOrphanSlotFolders(SHARED_SLOT_BASE);
      if (removed.length > 0) {
        const named = removed.slice(0, 3).join(', ') + (removed.length > 3 ? ` and ${removed.length - 3} more` : '');
        this.options.onNotice?.(`removed ${removed.length} slot folder(s) whose state directory no longer exists: ${named}`);
      }
    } else {
      mkdirSync(dirname(this.slotsDir), { recursive: true, mode: 0o711 });
    }
    ensureTraversable(this.slotsDir, 'The slot folder');
    markSlotFolder(this.slotsDir, this.options.paths.dir);
    ensureTraversable(this.programsDir, 'The folder of program copies');
  }

  /** Read-only copies of programs the sandbox user cannot read. */
  get programsDir(): string {
    return join(this.slotsDir, '.programs');
  }

  slot(agent: string, index: number): string {
    return join(this.slotsDir, `${agent}-${index}`);
  }

  /** Stages, compiles and checks one agent's worker policy; a problem becomes the agent's refusal. */
  prepare(spec: AgentSpec, ownerCache = new Map<string, number>()): PreparedAgent {
    if (this.identity === undefined) return { spec, staged: [] };
    try {
      const staged = stageProgram(spec, this.identity, this.programsDir, nodeRunnerPath());
      const prepared: PreparedAgent = { spec: staged.spec, ...(staged.runner ? { runner: staged.runner } : {}), staged: staged.copies };
      const slotDir = this.slot(spec.name, 0);
      ensureOwnedDir(slotDir, this.identity);
      const policy = this.policy(prepared, slotDir);
      const refusal = reachMessage(policy) ?? ownershipMessage(policy, ownerCache);
      return refusal === undefined ? prepared : { ...prepared, refusal };
    } catch (error) {
      if (error instanceof StageError) return { spec, staged: [], refusal: error.message };
      throw error;
    }
  }

  /** The agent's worker policy for one slot (compiled on first use, then only given the slot). */
  policy(agent: PreparedAgent, slotDir: string): SandboxPolicy {
    let policy = this.compiled.get(agent);
    if (policy === undefined) {
      policy = compilePolicy(agent.spec, {
        kind: 'worker',
        slotDir,
        ...(this.identity !== undefined ? { identity: this.identity } : {}),
        ...(agent.runner !== undefined ? { runner: agent.runner } : {}),
      });
      this.compiled.set(agent, policy);
    }
    return withSlot(policy, slotDir);
  }

  /** The spawn of one worker, its cgroup, and the hooks that record it and clean up after it. */
  spawn(agent: PreparedAgent, index: number): { spawn: SandboxedSpawn; slotDir: string; lifecycle: WorkerLifecycle } {
    const slotDir = this.slot(agent.spec.name, index);
    const policy = this.policy(agent, slotDir);
    const cgroup = this.cgroup?.create(`${agent.spec.name}-${index}`, policy.threads);
    let spawn: SandboxedSpawn;
    try {
      spawn = buildSandboxedSpawn(policy, workerArgv(agent.spec, agent.runner), {
        ...(this.options.unsafeNoSandbox ? { unsafeNoSandbox: true } : {}),
        ...(this.options.landlockAbiOverride === undefined ? {} : { landlockAbiOverride: this.options.landlockAbiOverride }),
        ...(cgroup !== undefined ? { cgroup } : {}),
        ...(this.nproc !== undefined ? { nproc: this.nproc } : {}),
        ...(this.options.unsafeNoSandbox ? {} : this.sharedFchmodHandler()),
      });
    } catch (error) {
      if (cgroup !== undefined) this.cgroup?.remove(cgroup);
      throw error;
    }
    let started: { pid: number; start: number } | undefined;
    const lifecycle: WorkerLifecycle = {
      spawned: (pid) => {
        const start = this.record.add(pid);
        if (start !== undefined) started = { pid, start };
      },
      closed: (overLimit) => {
        if (started !== undefined) this.record.remove(started.pid, started.start);
        if (cgroup !== undefined) this.cgroup?.remove(cgroup);
        // A slot killed for its size is emptied, or the next worker in it would be killed at once.
        if (overLimit !== undefined) emptyDir(slotDir);
      },
    };
    return { spawn, slotDir, lifecycle };
  }

  /**
   * Lets workers share one fchmod handler where the kernel keeps them from signalling it: it runs as the
   * same user as the workers, so below Landlock ABI 6 (no signal scoping) any worker could stop or kill
   * it (kill(), or F_SETOWN with a SIGIO of its choosing) and with it every other worker's fchmod. There
   * each worker's launcher forks a handler of its own, which only that worker can harm.
   */
  shareFchmodHandler(landlockAbi: number): void {
    this.sharingFchmodHandler = landlockAbi >= 6;
  }

  /** The shared fchmod handler to give a launcher, (re)started as needed; none if it cannot start. */
  private sharedFchmodHandler(): { fchmodHandler?: FchmodHandoff } {
    if (!this.sharingFchmodHandler) return {};
    if (this.fchmodHandler?.alive !== true) {
      const ended = this.fchmodHandler?.ending;
      if (ended !== undefined) this.options.onNotice?.(`the shared fchmod handler ended (${ended}); starting another`);
      this.fchmodHandler?.stop();
      this.fchmodHandler = SharedFchmodHandler.start(this.identity);
    }
    return this.fchmodHandler === undefined ? {} : { fchmodHandler: this.fchmodHandler.handoff };
  }

  /** At stop: the shared fchmod handler ends, the fleet's cgroup is removed once empty. */
  close(): void {
    this.fchmodHandler?.stop();
    this.fchmodHandler = undefined;
    this.cgroup?.close();
  }
}

/** The name of a state directory's slot folder and pids cgroup: its base name and a hash of its path. */
export function fleetKey(stateDir: string): string {
  const name = (basename(stateDir) || 'fleet').replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${name}-${createHash('sha256').update(stateDir).digest('hex').slice(0, 8)}`;
}

/** Removes everything inside `dir` (symlinks are removed, never followed). */
function emptyDir(dir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) rmSync(join(dir, entry), { recursive: true, force: true });
}
