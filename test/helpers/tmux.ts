/**
 * A real pseudo-terminal for the overlay's tests: a private tmux server (its own socket) runs one
 * command in a window of a chosen size; the test reads the screen as text and types keys. tmux must be
 * installed (apt-get install tmux); without it the tests fail and say so.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

function tmux(socket: string, args: readonly string[]): string {
  const result = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', timeout: 10_000 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('tmux is not installed; the overlay is tested in a real terminal through it: apt-get install -y tmux');
  }
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

const quote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`;

export class TmuxScreen {
  private constructor(private readonly socket: string) {}

  /**
   * Runs `argv` in a `columns`×`rows` terminal (TERM=xterm-256color). When the command ends, the
   * window stays and its last line says `[exit N]`.
   */
  static start(argv: readonly string[], options: { columns?: number; rows?: number; cwd?: string; env?: Record<string, string> } = {}): TmuxScreen {
    const socket = `cf-test-${process.pid}-${randomBytes(4).toString('hex')}`;
    // CI=false: Ink draws only the last frame when it thinks it runs in CI (the CI variable), and these tests read the live screen.
    const env = Object.entries({ TERM: 'xterm-256color', CI: 'false', ...options.env }).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
    const shell = `cd ${quote(options.cwd ?? process.cwd())} && env ${env} ${argv.map(quote).join(' ')}; echo "[exit $?]"; sleep 600`;
    tmux(socket, ['new-session', '-d', '-s', 'main', '-x', String(options.columns ?? 80), '-y', String(options.rows ?? 24), shell]);
    return new TmuxScreen(socket);
  }

  /** The screen as text, one line per row, trailing spaces cut. */
  text(): string {
    return tmux(this.socket, ['capture-pane', '-p', '-t', 'main'])
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n');
  }

  /** Types keys; tmux key names (`Down`, `Enter`, `Escape`) or literal text with `literal`. */
  keys(keys: readonly string[], literal = false): void {
    tmux(this.socket, ['send-keys', '-t', 'main', ...(literal ? ['-l'] : []), ...keys]);
  }

  /** Polls the screen every 50 ms until `test` holds; fails with the screen after `deadlineMs`. */
  async waitFor(test: string | RegExp | ((screen: string) => boolean), deadlineMs = 30_000): Promise<string> {
    const check = typeof test === 'function' ? test : typeof test === 'string' ? (s: string) => s.includes(test) : (s: string) => test.test(s);
    const end = Date.now() + deadlineMs;
    for (;;) {
      const screen = this.text();
      if (check(screen)) return screen;
      if (Date.now() > end) throw new Error(`The terminal never showed ${String(test)} in ${deadlineMs} ms; it shows:\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The pid of the command's shell's child (the command itself). */
  panePid(): number {
    return Number(tmux(this.socket, ['display-message', '-p', '-t', 'main', '#{pane_pid}']).trim());
  }

  close(): void {
    try {
      tmux(this.socket, ['kill-server']);
    } catch {
      // already gone
    }
  }
}
