/**
 * The fleet as a user drives it: in a git repository holding a copy of examples/echo-bot, `codex fleet
 * start` in one process and the other commands in others, with the default state directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codexBin, repoRoot, runFleetChild } from '../helpers/cli.js';
import { expectNoProcessesLeft, waitFor } from '../supervisor/helpers.js';

let root: string;
let project: string;
let env: NodeJS.ProcessEnv;
let supervisor: ChildProcess | undefined;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cf-e2e-'));
  chmodSync(root, 0o711); // as root, workers run as an unprivileged user that passes through to its slot
  project = join(root, 'my-project');
  mkdirSync(project);
  spawnSync('git', ['init', '-q', project]);
  cpSync(join(repoRoot, 'examples/echo-bot'), join(project, 'echo-bot'), { recursive: true });
  mkdirSync(join(project, 'src'));
  env = { ...process.env, XDG_STATE_HOME: join(root, 'state'), CODEX_FLEET_STATE_DIR: '', CODEX_FLEET_SLOT_ROOT: join(root, 'slots') };
  supervisor = undefined;
});

afterEach(async () => {
  if (supervisor && supervisor.exitCode === null && supervisor.signalCode === null) supervisor.kill('SIGKILL');
  await expectNoProcessesLeft(root);
  rmSync(root, { recursive: true, force: true });
});

/** `codex fleet ARGS…` in `cwd`, as its own process. */
const fleet = (args: string[], cwd = project) => runFleetChild(args, { cwd, env });

describe('a fleet driven from the command line', () => {
  it('starts, runs a submitted task, reports status and tasks, and stops with exit 0 and no process left', { timeout: 120_000 }, async () => {
    let log = '';
    supervisor = spawn(process.execPath, [codexBin, 'fleet', 'start', 'echo-bot/agents'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    supervisor.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
    const exited = new Promise<number | null>((resolve) => supervisor!.once('exit', (code) => resolve(code)));
    await waitFor(() => (log.match(/echo-bot\[\d\] worker ready/g) ?? []).length === 2, 'both echo-bot workers to be ready');

    // From a subdirectory: the project (the git work tree) decides the state directory.
    const submitted = await fleet(['submit', 'echo-bot', '--input', '{"text":"hi"}', '--wait'], join(project, 'src'));
    expect(submitted.stdout).toBe('{\n  "text": "hi"\n}\n');
    expect(submitted.stderr).toMatch(/^t[0-9a-z]+ queued; waiting…\n$/);
    expect(submitted.status).toBe(0);
    const id = submitted.stderr.split(' ')[0]!;

    const status = await fleet(['status', '--json']);
    expect(status.status).toBe(0);
    const parsed = JSON.parse(status.stdout) as { state_dir: string; sandbox: string; agents: unknown[] };
    expect(parsed.state_dir).toMatch(new RegExp(`^${join(root, 'state', 'codex-fleet', 'my-project-')}[0-9a-f]{8}$`));
    expect(parsed.sandbox).toBe('enforced');
    expect(parsed.agents).toEqual([
      expect.objectContaining({ name: 'echo-bot', state: 'running', workers: 2, concurrency: 2, queued: 0, running: 0, done: 1, failed: 0 }),
    ]);

    const tasks = await fleet(['tasks', '--json']);
    expect(JSON.parse(tasks.stdout)).toEqual([expect.objectContaining({ id, agent: 'echo-bot', state: 'done', attempts: 1 })]);
    const result = await fleet(['result', id]);
    expect(result.stdout).toBe('{\n  "text": "hi"\n}\n');

    const paused = await fleet(['pause', 'echo-bot']);
    expect(paused.stdout).toMatch(/^echo-bot +paused +workers 2\/2 {2}0 queued, 0 running, 1 done, 0 failed  spent \$0.00 of \$[0-9.]+, 0 calls\n {17}paused by the user\n$/);
    const queued = await fleet(['submit', 'echo-bot', '--input', '"later"']);
    const second = queued.stdout.trim();
    expect((await fleet(['result', second])).stdout).toBe(`task ${second} is queued\n`);
    expect((await fleet(['cancel', second])).stdout).toBe(`task ${second} is cancelled\n`);
    const cancelled = await fleet(['result', second]);
    expect(cancelled.stderr).toBe(`codex fleet: task ${second} cancelled: cancelled by the user\n`);
    expect(cancelled.status).toBe(1);

    const unknown = await fleet(['submit', 'echo-bott', '--input', '1']);
    expect(unknown.stderr).toBe('codex fleet: No agent "echo-bott" in this fleet: did you mean "echo-bot"?\n');
    expect(unknown.status).toBe(1);

    const stopped = await fleet(['stop']);
    expect(stopped.stdout).toBe('fleet stopped\n');
    expect(stopped.status).toBe(0);
    expect(await exited).toBe(0);
    expect(log).toMatch(/fleet fleet stopped\n$/);
  });

  it('runs workers as the sandbox user named in codex-fleet.yaml when started as root', async () => {
    expect(process.geteuid?.()).toBe(0);
    writeFileSync(join(project, 'codex-fleet.yaml'), 'sandbox:\n  uid: 65533\n  gid: 65533\n');
    let log = '';
    supervisor = spawn(process.execPath, [codexBin, 'fleet', 'start', 'echo-bot/agents'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    supervisor.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
    const exited = new Promise<number | null>((resolve) => supervisor!.once('exit', (code) => resolve(code)));
    await waitFor(() => (log.match(/echo-bot\[\d\] worker ready/g) ?? []).length === 2, 'both echo-bot workers to be ready');
    // Only this supervisor's descendants: workers of other test files may be running meanwhile.
    const parents = new Map<number, number>();
    for (const p of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        parents.set(Number(p), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        // gone meanwhile
      }
    }
    const descends = (pid: number): boolean => {
      for (let at = parents.get(pid); at !== undefined && at > 1; at = parents.get(at)) if (at === supervisor!.pid) return true;
      return false;
    };
    const uids = [...parents.keys()]
      .filter(descends)
      .map((p) => {
        try {
          return /^Uid:\t(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1];
        } catch {
          return undefined; // gone meanwhile
        }
      })
      .filter((u) => u !== undefined && u !== '0');
    expect(uids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(uids)).toEqual(new Set(['65533']));
    expect((await fleet(['stop'])).status).toBe(0);
    expect(await exited).toBe(0);
  }, 120_000);
});
