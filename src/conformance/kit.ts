/**
 * The conformance kit: runs a worker program through the whole protocol against the supervisor stub and
 * reports one line per check. `codex fleet conformance -- CMD ARGS…` is its command-line face.
 *
 * @example
 * ```ts
 * const report = await runConformance({ command: ['python3', 'examples/python-worker/worker.py'], print: console.log });
 * process.exitCode = report.failed === 0 ? 0 : 1;
 * ```
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckFailure, PROCESS_CHECKS, SESSION_CHECKS, type Check, type KitContext } from './checks.js';
import { Session, type SessionLaunch } from './session.js';

export interface ConformanceOptions {
  /** The worker program and its arguments. */
  readonly command: readonly string[];
  /** Receives each output line. */
  readonly print: (line: string) => void;
  /** Per-step timeout in ms (default 10 000). */
  readonly stepMs?: number;
  /** Start the worker exactly like this instead (e.g. under its sandbox); `command` is then only its name. */
  readonly launch?: SessionLaunch;
  /** The workspace the worker is told about (default: a new temporary directory, removed afterwards). */
  readonly workspace?: string;
}

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface ConformanceReport {
  readonly results: readonly CheckResult[];
  readonly passed: number;
  readonly failed: number;
}

export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const workspace = options.workspace ?? mkdtempSync(join(tmpdir(), 'codex-fleet-conformance-'));
  const k: KitContext = { workspace, stepMs: options.stepMs ?? 10_000 };
  const results: CheckResult[] = [];
  const record = (r: CheckResult): void => {
    results.push(r);
    options.print(r.ok ? `PASS  ${r.name}` : `FAIL  ${r.name}: ${r.detail ?? ''}`);
  };
  try {
    await runSession(options.command, options.launch, SESSION_CHECKS, k, record);
    for (const check of PROCESS_CHECKS) await runSession(options.command, options.launch, [check], k, record);
  } finally {
    if (options.workspace === undefined) rmSync(workspace, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok).length;
  options.print(`${results.length} checks: ${results.length - failed} passed, ${failed} failed`);
  return { results, passed: results.length - failed, failed };
}

async function runSession(
  command: readonly string[],
  launch: SessionLaunch | undefined,
  checks: readonly Check[],
  k: KitContext,
  record: (r: CheckResult) => void,
): Promise<void> {
  let session: Session;
  try {
    session = await Session.spawn(command, launch);
  } catch (err) {
    for (const c of checks) record({ name: c.name, ok: false, detail: `cannot start ${JSON.stringify(command.join(' '))}: ${(err as Error).message}` });
    return;
  }
  let skipRest: string | undefined;
  try {
    for (const check of checks) {
      if (skipRest !== undefined) {
        record({ name: check.name, ok: false, detail: `skipped: ${skipRest}` });
        continue;
      }
      const run = check.run(session, k).then(() => undefined, (err: unknown) => err);
      const outcome = check.expectsExit
        ? await run
        : await Promise.race([
            run,
            session.exited.then((e) => new CheckFailure(`the worker exited (status ${e.code ?? e.signal}) during the check`)),
          ]);
      if (outcome === undefined) {
        record({ name: check.name, ok: true });
        continue;
      }
      const detail = describe(outcome, session);
      record({ name: check.name, ok: false, detail });
      if (check.name === 'initialize handshake' || session.child.exitCode !== null || session.child.signalCode !== null) {
        skipRest = `"${check.name}" failed`;
      }
    }
  } finally {
    await session.dispose();
  }
}

function describe(err: unknown, session: Session): string {
  const base = err instanceof CheckFailure ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const tail = session.stderr.trim().split('\n').slice(-3).join(' | ');
  return tail === '' ? base : `${base} (worker stderr: ${tail.slice(0, 400)})`;
}
