/**
 * Runs one allow-listed command for a worker (the exec service): under the command sandbox in the
 * task's worktree, output capped per stream (cut output is flagged), the whole tree killed at the
 * rule's timeout (by the launcher) or when the request is cancelled (SIGUSR1 to the launcher, which
 * kills the tree); the launcher is the supervisor's child, so the tree also dies with the supervisor.
 */
import { spawn } from 'node:child_process';
import { resolve, relative, isAbsolute } from 'node:path';
import { ErrorCodes } from '../protocol/error-codes.js';
import type { ExecRunResult } from '../protocol/services.js';
import { RpcError } from '../rpc/errors.js';
import { buildCommandSpawn } from '../sandbox/command.js';
import type { SandboxIdentity } from '../sandbox/identity.js';
import { LauncherExit } from '../sandbox/launcher.js';
import type { AgentSpec, ExecRule } from '../spec/types.js';

export interface ExecRequest {
  readonly argv: readonly string[];
  readonly rule: ExecRule;
  readonly workdir: string;
  readonly cwd?: string;
  readonly stdin?: string;
  readonly timeoutS?: number;
  readonly dependencies: readonly string[];
  readonly outputBytes: number;
  readonly signal: AbortSignal;
  readonly landlockAbiOverride?: number;
  readonly unsafeNoSandbox?: boolean;
  /** The workers' sandbox user, when the fleet runs as root. */
  readonly identity?: SandboxIdentity;
}

class Capped {
  private readonly parts: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (room <= 0) {
      this.truncated ||= chunk.length > 0;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.parts.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }
}

/** Resolves the command's cwd inside the worktree, or refuses. */
function commandCwd(workdir: string, cwd: string | undefined): string {
  if (cwd === undefined) return workdir;
  const full = resolve(workdir, cwd);
  const rel = relative(workdir, full);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new RpcError(ErrorCodes.ExecFailed, `cwd "${cwd}" is outside the task's worktree`);
  return full;
}

export async function runCommand(agent: AgentSpec, req: ExecRequest): Promise<ExecRunResult> {
  const timeoutS = Math.min(req.timeoutS ?? req.rule.timeout_s, req.rule.timeout_s);
  const cwd = commandCwd(req.workdir, req.cwd);
  let spawnSpec;
  try {
    spawnSpec = buildCommandSpawn(agent, {
      workdir: req.workdir,
      argv: req.argv,
      cwd,
      timeoutS: Math.max(1, Math.ceil(timeoutS)),
      dependencies: req.dependencies,
      ...(req.landlockAbiOverride !== undefined ? { landlockAbiOverride: req.landlockAbiOverride } : {}),
      ...(req.unsafeNoSandbox === true ? { unsafeNoSandbox: true } : {}),
      ...(req.identity !== undefined ? { identity: req.identity } : {}),
    });
  } catch (error) {
    throw new RpcError(ErrorCodes.ExecFailed, `Cannot run ${JSON.stringify(req.argv)}: ${(error as Error).message}`);
  }
  const started = Date.now();
  const stdout = new Capped(req.outputBytes);
  const stderr = new Capped(req.outputBytes);
  const child = spawn(spawnSpec.file, spawnSpec.args, { cwd: spawnSpec.cwd, env: spawnSpec.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.on('data', (c: Buffer) => stdout.push(c));
  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  child.stdin.on('error', () => undefined);
  child.stdin.end(req.stdin ?? '');
  let cancelled = false;
  const cancel = (): void => {
    cancelled = true;
    child.kill(spawnSpec.sandboxed ? 'SIGUSR1' : 'SIGKILL');
  };
  if (req.signal.aborted) cancel();
  else req.signal.addEventListener('abort', cancel, { once: true });
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
    child.on('error', fail);
    child.on('close', (c, s) => done({ code: c, signal: s }));
  }).finally(() => req.signal.removeEventListener('abort', cancel));
  if (cancelled) throw new RpcError(ErrorCodes.RequestCancelled, 'Request cancelled');
  const err = stderr.text();
  if (spawnSpec.sandboxed && code !== null && code >= 111 && code <= 120 && err.includes('codex-fleet-launcher:')) {
    throw new RpcError(ErrorCodes.ExecFailed, `The sandbox could not start ${JSON.stringify(req.argv)}: ${err.trim().split('\n').at(-1)}`);
  }
  const timedOut = spawnSpec.sandboxed && code === LauncherExit.TIMEOUT && err.includes('codex-fleet-launcher:');
  return {
    exit_code: timedOut ? null : code,
    signal: timedOut ? 'SIGKILL' : signal,
    stdout: stdout.text(),
    stderr: err,
    stdout_truncated: stdout.truncated,
    stderr_truncated: stderr.truncated,
    timed_out: timedOut,
    duration_ms: Date.now() - started,
  };
}
