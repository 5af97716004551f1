/**
 * Read-only copies of a worker's program for the sandbox user. When codex fleet runs as root and the
 * project lives where that user cannot read (a home such as /root is 0700), the worker program (the Node
 * runner bundle, the role plugin, or a `command` worker's script or folder) is copied into a directory
 * the supervisor owns and the sandbox user can only read, and the spec is pointed at the copy. Nothing is
 * copied when the user can read the original.
 *
 * A built-in bot (`builtin:<name>`, compiled under the package's dist/src/bots) is copied with what it
 * imports: its sibling modules, found by following their relative imports, and the packages named in
 * `RUNNER_DEPENDENCIES` (their package.json, main module and licence), laid out next to the staged
 * runner as in the package (`.runner/dist/src/bots/…`, `.runner/node_modules/typescript/…`), so Node
 * resolves them the same way and the runner's folder, which the policy grants, holds all of it.
 */
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { AgentSpec } from '../spec/types.js';
import { unreachableReason, type SandboxIdentity } from './identity.js';
import { programFileGrants, RUNNER_DEPENDENCIES } from './policy.js';

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

/** The codex-fleet package root of a built-in bot's module (`<root>/dist/src/bots/<name>.js`), if it is one. */
export function builtinPackageRoot(plugin: string): string | undefined {
  const bots = dirname(plugin);
  if (!bots.endsWith(`${sep}dist${sep}src${sep}bots`)) return undefined;
  const root = dirname(dirname(dirname(bots)));
  try {
    const name: unknown = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: unknown }).name;
    return name === 'codex-fleet' ? root : undefined;
  } catch {
    return undefined;
  }
}

/** Relative module specifiers a compiled ES module imports (static, re-exports and `import('…')`). */
function relativeImports(code: string): string[] {
  const found = new Set<string>();
  const patterns = [/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g, /\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g, /^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm];
  for (const pattern of patterns) for (const m of code.matchAll(pattern)) found.add(m[1]!);
  return [...found];
}

/** `entry` and every module of the package it reaches through relative imports. */
function moduleClosure(entry: string, root: string): string[] {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file) || !existsSync(file) || relative(root, file).startsWith('..')) continue;
    seen.add(file);
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) pending.push(resolve(dirname(file), spec));
  }
  return [...seen];
}

/** Copies `from` to `to` unless a copy of the same size and time is already there. */
function copyIfChanged(from: string, to: string): void {
  const source = statSync(from);
  try {
    const target = statSync(to);
    if (target.size === source.size && target.mtimeMs === source.mtimeMs) return;
  } catch {
    // not copied yet
  }
  mkdirSync(dirname(to), { recursive: true, mode: 0o755 });
  rmSync(to, { force: true });
  cpSync(from, to, { dereference: true, preserveTimestamps: true });
}

/**
 * Copies a built-in bot and what it imports under `target` (the staged runner's folder), laid out as in
 * the package. Returns the copy of the bot's module.
 */
function stageBuiltin(plugin: string, root: string, target: string): string {
  for (const file of moduleClosure(plugin, root)) copyIfChanged(file, join(target, relative(root, file)));
  const require = createRequire(plugin);
  for (const dep of RUNNER_DEPENDENCIES) {
    let manifest: string;
    try {
      manifest = require.resolve(`${dep}/package.json`);
    } catch {
      throw new StageError(`Cannot copy the package "${dep}" for the sandbox user: it is not installed beside ${root} (run npm install there)`);
    }
    const pkgDir = dirname(manifest);
    const main = require.resolve(dep);
    const licences = readdirSync(pkgDir).filter((f) => /^(licen[cs]e|copying)/i.test(f));
    for (const file of [manifest, main, ...licences.map((f) => join(pkgDir, f))]) {
      copyIfChanged(file, join(target, 'node_modules', dep, relative(pkgDir, file)));
    }
  }
  return join(target, relative(root, plugin));
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
    const plugin = spec.worker.pluginPath;
    const unreachable = programFileGrants(plugin).some((p) => unreachableReason(p, id) !== undefined);
    const builtinRoot = unreachable ? builtinPackageRoot(plugin) : undefined;
    const target = join(into, '.runner');
    if (unreachableReason(runnerBundle, id) !== undefined || builtinRoot !== undefined) {
      mkdirSync(target, { recursive: true, mode: 0o755 });
      runner = join(target, basename(runnerBundle));
      cpSync(runnerBundle, runner, { dereference: true });
      writeFileSync(join(target, 'package.json'), '{"type":"module"}\n');
      makeReadOnly(target);
      copies.push(`${runnerBundle} → ${runner}`);
    }
    if (builtinRoot !== undefined) {
      const copy = stageBuiltin(plugin, builtinRoot, target);
      makeReadOnly(target);
      copies.push(`${plugin} → ${copy}`);
      staged = { ...spec, worker: { ...spec.worker, pluginPath: copy } };
    } else if (unreachable) {
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
