/**
 * Read-only copies of a worker's program for the sandbox user. When codex fleet runs as root and the
 * project lives where that user cannot read (a home such as /root is 0700), the worker program (the Node
 * runner bundle, the role plugin, or a `command` worker's script or folder) is copied into a directory
 * the supervisor owns and the sandbox user can only read, and the spec is pointed at the copy. Nothing is
 * copied when the user can read the original.
 */
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { AgentSpec } from '../spec/types.js';
import { unreachableReason, type SandboxIdentity } from './identity.js';
import { programFileGrants } from './policy.js';

/** Largest program folder copied (a plugin package with its node_modules may be big; more is refused). */
export const MAX_STAGED_BYTES = 256 * 1024 * 1024;

export interface StagedProgram {
  /** The spec with its plugin path or argv pointing at the copies. */
  readonly spec: AgentSpec;
  /** The runner bundle's copy, when the original is out of the sandbox user's reach. */
  readonly runner?: string;
  /** What was copied, as "original → copy". */
  readonly copies: readonly string[];
}

/** Thrown when a program cannot be staged (too big, unreadable). */
export class StageError extends Error {
  readonly code = 'CODEX_FLEET_STAGE';
  constructor(message: string) {
    super(message);
    this.name = 'StageError';
  }
}

function sizeOf(path: string, limit: number): number {
  let total = 0;
  const pending = [path];
  while (pending.length > 0 && total <= limit) {
    const current = pending.pop()!;
    const st = lstatSync(current);
    total += st.size;
    if (st.isDirectory()) for (const entry of readdirSync(current)) pending.push(join(current, entry));
  }
  return total;
}

/** Root-owned, world-readable, never writable by anyone else: dirs 0755, files 0644 (0755 if executable). */
function makeReadOnly(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) makeReadOnly(join(path, entry));
  } else {
    chmodSync(path, st.mode & 0o111 ? 0o755 : 0o644);
  }
}

/** The "type" of the package.json nearest above `file`, so an ES module stays one when copied alone. */
function moduleType(file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const type: unknown = (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type;
        return typeof type === 'string' ? type : undefined;
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Copies `file` (or, when the policy would grant its whole package folder, that folder) into `into/<name>`
 * and returns the copy's path for `file`.
 */
function stageFile(file: string, into: string, name: string): string {
  const grants = programFileGrants(file);
  const source = grants.length > 1 ? dirname(file) : file;
  if (sizeOf(source, MAX_STAGED_BYTES) > MAX_STAGED_BYTES) {
    throw new StageError(`Cannot copy ${source} for the sandbox user: it is larger than ${MAX_STAGED_BYTES / 1024 / 1024} MiB`);
  }
  const target = join(into, name);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true, mode: 0o755 });
  let copy: string;
  if (source === file) {
    copy = join(target, basename(file));
    cpSync(file, copy, { dereference: true });
    const type = moduleType(file);
    if (type !== undefined) writeFileSync(join(target, 'package.json'), `${JSON.stringify({ type })}\n`);
  } else {
    cpSync(source, target, { recursive: true, dereference: true });
    copy = join(target, basename(file));
  }
  makeReadOnly(target);
  return copy;
}

/**
 * Stages what `id` cannot read of `spec`'s program into `into` (a directory only the supervisor may
 * write, reachable by `id`). `runnerBundle` is the Node runner's file.
 */
export function stageProgram(spec: AgentSpec, id: SandboxIdentity, into: string, runnerBundle: string): StagedProgram {
  const copies: string[] = [];
  const dir = join(into, spec.name);
  let runner: string | undefined;
  let staged: AgentSpec = spec;
  if (spec.worker.kind === 'plugin') {
    if (unreachableReason(runnerBundle, id) !== undefined) {
      const target = join(into, '.runner');
      mkdirSync(target, { recursive: true, mode: 0o755 });
      runner = join(target, basename(runnerBundle));
      cpSync(runnerBundle, runner, { dereference: true });
      writeFileSync(join(target, 'package.json'), '{"type":"module"}\n');
      makeReadOnly(target);
      copies.push(`${runnerBundle} → ${runner}`);
    }
    const plugin = spec.worker.pluginPath;
    const unreachable = programFileGrants(plugin).some((p) => unreachableReason(p, id) !== undefined);
    if (unreachable) {
      const copy = stageFile(plugin, dir, 'plugin');
      copies.push(`${plugin} → ${copy}`);
      staged = { ...spec, worker: { ...spec.worker, pluginPath: copy } };
    }
  } else {
    const argv = [...spec.worker.argv];
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (!isAbsolute(arg) || !existsSync(arg) || !statSync(arg).isFile()) continue;
      if (programFileGrants(arg).every((p) => unreachableReason(p, id, i === 0) === undefined)) continue;
      const copy = stageFile(arg, dir, `arg${i}`);
      copies.push(`${arg} → ${copy}`);
      argv[i] = copy;
    }
    if (copies.length > 0) staged = { ...spec, worker: { kind: 'command', argv } };
  }
  return Object.freeze({ spec: staged, ...(runner !== undefined ? { runner } : {}), copies: Object.freeze(copies) });
}
