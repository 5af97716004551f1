/**
 * Stage 3 of loading: checks the schema cannot express (names, files, syscalls), then defaults applied
 * and the result frozen.
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { BUILTIN_PLUGINS, builtinPluginPath, isBuiltinPlugin } from './builtins.js';
import type { SpecDiagnostic } from './diagnostic.js';
import { SPEC_DEFAULTS, type AgentSpecInput } from './schema.js';
import type { SpecSource } from './source.js';
import { checkReadPath } from './read-paths.js';
import { closest } from './suggest.js';
import { SYSCALL_GROUPS, forbiddenReason, isKnownSyscall } from './syscalls/catalog.js';
import { X86_64_SYSCALLS } from './syscalls/table-x86_64.js';
import type { AgentSpec, WorkerProgram } from './types.js';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);
const JAVASCRIPT = new Set(['.js', '.mjs']);

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(program: string, pathEnv: string): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir && isExecutableFile(join(dir, program))) return join(dir, program);
  }
  return undefined;
}

const isRelativeArg = (arg: string): boolean => arg.startsWith('./') || arg.startsWith('../');

interface Checked {
  worker?: WorkerProgram;
  readPaths?: string[];
}

function checkName(source: SpecSource, spec: AgentSpecInput, out: SpecDiagnostic[]): void {
  if (typeof spec.name !== 'string') return;
  const stem = basename(source.path).replace(/\.ya?ml$/, '');
  if (stem !== spec.name) {
    out.push(
      source.at(['name'], `"name" is "${spec.name}" but the file is ${basename(source.path)}: rename one so they match`),
    );
  }
}

function checkPlugin(source: SpecSource, plugin: string, out: SpecDiagnostic[]): WorkerProgram | undefined {
  if (plugin.startsWith('builtin:')) {
    const name = plugin.slice('builtin:'.length);
    if (isBuiltinPlugin(name)) return { kind: 'plugin', plugin, pluginPath: builtinPluginPath(name) };
    const hint = closest(name, BUILTIN_PLUGINS);
    out.push(
      source.at(
        ['plugin'],
        `Unknown built-in plugin "${plugin}": ` +
          (hint ? `did you mean "builtin:${hint}"?` : `expected one of ${BUILTIN_PLUGINS.map((b) => `"builtin:${b}"`).join(', ')}`),
      ),
    );
    return undefined;
  }
  const path = resolve(dirname(source.path), plugin);
  const ext = extname(path);
  if (TYPESCRIPT.has(ext)) {
    out.push(
      source.at(
        ['plugin'],
        `"plugin" is a TypeScript file (${plugin}): compile it to JavaScript first (e.g. with tsc) and name the .js file`,
      ),
    );
    return undefined;
  }
  if (!JAVASCRIPT.has(ext)) {
    out.push(source.at(['plugin'], `"plugin" must be "builtin:<name>" or a path to a .js or .mjs file, got "${plugin}"`));
    return undefined;
  }
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    out.push(source.at(['plugin'], `"plugin" file not found: ${path} (paths are relative to the spec file)`));
    return undefined;
  }
  return { kind: 'plugin', plugin, pluginPath: real };
}

function checkCommand(source: SpecSource, argv: readonly string[], out: SpecDiagnostic[]): WorkerProgram | undefined {
  const specDir = dirname(source.path);
  const [program, ...args] = argv;
  if (program === undefined) return undefined;
  let resolved: string | undefined;
  if (program.includes('/')) {
    const candidate = isAbsolute(program) ? program : resolve(specDir, program);
    if (isExecutableFile(candidate)) resolved = candidate;
    else out.push(source.at(['command', 0], `"command[0]" is not an executable file: ${candidate}`));
  } else {
    resolved = findOnPath(program, process.env['PATH'] ?? '');
    if (!resolved) {
      out.push(
        source.at(['command', 0], `"command[0]" "${program}" was not found on PATH: give the absolute path of the executable`),
      );
    }
  }
  const outArgs: string[] = [];
  args.forEach((arg, i) => {
    if (!isRelativeArg(arg)) {
      outArgs.push(arg);
      return;
    }
    const path = resolve(specDir, arg);
    try {
      statSync(path);
    } catch {
      out.push(source.at(['command', i + 1], `"command[${i + 1}]" file not found: ${path} (paths are relative to the spec file)`));
    }
    outArgs.push(path);
  });
  if (!resolved) return undefined;
  return { kind: 'command', argv: [realpathSync(resolved), ...outArgs] };
}

function checkSyscalls(source: SpecSource, entries: readonly unknown[], out: SpecDiagnostic[]): void {
  const groups = Object.keys(SYSCALL_GROUPS);
  entries.forEach((entry, i) => {
    if (typeof entry !== 'string') return;
    const field = `allowed_syscalls[${i}]`;
    if (entry.startsWith('@')) {
      if (!groups.includes(entry)) {
        const hint = closest(entry, groups);
        out.push(
          source.at(
            ['allowed_syscalls', i],
            `"${field}" is an unknown syscall group "${entry}": ` +
              (hint ? `did you mean "${hint}"?` : `expected one of ${groups.join(', ')}`),
          ),
        );
      }
      return;
    }
    const reason = forbiddenReason(entry);
    if (reason) {
      out.push(source.at(['allowed_syscalls', i], `"${field}" asks for "${entry}", which can never be allowed: ${reason}`));
      return;
    }
    if (!isKnownSyscall(entry)) {
      const hint = closest(entry, Object.keys(X86_64_SYSCALLS));
      out.push(
        source.at(['allowed_syscalls', i], `"${field}" is an unknown syscall "${entry}"` + (hint ? `: did you mean "${hint}"?` : '')),
      );
    }
  });
}

function checkReadPaths(source: SpecSource, entries: readonly unknown[], out: SpecDiagnostic[]): string[] {
  const paths: string[] = [];
  entries.forEach((entry, i) => {
    if (typeof entry !== 'string') return;
    const result = checkReadPath(entry, { specFile: source.path });
    if ('path' in result) paths.push(result.path);
    else out.push(source.at(['read_paths', i], `"read_paths[${i}]" "${entry}" ${result.error}`));
  });
  return paths;
}

/** Stage 3 checks; returns what they resolved (the worker program, the read paths) for stage 4. */
export function checkSemantics(source: SpecSource, spec: AgentSpecInput, out: SpecDiagnostic[]): Checked {
  const checked = checkProgram(source, spec, out);
  if (Array.isArray(spec.read_paths)) checked.readPaths = checkReadPaths(source, spec.read_paths, out);
  return checked;
}

function checkProgram(source: SpecSource, spec: AgentSpecInput, out: SpecDiagnostic[]): Checked {
  checkName(source, spec, out);
  if (Array.isArray(spec.allowed_syscalls)) checkSyscalls(source, spec.allowed_syscalls, out);
  const hasPlugin = spec.plugin !== undefined;
  const hasCommand = spec.command !== undefined;
  if (!hasPlugin && !hasCommand) {
    out.push(
      source.at(
        [],
        'Missing "plugin" or "command": say which program runs the worker ' +
          '(plugin: builtin:<name> or a .js file; command: [program, args…])',
      ),
    );
    return {};
  }
  if (hasPlugin && hasCommand) {
    out.push(source.at(['command'], '"plugin" and "command" are both given: keep exactly one of them'));
    return {};
  }
  if (typeof spec.plugin === 'string') {
    const worker = checkPlugin(source, spec.plugin, out);
    return worker ? { worker } : {};
  }
  if (Array.isArray(spec.command) && spec.command.every((a) => typeof a === 'string' && a.length > 0)) {
    const worker = checkCommand(source, spec.command, out);
    return worker ? { worker } : {};
  }
  return {};
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Stage 4: defaults applied, frozen. Only called on a spec that passed stages 2 and 3. */
export function applyDefaults(source: SpecSource, spec: AgentSpecInput, worker: WorkerProgram, readPaths: readonly string[] = []): AgentSpec {
  const d = SPEC_DEFAULTS;
  return deepFreeze({
    name: spec.name,
    role: spec.role,
    model: spec.model,
    max_tokens: spec.max_tokens ?? d.max_tokens,
    cost_budget: spec.cost_budget ?? d.cost_budget,
    allowed_syscalls: [...(spec.allowed_syscalls ?? [])],
    worker,
    read_paths: [...readPaths],
    concurrency: spec.concurrency ?? d.concurrency,
    ...(spec.provider !== undefined ? { provider: spec.provider } : {}),
    limits: {
      max_turns: spec.limits?.max_turns ?? d.max_turns,
      wall_time_s: spec.limits?.wall_time_s ?? d.wall_time_s,
      retries: spec.limits?.retries ?? d.retries,
      memory_mb: spec.limits?.memory_mb ?? d.memory_mb,
    },
    exec: (spec.exec ?? []).map((rule) => ({
      command: [...rule.command],
      allow_extra_args: rule.allow_extra_args ?? false,
      timeout_s: rule.timeout_s ?? d.exec_timeout_s,
    })),
    restart: {
      max_restarts: spec.restart?.max_restarts ?? d.max_restarts,
      window_s: spec.restart?.window_s ?? d.restart_window_s,
    },
    file: source.path,
  });
}
