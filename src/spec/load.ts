/**
 * Loading agent specs in stages: parse YAML keeping positions → validate against the schema → semantic
 * checks → defaults → freeze. Every problem of every file is reported, each with file:line:col.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { applyDefaults, checkSemantics } from './compile.js';
import { SpecDiagnostic } from './diagnostic.js';
import type { AgentSpecInput } from './schema.js';
import { SpecSource } from './source.js';
import type { AgentSpec } from './types.js';
import { validateAgainstSchema } from './validate.js';

export interface LoadOptions {
  /** Directory that relative paths and displayed paths are relative to. Default: process.cwd(). */
  readonly cwd?: string;
}

export interface LoadResult {
  /** Valid agents, in file order. */
  readonly agents: readonly AgentSpec[];
  /** Every problem found; empty when all files are valid. */
  readonly diagnostics: readonly SpecDiagnostic[];
  /** Every spec file looked at (display paths), valid or not. */
  readonly files: readonly string[];
}

const isSpecFile = (name: string): boolean => /\.ya?ml$/.test(name);

function display(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

async function specFiles(paths: readonly string[], cwd: string, diagnostics: SpecDiagnostic[]): Promise<string[]> {
  const files: string[] = [];
  for (const given of paths) {
    const path = resolve(cwd, given);
    let info;
    try {
      info = await stat(path);
    } catch {
      diagnostics.push(new SpecDiagnostic(given, 0, 0, '', 'No such file or directory'));
      continue;
    }
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter(isSpecFile).sort();
      files.push(...names.map((name) => join(path, name)));
    } else {
      files.push(path);
    }
  }
  return [...new Set(files)];
}

/** Loads one spec file (no cross-file checks). */
export async function loadAgentSpecFile(
  path: string,
  displayPath: string,
): Promise<{ agent?: AgentSpec; source?: SpecSource; diagnostics: SpecDiagnostic[] }> {
  const source = await SpecSource.read(path, displayPath);
  if (Array.isArray(source)) return { diagnostics: source };
  const data = source.data();
  const diagnostics = validateAgainstSchema(source, data);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { source, diagnostics };
  const spec = data as AgentSpecInput;
  const { worker, readPaths } = checkSemantics(source, spec, diagnostics);
  diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
  if (diagnostics.length > 0 || !worker) return { source, diagnostics };
  return { agent: applyDefaults(source, spec, worker, readPaths), source, diagnostics };
}

/** Loads every spec in `paths` (directories are read for *.yaml / *.yml). Never throws on bad input. */
export async function loadAgentSpecs(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const cwd = options.cwd ?? process.cwd();
  const diagnostics: SpecDiagnostic[] = [];
  const files = await specFiles(paths, cwd, diagnostics);
  const agents: AgentSpec[] = [];
  const seen = new Map<string, SpecDiagnostic>();
  for (const file of files) {
    const result = await loadAgentSpecFile(file, display(file, cwd));
    diagnostics.push(...result.diagnostics);
    if (!result.agent || !result.source) continue;
    const first = seen.get(result.agent.name);
    if (first) {
      diagnostics.push(
        result.source.at(
          ['name'],
          `Duplicate agent name "${result.agent.name}": already defined at ${first.file}:${first.line}:${first.col}`,
        ),
      );
      continue;
    }
    seen.set(result.agent.name, result.source.at(['name'], ''));
    agents.push(result.agent);
  }
  return { agents, diagnostics, files: files.map((file) => display(file, cwd)) };
}
