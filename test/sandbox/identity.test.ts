/**
 * Sandboxed code never runs as root. This machine (like CI and many containers) runs the tests as root,
 * which is the case that matters: root without capabilities still owns most files, and Landlock does not
 * cover metadata. Under both policies a program tries to change the mode, owner, times and xattrs of a
 * file it can read (and of the Node binary itself), and reports its uid, groups and capabilities.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSandboxUser, resolveSandboxIdentity } from '../../src/sandbox/identity.js';
import { compilePolicy, type SandboxKind } from '../../src/sandbox/policy.js';
import { buildSandboxedSpawn, SandboxReachError } from '../../src/sandbox/launcher.js';
import { ownershipMessage } from '../../src/sandbox/reach.js';
import { buildFixture, cleanupTempDirs, ensureLauncher, runUnder, spec, tempDir } from './helpers.js';

let escape: string;
let victimDir: string;
let victim: string;

beforeAll(() => {
  ensureLauncher();
  escape = buildFixture('escape', tempDir('cf-bin-'));
  victimDir = tempDir('cf-victim-');
  victim = join(victimDir, 'config.txt');
  writeFileSync(victim, 'root-owned, readable by everyone\n');
  chmodSync(victim, 0o644);
});

afterAll(() => cleanupTempDirs());

function policy(kind: SandboxKind, program: readonly string[]) {
  return compilePolicy(spec(), { kind, slotDir: tempDir('cf-slot-'), program, extraRead: [victimDir] });
}

async function attempt(kind: SandboxKind, what: string, arg = victim): Promise<string> {
  const r = await runUnder(policy(kind, [escape]), [escape, what, arg]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

/** Mode, owner, times and xattrs of a file, to compare before and after an attack. */
function metadata(path: string): unknown {
  const st = statSync(path);
  const xattrs = spawnSync('getfattr', ['-d', '--absolute-names', path], { encoding: 'utf8' });
  return { mode: st.mode, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs, atimeMs: st.atimeMs, xattrs: xattrs.stdout ?? '' };
}

describe('sandboxed code runs as an unprivileged user when the fleet is root', () => {
  it('this machine runs the tests as root (the case under test)', () => {
    expect(process.geteuid?.()).toBe(0);
    expect(policy('worker', [escape]).identity).toEqual({ uid: 65534, gid: 65534 });
  });

  for (const kind of ['worker', 'command'] as const) {
    it(`${kind}: uid and gid are 65534, no supplementary groups, no capabilities at all`, async () => {
      expect(await attempt(kind, 'ids')).toBe('65534 65534 0');
      expect(await attempt(kind, 'caps')).toBe('eff=00 prm=00 inh=00 bounding=0');
    });
  }

  it('command: `id -u` prints 65534', async () => {
    const r = await runUnder(policy('command', ['/usr/bin/id']), ['/usr/bin/id', '-u']);
    expect(r.stdout.trim()).toBe('65534');
    expect(r.code).toBe(0);
  });

  it('worker: fchmod of a file it can read (e.g. set it to 4777) fails with EPERM', async () => {
    const before = metadata(victim);
    expect(await attempt('worker', 'fchmod')).toBe('ERR EPERM');
    expect(await attempt('worker', 'fchmod', process.execPath)).toBe('ERR EPERM');
    expect(metadata(victim)).toEqual(before);
  });

  it('command: chmod, chown, utimes and setxattr of a file it can read fail; touch (times = now) fails with EACCES', async () => {
    const before = metadata(victim);
    const node = metadata(process.execPath);
    expect(await attempt('command', 'chmod')).toBe('ERR EPERM');
    expect(await attempt('command', 'chmod', process.execPath)).toBe('ERR EPERM');
    expect(await attempt('command', 'fchmod')).toBe('ERR EPERM');
    expect(await attempt('command', 'chown')).toBe('ERR EPERM');
    expect(await attempt('command', 'utimes')).toBe('ERR EPERM');
    expect(await attempt('command', 'touch')).toBe('ERR EACCES');
    expect(await attempt('command', 'setxattr')).toMatch(/^ERR (EPERM|EACCES)$/);
    expect(metadata(victim)).toEqual(before);
    expect(metadata(process.execPath)).toEqual(node);
  });

  it('its slot is its own: it owns what it makes there and may touch it', async () => {
    const slotDir = tempDir('cf-slot-');
    const mine = join(slotDir, 'mine.txt');
    const p = compilePolicy(spec(), { kind: 'command', slotDir, program: [escape] });
    // (Mode changes are refused to commands whoever owns the file, unless the spec opts in; setting times to "now" is not.)
    const r = await runUnder(p, ['/bin/sh', '-c', `echo hi > ${mine} && ${escape} touch ${mine}`]);
    expect(r.stdout.trim()).toBe('OK');
    expect(statSync(mine).uid).toBe(65534);
    expect(statSync(slotDir).uid).toBe(65534);
  });
});

describe('--sandbox-user', () => {
  it('parses UID[:GID] and refuses anything else with one clear message', () => {
    expect(parseSandboxUser('1234')).toEqual({ uid: 1234, gid: 1234 });
    expect(parseSandboxUser('1234:99')).toEqual({ uid: 1234, gid: 99 });
    expect(() => parseSandboxUser('nobody')).toThrow('--sandbox-user expects UID[:GID] as numbers, got "nobody" (uid "nobody")');
    expect(() => parseSandboxUser('1:2:3')).toThrow('--sandbox-user expects UID[:GID], got "1:2:3"');
  });

  it('never resolves to root, and needs root to name another user', () => {
    expect(() => resolveSandboxIdentity({ uid: 0, gid: 0 }, 0)).toThrow(
      '--sandbox-user 0:0: sandboxed code never runs as uid 0 or gid 0; pick an unprivileged user such as 65534:65534',
    );
    expect(resolveSandboxIdentity(undefined, 0)).toEqual({ uid: 65534, gid: 65534 });
    expect(resolveSandboxIdentity(undefined, 1000)).toBeUndefined();
    expect(() => resolveSandboxIdentity({ uid: 2000, gid: 2000 }, 1000)).toThrow(
      '--sandbox-user 2000:2000 needs root: codex fleet runs as uid 1000, and sandboxed code runs as that user',
    );
  });

  it('a program the sandbox user cannot read is refused before anything runs, naming the path', () => {
    const hidden = join(tempDir('cf-private-'), 'inner');
    mkdirSync(hidden, { mode: 0o700 });
    chmodSync(hidden, 0o700);
    const program = join(hidden, 'escape');
    writeFileSync(program, '#!/bin/sh\n', { mode: 0o755 });
    const p = compilePolicy(spec(), { kind: 'command', slotDir: tempDir('cf-slot-'), program: [program] });
    expect(() => buildSandboxedSpawn(p, [program])).toThrow(SandboxReachError);
    expect(() => buildSandboxedSpawn(p, [program])).toThrow(`${hidden} is not searchable by uid 65534 (owner 0, mode 700)`);
  });

  it('a user that owns a file the sandbox can read is refused: it could change that file', () => {
    const dir = tempDir('cf-owned-');
    const owned = join(dir, 'owned.txt');
    writeFileSync(owned, 'x');
    spawnSync('chown', ['4242:4242', owned]);
    expect(statSync(owned).uid).toBe(4242);
    const p = compilePolicy(spec(), { kind: 'worker', slotDir: tempDir('cf-slot-'), extraRead: [dir], identity: { uid: 4242, gid: 4242 } });
    expect(ownershipMessage(p)).toBe(
      `Cannot sandbox agent "test-bot" as uid 4242: that user owns files the sandbox can read, so it could change their mode, times or xattrs ` +
        `(${owned} belongs to the sandbox user 4242). Give those files to another owner, or pick a user that owns nothing with --sandbox-user UID[:GID]`,
    );
    const clean = compilePolicy(spec(), { kind: 'worker', slotDir: tempDir('cf-slot-'), extraRead: [victimDir] });
    expect(ownershipMessage(clean)).toBeUndefined();
  });
});

describe('the slot as the sandbox user left it', () => {
  it('a symlink planted in place of .home is removed, never followed: its target keeps its owner', async () => {
    const slotDir = tempDir('cf-slot-');
    const p = compilePolicy(spec(), { kind: 'worker', slotDir, program: [escape] });
    expect((await runUnder(p, [escape, 'ids'])).stdout.trim()).toBe('65534 65534 0');
    rmSync(join(slotDir, '.home'), { recursive: true });
    symlinkSync(victimDir, join(slotDir, '.home'));
    expect((await runUnder(p, [escape, 'ids'])).stdout.trim()).toBe('65534 65534 0');
    expect(lstatSync(join(slotDir, '.home')).isDirectory()).toBe(true);
    expect(statSync(victimDir).uid).toBe(0);
    expect(statSync(victim).uid).toBe(0);
  });
});
