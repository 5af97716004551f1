/**
 * Commands on kernels without Landlock signal scoping (ABI < 6: Ubuntu 24.04 has 4, Debian 12 has 2):
 * the launcher gives the command tree a PID namespace of its own, so nothing inside can signal a
 * process outside it, and the command still runs. `--landlock-abi-override` makes the launcher see the
 * older ABI on this kernel.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSandboxedSpawn, launcherPath } from '../../src/sandbox/launcher.js';
import { compilePolicy, launcherArgs } from '../../src/sandbox/policy.js';
import { buildFixture, cleanupTempDirs, ensureLauncher, isAlive, runUnder, spec, tempDir, waitFor } from './helpers.js';

/** Host pids of the live processes whose command line mentions `marker` (pids inside a namespace differ). */
function processesMentioning(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker) && isAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

let attack: string;
let victim: ChildProcess;

beforeAll(() => {
  ensureLauncher();
  const bin = tempDir('cf-bin-');
  attack = buildFixture('attack', bin);
  chmodSync(bin, 0o755); // the unprivileged run below must reach it
  victim = spawn('sleep', ['600'], { stdio: 'ignore' });
});

afterAll(() => {
  victim.kill('SIGKILL');
  cleanupTempDirs();
});

function commandPolicy(program: string, slotDir = tempDir('cf-slot-')) {
  return compilePolicy(spec(), { kind: 'command', slotDir, program: [program] });
}

describe.each([4, 1])('command policy on Landlock ABI %i', (abi) => {
  it('cannot signal a process outside its tree: the kill fails and the victim lives', async () => {
    const r = await runUnder(commandPolicy(attack), [attack, 'kill', String(victim.pid)], { landlockAbiOverride: abi });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ERR ESRCH');
    expect(r.code).toBe(0);
    expect(isAlive(victim.pid!)).toBe(true);
  });

  it('still runs: a shell pipeline writes in the workspace, signals its own children, and its status passes through', async () => {
    const slotDir = tempDir('cf-slot-');
    const script = `echo hi | tr a-z A-Z > ${slotDir}/out; sleep 600 & kill -TERM $!; wait $!; echo "child $?" >> ${slotDir}/out; exit 7`;
    const r = await runUnder(commandPolicy('/bin/sh', slotDir), ['/bin/sh', '-c', script], { landlockAbiOverride: abi });
    expect(r.stderr).not.toContain('codex-fleet-launcher');
    expect(r.code).toBe(7);
    expect(readFileSync(join(slotDir, 'out'), 'utf8')).toBe('HI\nchild 143\n');
  });

  it('a command killed by a signal still exits 128+N (the namespace init passes the status on)', async () => {
    const r = await runUnder(commandPolicy('/bin/sh'), ['/bin/sh', '-c', 'kill -TERM $$'], { landlockAbiOverride: abi });
    expect(r.code).toBe(128 + 15);
  });

  it('the time limit still kills the whole tree and exits 124', async () => {
    const slotDir = tempDir('cf-slot-');
    const policy = compilePolicy(spec(), { kind: 'command', slotDir, program: [attack], timeoutS: 1 });
    const r = await runUnder(policy, [attack, 'grandchild', join(slotDir, 'pid')], { landlockAbiOverride: abi });
    expect(r.code).toBe(124);
    expect(r.stderr).toBe('codex-fleet-launcher: command timed out after 1s; killed its process tree\n');
  });
});

describe('command policy on Landlock ABI 4: the tree dies with the supervisor', () => {
  it('a grandchild that left the process group does not outlive a kill -9 of the supervisor', async () => {
    const slotDir = tempDir('cf-slot-');
    const pidFile = join(slotDir, 'grandchild.pid');
    const policy = commandPolicy(attack, slotDir);
    const s = buildSandboxedSpawn(policy, [attack, 'grandchild', pidFile]);
    // The launcher's parent is a stand-in supervisor, so --parent-pid is left out.
    const args = [...launcherArgs(policy, { landlockAbiOverride: 4 }), '--', attack, 'grandchild', pidFile];
    const supervisor = spawn(
      process.execPath,
      ['-e', `require('child_process').spawn(process.argv[1], JSON.parse(process.argv[2]), { env: JSON.parse(process.argv[3]), cwd: process.argv[4], stdio: 'ignore' }); setInterval(() => {}, 1e9);`, s.file, JSON.stringify(args), JSON.stringify(s.env), s.cwd],
      { stdio: 'ignore' },
    );
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'the grandchild to start');
    // Inside its PID namespace the grandchild has a small pid of its own; find the tree by its arguments.
    expect(Number(readFileSync(pidFile, 'utf8'))).toBeLessThan(10);
    const tree = processesMentioning(pidFile);
    // The stand-in supervisor, the launcher, the namespace's init, the command and the grandchild.
    expect(tree.length).toBeGreaterThanOrEqual(5);
    supervisor.kill('SIGKILL');
    await waitFor(() => processesMentioning(pidFile).length === 0, 'the whole tree to die');
  });
});

describe('command policy below ABI 6 without root', () => {
  it('uses an unprivileged user namespace for the PID namespace, and the victim still lives', async () => {
    // As root, drop to nobody first (setpriv): the launcher then has no CAP_SYS_ADMIN, as for a normal user.
    const drop = process.getuid!() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const check = spawnSync(drop[0] ?? launcherPath(), [...drop.slice(1), ...(drop.length ? [launcherPath()] : []), '--check', '--landlock-abi-override', '4'], {
      encoding: 'utf8',
    });
    expect(JSON.parse(check.stdout)).toMatchObject({ landlock_abi: 4, landlock_scope: false, pid_namespace: 'user-namespace' });

    const slotDir = tempDir('cf-slot-');
    if (drop.length > 0) chownSync(slotDir, 65534, 65534);
    const s = buildSandboxedSpawn(commandPolicy(attack, slotDir), [attack, 'kill', String(victim.pid)], { landlockAbiOverride: 4 });
    const r = spawnSync(drop[0] ?? s.file, [...drop.slice(1), ...(drop.length ? [s.file] : []), ...s.args], {
      cwd: s.cwd,
      env: s.env,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ERR ESRCH');
    expect(isAlive(victim.pid!)).toBe(true);
  });
});

describe('worker policy below ABI 6', () => {
  it('refuses a worker that may send signals, saying what is missing', async () => {
    const policy = compilePolicy(spec({ allowed_syscalls: ['@signal'] }), { kind: 'worker', slotDir: tempDir('cf-slot-'), program: [attack] });
    const r = await runUnder(policy, [attack, 'kill', String(victim.pid)], { landlockAbiOverride: 4 });
    expect(r.code).toBe(112);
    expect(r.stderr).toBe(
      'codex-fleet-launcher: Landlock ABI 4 (simulated by --landlock-abi-override) is lower than the 6 this policy needs (signal and abstract-socket scoping); ' +
        'use a newer kernel (ABI 4: Linux 6.7, ABI 6: Linux 6.12)\n',
    );
    expect(isAlive(victim.pid!)).toBe(true);
  });
});
