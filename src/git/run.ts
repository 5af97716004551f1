/**
 * Hardened git for the supervisor: every call names its repository explicitly (`--git-dir`, and
 * `--work-tree` when it touches files), disables hooks and fsmonitor, and runs with an environment
 * from which every `GIT_*` variable of the supervisor's own environment is removed. Nothing written
 * inside a task's worktree (a `.git` file or directory, hooks, config) is ever read as configuration:
 * the admin directory git uses lives in the user's repository, where workers cannot write.
 *
 * @example
 * ```ts
 * const git = new Git({ gitDir: '/repo/.git', workTree: '/repo' });
 * const head = (await git.run(['rev-parse', 'HEAD'])).stdout.trim();
 * ```
 */
import { execFile } from 'node:child_process';

/** Options every call carries, before the subcommand. */
export const HARDENING = Object.freeze(['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'core.sshCommand=false', '-c', 'protocol.allow=never']);

/** Largest output of one git call the supervisor reads. */
export const MAX_GIT_OUTPUT = 64 * 1024 * 1024;

export class GitError extends Error {
  readonly code = 'CODEX_FLEET_GIT';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed${exitCode === null ? '' : ` (exit ${exitCode})`}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    this.name = 'GitError';
  }
}

export interface GitLocation {
  /** The admin directory: the repository's `.git`, or `.git/worktrees/<name>` for a linked worktree. */
  readonly gitDir: string;
  /** The working tree, for commands that read or write files. */
  readonly workTree?: string;
}

export interface GitCallOptions {
  readonly input?: string | Buffer;
  /** Extra environment (e.g. `GIT_INDEX_FILE`, identity). */
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that are answers, not failures (e.g. 1 for `diff --quiet`). */
  readonly okCodes?: readonly number[];
  readonly cwd?: string;
}

export interface GitOutput {
  readonly stdout: string;
  readonly exitCode: number;
}

function cleanEnv(extra: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('GIT_')) env[name] = value;
  env['GIT_TERMINAL_PROMPT'] = '0';
  env['GIT_OPTIONAL_LOCKS'] = '0';
  env['GIT_CONFIG_PARAMETERS'] = undefined;
  delete env['GIT_CONFIG_PARAMETERS'];
  return { ...env, ...extra };
}

export class Git {
  constructor(readonly where: GitLocation) {}

  /** The same repository with another work tree (or admin directory). */
  with(where: Partial<GitLocation>): Git {
    return new Git({ ...this.where, ...where });
  }

  run(args: readonly string[], options: GitCallOptions = {}): Promise<GitOutput> {
    const full = [...HARDENING, `--git-dir=${this.where.gitDir}`, ...(this.where.workTree ? [`--work-tree=${this.where.workTree}`] : []), ...args];
    return new Promise((resolve, reject) => {
      const child = execFile(
        'git',
        full,
        { env: cleanEnv(options.env), maxBuffer: MAX_GIT_OUTPUT, encoding: 'utf8', cwd: options.cwd ?? this.where.workTree ?? this.where.gitDir },
        (error, stdout, stderr) => {
          const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null) : 0;
          if (code === 0 || (code !== null && options.okCodes?.includes(code))) resolve({ stdout, exitCode: code });
          else reject(new GitError(args, code, stderr || (error?.message ?? '')));
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
      else child.stdin?.end();
    });
  }

  async text(args: readonly string[], options: GitCallOptions = {}): Promise<string> {
    return (await this.run(args, options)).stdout.trim();
  }
}
