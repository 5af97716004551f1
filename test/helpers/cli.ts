/** Runs the built CLI (`npm test` builds dist/ first) as a real process. */
import { spawnSync } from 'node:child_process';
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
