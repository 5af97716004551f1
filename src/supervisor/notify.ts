/**
 * The optional `notify` command of codex-fleet.yaml (e.g. `[notify-send, "codex fleet"]`), run with the
 * message as its last argument when an agent is paused for budget. It is the user's own command, run
 * outside any sandbox, without a shell, detached, and never waited for.
 */
import { spawn } from 'node:child_process';

export function runNotify(argv: readonly string[], message: string, onError: (error: string) => void): void {
  const [file, ...args] = argv;
  if (file === undefined) return;
  try {
    const child = spawn(file, [...args, message], { stdio: 'ignore', detached: true });
    child.once('error', (error) => onError(`${file}: ${error.message}`));
    child.once('exit', (code, signal) => {
      if (code !== 0) onError(`${file} exited with ${signal ?? `code ${code}`}`);
    });
    child.unref();
  } catch (error) {
    onError(`${file}: ${(error as Error).message}`);
  }
}
