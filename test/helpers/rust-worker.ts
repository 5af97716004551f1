/**
 * Builds examples/rust-worker with cargo (offline, from Debian's packaged crates). When cargo or the
 * crates are missing the build throws, so the Rust worker's tests fail and say why: they never pass
 * or skip without having run the worker.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { repoRoot } from './cli.js';

export const rustWorkerDir = join(repoRoot, 'examples', 'rust-worker');
export const rustWorkerBinary = join(rustWorkerDir, 'target', 'release', 'rust-worker');

/** cargo from $CARGO, $PATH or rustup's ~/.cargo/bin; undefined when there is none. */
export function findCargo(): string | undefined {
  const candidates = [
    process.env['CARGO'],
    ...(process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, 'cargo')),
    join(homedir(), '.cargo', 'bin', 'cargo'),
  ];
  return candidates.find((c): c is string => c !== undefined && existsSync(c));
}

/** `cargo ARGS…` in examples/rust-worker; throws with cargo's own output when it fails. */
export function cargo(args: readonly string[]): string {
  const bin = findCargo();
  if (bin === undefined) {
    throw new Error(
      'cargo was not found ($CARGO, $PATH, ~/.cargo/bin), so examples/rust-worker cannot be built and its tests cannot run. ' +
        'Install Rust (rustup, or apt-get install cargo) and the crates it builds from: ' +
        'apt-get install librust-serde-json-dev librust-serde-derive-dev',
    );
  }
  const result = spawnSync(bin, [...args], { cwd: rustWorkerDir, encoding: 'utf8', timeout: 900_000 });
  if (result.status !== 0) {
    throw new Error(`cargo ${args.join(' ')} failed (status ${result.status ?? result.signal}) in ${rustWorkerDir}:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout + result.stderr;
}

/** Builds the release binary (a no-op when it is up to date) and returns its path. */
export function buildRustWorker(): string {
  cargo(['build', '--release', '--offline']);
  return rustWorkerBinary;
}
