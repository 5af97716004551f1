/**
 * File metadata and inotify: Landlock confines neither, so the syscall filter must. Every attack runs
 * for real against a file outside the slot that the sandbox may read (as root, a root-owned file, the
 * way a worker's own runtime is), the errno is asserted, and so is the file being unchanged. Each attack
 * is also run once without the sandbox to show it would have worked.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSandboxedSpawn } from '../../src/sandbox/launcher.js';
import { compilePolicy } from '../../src/sandbox/policy.js';
import { X86_64_SYSCALLS } from '../../src/spec/syscalls/table-x86_64.js';
import type { AgentSpec } from '../../src/spec/types.js';
import { buildFixture, cleanupTempDirs, ensureLauncher, isAlive, runUnder, spec, tempDir, waitFor } from './helpers.js';

/** As root, sandboxed code runs as 65534: a file it is meant to own (made here by the test) must be that user's. */
function sandboxOwned(path: string): void {
  if (process.geteuid?.() === 0) chownSync(path, 65534, 65534);
}

let metadata: string;
let outside: string;
let victim: string;
const MTIME = 1_700_000_000;

beforeAll(() => {
  ensureLauncher();
  metadata = buildFixture('metadata', tempDir('cf-bin-'));
});

afterAll(() => cleanupTempDirs());

beforeEach(() => {
  outside = tempDir('cf-outside-');
  victim = join(outside, 'id_rsa');
  writeFileSync(victim, 'secret');
  chmodSync(victim, 0o644);
  utimesSync(victim, MTIME, MTIME);
});

function modeOf(path: string): number {
  return statSync(path).mode & 0o7777;
}

function expectVictimUntouched(): void {
  const st = statSync(victim);
  expect(st.mode & 0o7777).toBe(0o644);
  expect(Math.round(st.mtimeMs / 1000)).toBe(MTIME);
  expect(st.uid).toBe(process.getuid!());
  const xattr = spawnSync(metadata, ['getxattr', victim], { encoding: 'utf8' });
  expect(xattr.stdout.trim()).not.toBe('OK');
}

/** Runs the fixture under `kind`'s policy; the sandbox may read `outside` (as it reads its runtime). */
async function attack(kind: 'worker' | 'command', what: string, path: string, agent: AgentSpec = spec(), slotDir = tempDir('cf-slot-')) {
  const policy = compilePolicy(agent, { kind, slotDir, program: [metadata], extraRead: [outside] });
  const r = await runUnder(policy, [metadata, what, path]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

const OUTSIDE_ATTACKS = ['chmod', 'fchmodat', 'fchmod-suid', 'fchmod-600', 'chown', 'fchown', 'utimes-past', 'setxattr'] as const;

describe('the attacks are real', () => {
  it.each(OUTSIDE_ATTACKS)('%s on the file succeeds without the sandbox', (what) => {
    const control = join(tempDir('cf-control-'), 'f');
    writeFileSync(control, 'x');
    const r = spawnSync(metadata, [what, control], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('OK');
  });
});

describe('worker policy: file metadata', () => {
  it.each(OUTSIDE_ATTACKS)('%s on a readable file outside the slot fails with EPERM', async (what) => {
    expect(await attack('worker', what, victim)).toBe('ERR EPERM');
    expectVictimUntouched();
  });

  it('utimensat to "now" and removexattr fail with EPERM too', async () => {
    expect(await attack('worker', 'utimes-now', victim)).toBe('ERR EPERM');
    expect(await attack('worker', 'removexattr', victim)).toBe('ERR EPERM');
    expectVictimUntouched();
  });

  it('listing @file-metadata and @xattr in allowed_syscalls gives the worker nothing', async () => {
    const agent = spec({ allowed_syscalls: ['@file-metadata', '@xattr'] });
    expect(await attack('worker', 'chmod', victim, agent)).toBe('ERR EPERM');
    expect(await attack('worker', 'utimes-past', victim, agent)).toBe('ERR EPERM');
    expect(await attack('worker', 'setxattr', victim, agent)).toBe('ERR EPERM');
    expectVictimUntouched();
  });

  it('fchmod on a file in the slot works, but never to set-uid', async () => {
    const slot = tempDir('cf-slot-');
    const own = join(slot, 'own');
    writeFileSync(own, 'x');
    chmodSync(own, 0o644);
    sandboxOwned(own);
    expect(await attack('worker', 'fchmod-600', own, spec(), slot)).toBe('OK');
    expect(modeOf(own)).toBe(0o600);
    expect(await attack('worker', 'fchmod-suid', own, spec(), slot)).toBe('ERR EPERM');
    expect(modeOf(own)).toBe(0o600);
  });

  it('fchmod through a hard link or a symlink in the slot to a file outside fails with EPERM', async () => {
    const slot = tempDir('cf-slot-');
    linkSync(victim, join(slot, 'hard'));
    symlinkSync(victim, join(slot, 'soft'));
    expect(await attack('worker', 'fchmod-600', join(slot, 'hard'), spec(), slot)).toBe('ERR EPERM');
    expect(await attack('worker', 'fchmod-600', join(slot, 'soft'), spec(), slot)).toBe('ERR EPERM');
    expectVictimUntouched();
  });

  it('fs.copyFile (sync and async) works inside a worker and keeps the mode', async () => {
    const slotDir = tempDir('cf-slot-');
    const policy = compilePolicy(spec(), { kind: 'worker', slotDir, program: [process.execPath] });
    const script = `
      const fs = require('fs');
      fs.copyFileSync('src.txt', 'sync.txt');
      fs.promises.copyFile('src.txt', 'async.txt').then(() => console.log('done'), (e) => console.log(e.code));`;
    writeFileSync(join(slotDir, 'src.txt'), 'copied');
    chmodSync(join(slotDir, 'src.txt'), 0o640);
    sandboxOwned(join(slotDir, 'src.txt'));
    const r = await runUnder(policy, [process.execPath, '-e', script]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('done');
    for (const name of ['sync.txt', 'async.txt']) {
      expect(readFileSync(join(slotDir, name), 'utf8')).toBe('copied');
      expect(modeOf(join(slotDir, name))).toBe(0o640);
    }
  });
});

describe('worker policy: inotify', () => {
  it('a watch on a private directory outside fails with EPERM, also with @file-watch listed', async () => {
    expect(await attack('worker', 'inotify', outside)).toBe('ERR EPERM');
    expect(await attack('worker', 'inotify', outside, spec({ allowed_syscalls: ['@file-watch'] }))).toBe('ERR EPERM');
  });

  it('the same watch works without the sandbox', () => {
    expect(spawnSync(metadata, ['inotify', outside], { encoding: 'utf8' }).stdout.trim()).toBe('OK');
  });
});

describe('command policy: file metadata and inotify', () => {
  async function command(argv: readonly string[], agent: AgentSpec = spec(), slotDir = tempDir('cf-slot-')) {
    const policy = compilePolicy(agent, { kind: 'command', slotDir, program: argv, extraRead: [outside] });
    return runUnder(policy, argv);
  }

  it.each(OUTSIDE_ATTACKS)('%s on a readable file outside the worktree fails with EPERM', async (what) => {
    expect(await attack('command', what, victim)).toBe('ERR EPERM');
    expectVictimUntouched();
  });

  it('chmod 4777 and touch -d on a file outside fail (Operation not permitted)', async () => {
    const chmod = await command(['chmod', '4777', victim]);
    expect(chmod.code).not.toBe(0);
    expect(chmod.stderr).toMatch(/Operation not permitted/);
    const touch = await command(['touch', '-d', '2001-01-01', victim]);
    expect(touch.code).not.toBe(0);
    // touch first tries to open the file for writing (Landlock: EACCES), then sets the times (seccomp: EPERM).
    expect(touch.stderr).toMatch(/Operation not permitted|Permission denied/);
    expectVictimUntouched();
  });

  it('inotify is refused by default', async () => {
    expect(await attack('command', 'inotify', outside)).toBe('ERR EPERM');
  });

  it('touch of a new file and fs.copyFile work in the worktree', async () => {
    const slotDir = tempDir('cf-slot-');
    const touch = await command(['touch', join(slotDir, 'new')], spec(), slotDir);
    expect(touch.stderr).toBe('');
    expect(touch.code).toBe(0);
    writeFileSync(join(slotDir, 'src.txt'), 'copied');
    chmodSync(join(slotDir, 'src.txt'), 0o640);
    sandboxOwned(join(slotDir, 'src.txt'));
    const node = await command(
      [process.execPath, '-e', "require('fs').promises.copyFile('src.txt', 'async.txt').then(() => console.log('done'), (e) => console.log(e.code))"],
      spec(),
      slotDir,
    );
    expect(node.stdout.trim()).toBe('done');
    expect(modeOf(join(slotDir, 'async.txt'))).toBe(0o640);
  });

  it('listing @file-metadata and @file-watch opts the commands in (the documented weakening)', async () => {
    const agent = spec({ allowed_syscalls: ['@file-metadata', '@file-watch'] });
    expect(await attack('command', 'inotify', outside, agent)).toBe('OK');
    const dir = join(outside, 'sub');
    mkdirSync(dir);
    sandboxOwned(dir); // a folder of the user's own, outside the worktree
    expect(await attack('command', 'chmod', dir, agent)).toBe('OK');
    expect(modeOf(dir)).toBe(0o4777);
  });
});

describe('the fchmod handler itself', () => {
  it('the worker does not hold the seccomp listener (with it, it could answer its own fchmod)', async () => {
    const slotDir = tempDir('cf-slot-');
    const policy = compilePolicy(spec(), { kind: 'worker', slotDir, program: [process.execPath] });
    const script = `
      const fs = require('fs');
      const links = fs.readdirSync('/proc/self/fd').map((fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd); } catch { return ''; } });
      console.log(JSON.stringify(links));`;
    const r = await runUnder(policy, [process.execPath, '-e', script]);
    expect(r.stderr).toBe('');
    const links = JSON.parse(r.stdout) as string[];
    expect(links.length).toBeGreaterThan(2);
    expect(links.filter((l) => /seccomp/.test(l))).toEqual([]);
  });

  it("a command gets none of the resident launcher's own exceptions (pidfd_getfd, fchmodat)", async () => {
    const attackBin = buildFixture('attack', tempDir('cf-bin-'));
    const slotDir = tempDir('cf-slot-');
    const nr = X86_64_SYSCALLS['pidfd_getfd']!;
    const policy = compilePolicy(spec(), { kind: 'command', slotDir, program: [attackBin] });
    const r = await runUnder(policy, [attackBin, 'syscall', String(nr)]);
    expect(r.stdout.trim()).toBe('ERR EPERM');
    const own = join(slotDir, 'own');
    writeFileSync(own, 'x');
    expect(await attack('command', 'fchmodat', own, spec(), slotDir)).toBe('ERR EPERM');
  });

  it("holds none of the worker's stdio: its stderr is /dev/null, so the worker's pipes close when the worker exits", async () => {
    const slotDir = tempDir('cf-slot-');
    const policy = compilePolicy(spec(), { kind: 'worker', slotDir, program: [process.execPath] });
    const s = buildSandboxedSpawn(policy, [process.execPath, '-e', "console.log('up'); setTimeout(() => {}, 600)"]);
    const child = spawn(s.file, s.args, { cwd: s.cwd, env: s.env, stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    const handler = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim());
    const fd = (n: number): string | undefined => {
      try {
        return readlinkSync(`/proc/${handler}/fd/${n}`);
      } catch {
        return undefined;
      }
    };
    await waitFor(() => fd(2) === '/dev/null', "the handler to let go of the worker's stderr");
    const held = readdirSync(`/proc/${handler}/fd`).map((n) => fd(Number(n)));
    expect(held.filter((link) => link?.startsWith('pipe:'))).toEqual([]); // the worker's stdin, stdout and stderr are pipes here
    const closed = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    expect(closed).toBe(0);
  });

  it('dies with the worker: kill -9 of the worker leaves no handler behind', async () => {
    const slotDir = tempDir('cf-slot-');
    const policy = compilePolicy(spec(), { kind: 'worker', slotDir, program: [process.execPath] });
    const s = buildSandboxedSpawn(policy, [process.execPath, '-e', "console.log('up'); setInterval(() => {}, 1000)"]);
    const child = spawn(s.file, s.args, { cwd: s.cwd, env: s.env, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    expect(children).toHaveLength(1);
    const handler = children[0]!;
    expect(readFileSync(`/proc/${handler}/cmdline`, 'utf8')).toContain('codex-fleet-launcher');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await waitFor(() => !isAlive(handler), 'the handler to die with its worker');
  });
});
