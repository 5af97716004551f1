import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_SYSCALLS, SYSCALL_GROUPS } from '../../src/spec/syscalls/catalog.js';
import { X86_64_SYSCALLS } from '../../src/spec/syscalls/table-x86_64.js';
import { compilePolicy, launcherArgs, programFileGrants, resolveSyscalls, SandboxPolicyError, withSlot } from '../../src/sandbox/policy.js';
import { sandboxEnv } from '../../src/sandbox/env.js';
import { checkPolicy, type KernelReport } from '../../src/sandbox/check.js';
import { spec } from './helpers.js';

const slot = '/tmp/cf-policy-test-slot';

describe('policy compiler', () => {
  it('has the whole base set, and nothing that creates processes or sockets, for workers', () => {
    const p = compilePolicy(spec(), { kind: 'worker', slotDir: slot });
    for (const name of BASE_SYSCALLS) expect(p.syscalls).toContain(name);
    for (const name of ['fork', 'vfork', 'clone3', 'socket', 'socketpair', 'ptrace', 'io_uring_setup']) {
      expect(p.syscalls).not.toContain(name);
    }
    expect(p.syscallNumbers).toEqual(p.syscalls.map((n) => X86_64_SYSCALLS[n]).sort((a, b) => a! - b!));
    expect(Object.isFrozen(p)).toBe(true);
    expect(p.requiredLandlockAbi).toBe(1);
  });

  it('gives a compiled policy another slot exactly as compiling it for that slot would', () => {
    for (const kind of ['worker', 'command'] as const) {
      const first = compilePolicy(spec({ read_paths: ['/usr/share'] }), { kind, slotDir: slot });
      const other = withSlot(first, `${slot}-7`);
      expect(other).toEqual(compilePolicy(spec({ read_paths: ['/usr/share'] }), { kind, slotDir: `${slot}-7` }));
      expect(other.write).toContain(`${slot}-7`);
      expect([...other.read, ...other.exec, ...other.write]).not.toContain(slot);
      expect(Object.isFrozen(other) && Object.isFrozen(other.write) && Object.isFrozen(other.exec)).toBe(true);
      expect(() => withSlot(first, 'relative/slot')).toThrow(/must be absolute/);
    }
  });

  it('expands groups', () => {
    const p = compilePolicy(spec({ allowed_syscalls: ['@timer', 'mlock'] }), { kind: 'worker', slotDir: slot });
    for (const name of SYSCALL_GROUPS['@timer']!.syscalls) expect(p.syscalls).toContain(name);
    expect(p.syscalls).toContain('mlock');
  });

  it('gives file metadata, xattr writers and inotify to commands only, and only when listed', () => {
    const asked = spec({ allowed_syscalls: ['@file-metadata', '@xattr', 'inotify_init1'] });
    const worker = compilePolicy(asked, { kind: 'worker', slotDir: slot });
    const command = compilePolicy(asked, { kind: 'command', slotDir: slot });
    const byDefault = compilePolicy(spec(), { kind: 'command', slotDir: slot });
    for (const name of ['chmod', 'fchownat', 'utimensat', 'setxattr', 'inotify_init1']) {
      expect(worker.syscalls).not.toContain(name);
      expect(byDefault.syscalls).not.toContain(name);
      expect(command.syscalls).toContain(name);
    }
    // Reading xattrs stays; fchmod stays (the launcher checks it).
    expect(worker.syscalls).toContain('getxattr');
    expect(byDefault.syscalls).toContain('getxattr');
    expect(worker.syscalls).toContain('fchmod');
  });

  it('reports forbidden and unknown syscalls by name', () => {
    const bad = spec({ allowed_syscalls: ['ptrace', '@timer', 'io_uring_setup', 'not_a_syscall', '@nope'] });
    let error: unknown;
    try {
      resolveSyscalls(bad, 'worker');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SandboxPolicyError);
    const e = error as SandboxPolicyError;
    expect(e.forbidden.map((f) => f.name)).toEqual(['ptrace', 'io_uring_setup']);
    expect(e.unknown).toEqual(['@nope', 'not_a_syscall']);
    expect(e.message).toBe(
      'Agent "test-bot" allowed_syscalls: "ptrace" is never allowed (tracing other processes escapes the sandbox); ' +
        '"io_uring_setup" is never allowed (io_uring bypasses the syscall filter); ' +
        '"@nope" is not a known x86_64 syscall or @group; "not_a_syscall" is not a known x86_64 syscall or @group',
    );
    expect(() => compilePolicy(spec({ allowed_syscalls: ['socket'] }), { kind: 'worker', slotDir: slot })).toThrow(
      /"socket" is never allowed \(workers have no network and no sockets/,
    );
  });

  it('needs signal scoping (ABI 6) when a worker may send signals; commands confine signals on any ABI', () => {
    const w = compilePolicy(spec({ allowed_syscalls: ['@signal'] }), { kind: 'worker', slotDir: slot });
    expect(w.requiredLandlockAbi).toBe(6);
    expect(w.confineSignals).toBe(true);
    expect(compilePolicy(spec(), { kind: 'worker', slotDir: slot }).confineSignals).toBe(false);
    const c = compilePolicy(spec(), { kind: 'command', slotDir: slot, timeoutS: 5 });
    expect(c.requiredLandlockAbi).toBe(1);
    expect(c.confineSignals).toBe(true);
    expect(c.syscalls).toEqual(expect.arrayContaining(['fork', 'wait4', 'socketpair', 'sendmsg', 'kill']));
    for (const name of ['clone3', 'socket', 'connect', 'bind', 'listen', 'accept4']) expect(c.syscalls).not.toContain(name);
    expect(launcherArgs(c)).toEqual(expect.arrayContaining(['--policy', 'command', '--timeout-s', '5', '--require-abi', '1', '--confine-signals']));
  });

  it('lets a command run what its workspace holds and read the CA bundle, never private keys', () => {
    const c = compilePolicy(spec(), { kind: 'command', slotDir: slot });
    expect(c.exec).toContain(slot);
    expect(c.write).toContain(slot);
    expect(c.read).toContain('/etc/ssl/certs');
    expect([...c.read, ...c.exec].some((p) => p === '/etc' || p === '/etc/ssl' || p.startsWith('/etc/ssl/private'))).toBe(false);
    // A worker's slot is writable, never executable.
    expect(compilePolicy(spec(), { kind: 'worker', slotDir: slot }).exec).not.toContain(slot);
  });

  it('reads the runtime and the plugin, writes only the slot, never home or the repository', () => {
    const p = compilePolicy(spec(), { kind: 'worker', slotDir: slot });
    expect(p.write).toEqual([slot, '/dev/null']);
    expect(p.exec).toContain(process.execPath);
    expect(p.exec.some((e) => e.includes('ld-linux'))).toBe(true);
    // The plugin file, not the folder around it (a single-file plugin is no package).
    expect(p.read.some((r) => r.endsWith('/test/sandbox/fixtures/plugin.js'))).toBe(true);
    expect(p.read.some((r) => r.endsWith('/test/sandbox/fixtures'))).toBe(false);
    for (const path of [...p.read, ...p.exec]) {
      expect(path === '/' || path === '/root' || path === '/home' || path.startsWith('/home/') || path === process.cwd()).toBe(false);
    }
    expect(p.rlimits.dataBytes).toBe(512 * 1024 * 1024);
  });

  it('lets a command worker run its own program', () => {
    const p = compilePolicy(spec({ worker: { kind: 'command', argv: ['/usr/bin/python3', '/tmp/bot.py'] } }), {
      kind: 'worker',
      slotDir: slot,
    });
    expect(p.exec.some((e) => e.includes('python3'))).toBe(true);
    expect(p.read).toContain('/usr/lib');
  });
});

describe('program file grants', () => {
  it('grant a plugin package its own folder, but never a folder that is the user\'s project', () => {
    const root = mkdtempSync(join(tmpdir(), 'fleet-grants-'));
    try {
      const pkg = join(root, 'my-plugin');
      mkdirSync(pkg);
      writeFileSync(join(pkg, 'package.json'), '{}');
      writeFileSync(join(pkg, 'index.js'), '');
      expect(programFileGrants(join(pkg, 'index.js'))).toEqual([join(pkg, 'index.js'), pkg]);
      writeFileSync(join(pkg, '.env'), 'OPENAI_API_KEY=sk-secret');
      expect(programFileGrants(join(pkg, 'index.js'))).toEqual([join(pkg, 'index.js')]);
      mkdirSync(join(root, '.git'));
      writeFileSync(join(root, 'package.json'), '{}');
      writeFileSync(join(root, 'bot.js'), '');
      expect(programFileGrants(join(root, 'bot.js'))).toEqual([join(root, 'bot.js')]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('sandbox environment', () => {
  it('is an allow-list: no keys, HOME in the slot', () => {
    const env = sandboxEnv({
      kind: 'worker',
      slotDir: slot,
      agent: 'x',
      from: { OPENAI_API_KEY: 'sk-secret', GITHUB_TOKEN: 'ghp', LANG: 'en_US.UTF-8', TZ: 'UTC', TERM: 'xterm', NODE_OPTIONS: '--require /x' },
    });
    expect(Object.keys(env).sort()).toEqual(['CODEX_FLEET_AGENT', 'CODEX_FLEET_SLOT', 'HOME', 'LANG', 'PATH', 'TMPDIR', 'TZ']);
    expect(env['HOME']!.startsWith(slot + '/')).toBe(true);
    expect(sandboxEnv({ kind: 'command', slotDir: slot, agent: 'x', from: { TERM: 'xterm' } })['TERM']).toBe('xterm');
  });
});

describe('kernel check', () => {
  const report: KernelReport = {
    launcher_version: 1, arch: 'x86_64', kernel: '6.1.0', landlock_abi: 3, landlock_kernel_abi: 3, landlock_status: 'ok',
    landlock_fs: true, landlock_net: false, landlock_scope: false, seccomp: true, no_new_privs: true, euid: 0,
    pid_namespace: 'privileged',
  };
  const command = { kind: 'command', requiredLandlockAbi: 1, requiredFor: 'filesystem rules', confineSignals: true } as const;
  it('accepts a worker on ABI 3 with notes, refuses a signalling worker with advice', () => {
    const worker = checkPolicy(report, { kind: 'worker', requiredLandlockAbi: 1, requiredFor: 'filesystem rules' });
    expect(worker.ok).toBe(true);
    expect(worker.notes.length).toBeGreaterThan(0);
    const signalling = checkPolicy(report, { kind: 'worker', requiredLandlockAbi: 6, requiredFor: 'signal scoping', confineSignals: true });
    expect(signalling.ok).toBe(false);
    expect(signalling.advice).toBe('Upgrade to Linux 6.12 or newer (Landlock ABI 6); this kernel (6.1.0) has ABI 3.');
  });
  it('accepts commands below ABI 6 where a PID namespace can be made, and says what is missing where none can', () => {
    const ok = checkPolicy(report, command);
    expect(ok.ok).toBe(true);
    expect(ok.notes).toContain('no Landlock signal scoping (ABI < 6): commands run in a PID namespace of their own (privileged)');
    const refused = checkPolicy({ ...report, pid_namespace: 'none' }, command);
    expect(refused.ok).toBe(false);
    expect(refused.missing).toEqual([
      'commands may send signals and nothing can keep them inside the sandbox: Landlock ABI 3 has no signal scoping ' +
        '(needs 6) and the launcher cannot create a PID namespace',
    ]);
    expect(refused.advice).toBe(
      'To confine signals, run the fleet as root, or allow unprivileged user namespaces (sysctl user.max_user_namespaces > 0; ' +
        'Debian: kernel.unprivileged_userns_clone=1; Ubuntu: kernel.apparmor_restrict_unprivileged_userns=0), ' +
        'or use Linux 6.12 or newer (Landlock ABI 6).',
    );
    expect(checkPolicy({ ...report, landlock_abi: 7, pid_namespace: 'none' }, command).ok).toBe(true);
  });
});
