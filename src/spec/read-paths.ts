/**
 * Validation of a spec's `read_paths`: extra folders or files a worker may read (an interpreter's
 * libraries, the worker's own files). Relative paths are relative to the spec file. Refused, each with
 * the field, the value and why: anything missing, the repository root or a folder containing it, the
 * user's home or a folder containing it, the fleet's state directories, system places that hold
 * secrets, and any path through a folder named like a secret store (`.ssh`, `.aws`, …) or a folder
 * that holds private files itself (`.git`, `.env`, `.npmrc`, …).
 */
import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';

/** System paths that hold secrets: never readable, nor any folder containing them. */
const SECRET_SYSTEM_PATHS = ['/etc/shadow', '/etc/gshadow', '/etc/ssh', '/etc/ssl/private', '/root', '/home'];

/** Kernel and runtime file systems: nothing beneath them may be named. */
const NEVER_BENEATH = ['/proc', '/sys', '/dev', '/run', '/var/run'];

/** Folder or file names that hold credentials, wherever they are. */
const SECRET_NAMES = new Set([
  '.ssh', '.gnupg', '.aws', '.azure', '.kube', '.docker', '.config', '.netrc', '.npmrc', '.pypirc',
  '.git-credentials', '.password-store', '.env', '.git',
]);

/** Files whose presence in a folder marks it as a project or a place for secrets. */
const PRIVATE_MARKERS = ['.git', '.env', '.npmrc', '.netrc', '.ssh', '.aws', '.gnupg'];

const within = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** The git work tree around `dir` (the nearest folder with a `.git`), if any. */
function repositoryRoot(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return current;
    if (dirname(current) === current) return undefined;
  }
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Where fleets keep state by default (and where CODEX_FLEET_STATE_DIR puts it). */
function stateDirs(env: NodeJS.ProcessEnv): string[] {
  const home = env['HOME'] || homedir();
  const dirs = [join(home, '.local', 'state', 'codex-fleet')];
  if (env['XDG_STATE_HOME']) dirs.push(join(env['XDG_STATE_HOME'], 'codex-fleet'));
  if (env['CODEX_FLEET_STATE_DIR']) dirs.push(resolve(env['CODEX_FLEET_STATE_DIR']));
  return dirs.map(real);
}

export interface ReadPathContext {
  /** The spec file; relative entries are relative to its folder. */
  readonly specFile: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Resolves one `read_paths` entry: `{ path }` (absolute, real) or `{ error }` (a sentence ending in what to do). */
export function checkReadPath(entry: string, context: ReadPathContext): { path: string } | { error: string } {
  const env = context.env ?? process.env;
  const specDir = dirname(resolve(context.specFile));
  const home = real(env['HOME'] || homedir());
  const expanded = entry === '~' ? home : entry.startsWith('~/') ? join(home, entry.slice(2)) : entry;
  const absolute = resolve(specDir, expanded);
  if (!existsSync(absolute)) return { error: `does not exist (${absolute}; relative paths are relative to the spec file)` };
  const path = realpathSync(absolute);
  const repo = repositoryRoot(specDir);
  const protectedRoots: [string, string][] = [
    ...(repo !== undefined ? [[real(repo), 'the repository root'] as [string, string]] : []),
    [home, 'your home directory'],
    ...stateDirs(env).map((dir) => [dir, 'the fleet state directory'] as [string, string]),
    ...SECRET_SYSTEM_PATHS.map((p) => [p, `${p}, which holds secrets`] as [string, string]),
  ];
  for (const [root, what] of protectedRoots) {
    if (within(root, path)) return { error: `${path === root ? 'is' : 'contains'} ${what}: name only the folders the worker needs` };
  }
  for (const dir of [...NEVER_BENEATH, ...stateDirs(env)]) {
    if (within(path, dir)) return { error: `lies inside ${dir}, which the sandbox never shows a worker` };
  }
  const secret = path.split(sep).find((part) => SECRET_NAMES.has(part));
  if (secret !== undefined) return { error: `goes through "${secret}", which holds credentials` };
  const marker = PRIVATE_MARKERS.find((m) => existsSync(join(path, m)));
  if (marker !== undefined) return { error: `holds "${marker}" (a project or a place for secrets): name a folder without it` };
  return { path };
}
