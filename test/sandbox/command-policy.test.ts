/**
 * The exec service's command policy: processes and socketpairs allowed (no socket() of any family), no
 * network, same filesystem limits, and the launcher stays resident so the whole tree dies with the supervisor.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSandboxedSpawn } from '../../src/sandbox/launcher.js';
import { compilePolicy, launcherArgs } from '../../src/sandbox/policy.js';
import { buildFixture, cleanupTempDirs, ensureLauncher, isAlive, runUnder, spec, tempDir, waitFor } from './helpers.js';

let attack: string;
let victim: ChildProcess;
const leftovers: number[] = [];

beforeAll(() => {
  ensureLauncher();
  attack = buildFixture('attack', tempDir('cf-bin-'));
  victim = spawn('sleep', ['600'], { stdio: 'ignore' });
});

afterAll(() => {
  victim.kill('SIGKILL');
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
  cleanupTempDirs();
});

function commandPolicy(program: readonly string[], timeoutS?: number, slotDir = tempDir('cf-slot-')) {
  return compilePolicy(spec(), { kind: 'command', slotDir, program, ...(timeoutS !== undefined ? { timeoutS } : {}) });
}

async function tryAttack(what: string, arg = '') {
  const r = await runUnder(commandPolicy([attack]), [attack, what, arg]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

describe('command policy', () => {
  it('may fork', async () => expect(await tryAttack('fork')).toBe('OK'));
  it('may make Unix socketpairs', async () => expect(await tryAttack('socketpair')).toBe('OK'));
  it('AF_INET and AF_INET6 are refused with EAFNOSUPPORT', async () => {
    expect(await tryAttack('tcp', '9')).toBe('ERR EAFNOSUPPORT');
    expect(await tryAttack('udp', '9')).toBe('ERR EAFNOSUPPORT');
    expect(await tryAttack('inet6')).toBe('ERR EAFNOSUPPORT');
  });
  it('writes only in the workspace, reads no secrets', async () => {
    const outside = tempDir('cf-outside-');
    expect(await tryAttack('write', join(outside, 'x'))).toBe('ERR EACCES');
    expect(await tryAttack('read', '/etc/shadow')).toBe('ERR EACCES');
  });
  it('cannot signal or trace a process outside (Landlock scoping)', async () => {
    expect(await tryAttack('kill', String(victim.pid))).toBe('ERR EPERM');
    expect(await tryAttack('ptrace', String(victim.pid))).toBe('ERR EPERM');
    expect(victim.exitCode).toBe(null);
  });
  it('cannot reach an abstract Unix socket outside (no socket() at all; Landlock scoping besides at ABI 6)', async () => {
    const name = `codex-fleet-test-${process.pid}`;
    const server = spawn(attack, ['listen-abstract', name], { stdio: ['ignore', 'pipe', 'inherit'] });
    let ready = '';
    server.stdout!.on('data', (d: Buffer) => (ready += d.toString()));
    try {
      await waitFor(() => ready.includes('\n'), 'the abstract socket server');
      expect(ready.trim()).toBe('OK');
      expect(await tryAttack('unix-abstract', name)).toBe('ERR EPERM');
    } finally {
      server.kill('SIGKILL');
    }
  });
  it('a shell pipeline runs and the exit status passes through', async () => {
    const slotDir = tempDir('cf-slot-');
    const policy = commandPolicy(['/bin/sh'], undefined, slotDir);
    const r = await runUnder(policy, ['/bin/sh', '-c', `echo hi | tr a-z A-Z > ${slotDir}/out; exit 7`]);
    expect(r.code).toBe(7);
    expect(readFileSync(join(slotDir, 'out'), 'utf8')).toBe('HI\n');
  });
  it('a command killed by a signal exits 128+N', async () => {
    const r = await runUnder(commandPolicy(['/bin/sh']), ['/bin/sh', '-c', 'kill -TERM $$']);
    expect(r.code).toBe(128 + 15);
  });
  it('the time limit kills the whole tree and exits 124', async () => {
    const slotDir = tempDir('cf-slot-');
    const pidFile = join(slotDir, 'grandchild.pid');
    const r = await runUnder(commandPolicy([attack], 1, slotDir), [attack, 'grandchild', pidFile]);
    expect(r.code).toBe(124);
    expect(r.stderr).toBe('codex-fleet-launcher: command timed out after 1s; killed its process tree\n');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    leftovers.push(pid);
    expect(isAlive(pid)).toBe(false);
  });
  it('a grandchild that left the process group does not outlive a kill -9 of the supervisor', async () => {
    const slotDir = tempDir('cf-slot-');
    const pidFile = join(slotDir, 'grandchild.pid');
    const policy = commandPolicy([attack], undefined, slotDir);
    const s = buildSandboxedSpawn(policy, [attack, 'grandchild', pidFile]);
    // The launcher's parent is a stand-in supervisor, so --parent-pid is left out.
    const args = [...launcherArgs(policy), '--', attack, 'grandchild', pidFile];
    const supervisor = spawn(
      process.execPath,
      ['-e', `const c = require('child_process').spawn(process.argv[1], JSON.parse(process.argv[2]), { env: JSON.parse(process.argv[3]), cwd: process.argv[4], stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1e9);`, s.file, JSON.stringify(args), JSON.stringify(s.env), s.cwd],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    supervisor.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('\n') && existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'the grandchild to start');
    const launcher = Number(out.trim());
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    leftovers.push(launcher, grandchild, supervisor.pid!);
    expect(isAlive(grandchild)).toBe(true);
    expect(isAlive(launcher)).toBe(true);
    supervisor.kill('SIGKILL');
    await waitFor(() => !isAlive(grandchild), 'the grandchild to die');
    await waitFor(() => !isAlive(launcher), 'the launcher to exit');
  });
});
