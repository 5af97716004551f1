/**
 * The fleet's shared fchmod handler: one `codex-fleet-launcher --fchmod-daemon` process that checks and
 * performs the `fchmod` calls of every worker (see native/launcher/README.md, "fchmod"), so a worker
 * start costs no handler process of its own.
 *
 * The handler reads hand-overs on its descriptor 3, one end of a socket pair; the supervisor keeps the
 * other end and gives it to each worker's launcher as descriptor 3 (`SandboxedSpawn.handoff`). The
 * launcher sends its seccomp listener there and closes it before the worker runs, so no worker ever
 * holds it. Without a handler (it could not start, or it died) a launcher forks its own, as before.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { SandboxIdentity } from './identity.js';
import { launcherPath } from './launcher.js';

/** What a launcher needs to hand its listener to the shared handler. */
export interface FchmodHandoff {
  /** Our end of the handler's socket pair; becomes the launcher's descriptor 3. */
  readonly socket: Socket;
  /** The handler's pid (the launcher names it with PR_SET_PTRACER where Yama asks for that). */
  readonly pid: number;
}

export class SharedFchmodHandler {
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly handoff: FchmodHandoff,
  ) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (this.stderr.length < 4096) this.stderr += chunk;
    });
  }

  /**
   * Starts the handler as `identity` (the fleet's sandbox user when running as root), or returns
   * undefined when it cannot be spawned (the launchers then fork their own handlers).
   */
  static start(identity: SandboxIdentity | undefined, launcher = launcherPath()): SharedFchmodHandler | undefined {
    const args = ['--fchmod-daemon', '--parent-pid', String(process.pid)];
    if (identity !== undefined) args.push('--uid', String(identity.uid), '--gid', String(identity.gid));
    let child: ChildProcess;
    try {
      child = spawn(launcher, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    } catch {
      return undefined;
    }
    const socket = child.stdio[3] as Socket | null;
    if (child.pid === undefined || socket === null) {
      child.kill('SIGKILL');
      return undefined;
    }
    child.once('error', () => undefined);
    socket.on('error', () => undefined);
    // Neither keeps the supervisor's event loop alive; the handler dies with the supervisor.
    child.unref();
    socket.unref();
    (child.stderr as Socket | null)?.unref();
    return new SharedFchmodHandler(child, { socket, pid: child.pid });
  }

  /** Whether it still runs; a dead handler's hand-overs would fail the worker's start. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && !this.handoff.socket.destroyed;
  }

  /** Why it ended (exit status and what it printed), once it has. */
  get ending(): string | undefined {
    const { exitCode, signalCode } = this.child;
    if (exitCode === null && signalCode === null) return undefined;
    const status = signalCode !== null ? `signal ${signalCode}` : `exit ${exitCode}`;
    const said = this.stderr.trim();
    return said === '' ? status : `${status}: ${said}`;
  }

  /** Stops it; workers still running lose their fchmod (the kernel answers ENOSYS). */
  stop(): void {
    this.handoff.socket.destroy();
    if (this.alive) this.child.kill('SIGKILL');
  }
}
