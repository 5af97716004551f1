/** Runs the built CLI (`npm test` builds dist/ first) as a real process. */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const codexBin = fileURLToPath(new URL('../../dist/src/cli/bin/codex.js', import.meta.url));
export const codexFleetBin = fileURLToPath(new URL('../../dist/src/cli/bin/codex-fleet.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `codex fleet ARGS…` in `cwd`. */
export function runFleet(args: readonly string[], options: { cwd?: string; input?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [codexBin, 'fleet', ...args], {
    cwd: options.cwd ?? repoRoot,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `file args…` as a child process without blocking this process's event loop. */
export function runCaptured(file: string, args: readonly string[], options: { cwd?: string | undefined; env?: NodeJS.ProcessEnv | undefined } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** `codex fleet ARGS…` as a child process (`env` replaces this process's environment when given). */
export function runFleetChild(args: readonly string[], options: { cwd?: string | undefined; env?: NodeJS.ProcessEnv | undefined } = {}): Promise<CliResult> {
  return runCaptured(process.execPath, [codexBin, 'fleet', ...args], options);
}
