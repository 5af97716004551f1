/** Shared fixtures for the sandbox tests: temp dirs, hand-built specs, the attack program, running under the launcher. */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentSpec } from '../../src/spec/types.js';
import { buildSandboxedSpawn, launcherPath, type SpawnOptions } from '../../src/sandbox/launcher.js';
import { compilePolicy, type CompileOptions, type SandboxPolicy } from '../../src/sandbox/policy.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const made: string[] = [];

export function tempDir(prefix = 'cf-sandbox-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // As root, sandboxed code runs as an unprivileged user: programs built here must be reachable by it.
  chmodSync(dir, 0o755);
  made.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Builds the launcher if needed (the npm install script does the same). */
export function ensureLauncher(): string {
  const r = spawnSync(process.execPath, [join(here, '../../scripts/build-launcher.mjs')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the launcher failed: ${r.stderr}`);
  return launcherPath();
}

/** Compiles test/sandbox/fixtures/<name>.c into `dir`. */
export function buildFixture(name: string, dir: string): string {
  const out = join(dir, name);
  const r = spawnSync(process.env['CC'] ?? 'cc', ['-O0', '-o', out, join(here, 'fixtures', `${name}.c`)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cc failed: ${r.stderr}`);
  return out;
}

export function spec(overrides: Partial<AgentSpec> = {}): AgentSpec {
  return {
    name: 'test-bot',
    role: 'test',
    model: 'gpt-4.1-mini',
    max_tokens: 1024,
    cost_budget: 0.1,
    allowed_syscalls: [],
    worker: { kind: 'plugin', plugin: './plugin.js', pluginPath: join(here, 'fixtures', 'plugin.js') },
    read_paths: [],
    concurrency: 1,
    limits: { max_turns: 1, wall_time_s: 60, retries: 0, memory_mb: 512, threads: 512, disk_mb: 1024 },
    exec: [],
    land: 'branch',
    worktree: false,
    restart: { max_restarts: 0, window_s: 60 },
    file: join(here, 'fixtures', 'test-bot.yaml'),
    ...overrides,
  };
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `program` under `policy` via the launcher and collects its output. */
export function runUnder(policy: SandboxPolicy, program: readonly string[], options: SpawnOptions = {}): Promise<RunResult> {
  const s = buildSandboxedSpawn(policy, program, options);
  return new Promise((resolve, reject) => {
    // Descriptor 3, when given, is the shared fchmod handler's socket (the launcher closes it before exec).
    const child = spawn(s.file, s.args, { cwd: s.cwd, env: s.env, stdio: ['ignore', 'pipe', 'pipe', s.handoff ?? 'ignore'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Compiles a policy for `spec` with `program`, in a fresh slot. */
export function policyFor(agent: AgentSpec, program: readonly string[], options: Partial<CompileOptions> = {}): SandboxPolicy {
  return compilePolicy(agent, { kind: 'worker', slotDir: options.slotDir ?? tempDir('cf-slot-'), program, ...options });
}

/** Polls `condition` until true or the deadline passes. */
export async function waitFor(condition: () => boolean, what: string, deadlineMs = 15_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); treat it as gone.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
