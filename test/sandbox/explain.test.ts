/**
 * Explain mode: the real CLI runs a real program under the real launcher; the launcher's notification
 * handler records each refused syscall, and the CLI names it and the allowed_syscalls entry that would
 * allow it. The program still sees the refusal (EPERM): explaining changes nothing it is allowed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X86_64_SYSCALLS } from '../../src/spec/syscalls/table-x86_64.js';
import { adviceFor, parseExplain } from '../../src/sandbox/explain.js';
import { repoRoot, runFleet } from '../helpers/cli.js';
import { buildFixture, cleanupTempDirs, ensureLauncher, tempDir } from './helpers.js';

let attack: string;
let metadata: string;

beforeAll(() => {
  ensureLauncher();
  const bin = tempDir('cf-bin-');
  attack = buildFixture('attack', bin);
  metadata = buildFixture('metadata', bin);
});

afterAll(() => cleanupTempDirs());

describe('codex fleet sandbox --explain', () => {
  it('names a refused syscall and the group that would allow it, and the program still gets EPERM', () => {
    const nr = X86_64_SYSCALLS['timer_create']!;
    const r = runFleet(['sandbox', '--agent', 'patch-bot', '--explain', '--', attack, 'syscall', String(nr)]);
    expect(r.stdout.trim()).toBe('ERR EPERM');
    expect(r.stderr).toContain(`  timer_create (${nr}) x1: allowed_syscalls: add "@timer" (or "timer_create" alone)\n`);
    expect(r.stderr).toContain('codex fleet explain: Landlock refusals are not visible on this kernel (Landlock ABI');
    expect(r.status).toBe(0); // the program's own status, passed through
  });

  it('says when nothing can allow a syscall, and which ones only commands may get', () => {
    const socket = runFleet(['sandbox', '--agent', 'patch-bot', '--explain', '--', attack, 'unix', '/nonexistent.sock']);
    expect(socket.stdout.trim()).toBe('ERR EPERM');
    expect(socket.stderr).toMatch(/ {2}socket \(41\) x1: never allowed: workers have no network and no sockets/);
    const watch = runFleet(['sandbox', '--agent', 'patch-bot', '--explain', '--', metadata, 'inotify', '/tmp']);
    expect(watch.stdout.trim()).toBe('ERR EPERM');
    expect(watch.stderr).toMatch(/ {2}inotify_init1 \(294\) x1: never allowed for workers: Landlock does not confine inotify.*"@file-watch" lets only this agent's commands use it/);
  });

  it('lists an fchmod the launcher refused, with the path', () => {
    const r = runFleet(['sandbox', '--agent', 'patch-bot', '--explain', '--', metadata, 'fchmod-600', '/etc/ld.so.cache']);
    expect(r.stdout.trim()).toBe('ERR EPERM');
    expect(r.stderr).toContain('codex fleet explain: fchmod to 600 of "/etc/ld.so.cache" refused (EPERM): modes change only for files inside the slot');
  });

  it('is refused with the command policy, which it does not cover', () => {
    const r = runFleet(['sandbox', '--agent', 'patch-bot', '--explain', '--command-policy', '--', 'true']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--explain covers the worker policy only');
  });
});

describe('codex fleet conformance --agent NAME --explain', () => {
  it('runs the kit, then names what the worker was refused', () => {
    // The reference Python worker, with one refused call in front: setpriority (@scheduler).
    const dir = tempDir('cf-explain-agent-');
    mkdirSync(join(dir, 'agents'));
    const worker = readFileSync(join(repoRoot, 'examples/python-worker/worker.py'), 'utf8');
    writeFileSync(
      join(dir, 'worker.py'),
      'import os\ntry:\n    os.setpriority(os.PRIO_PROCESS, 0, 5)\nexcept OSError:\n    pass\n' + worker,
    );
    writeFileSync(
      join(dir, 'agents', 'nice-worker.yaml'),
      'name: nice-worker\nrole: Tries to lower its priority, then works.\nmodel: gpt-4.1-nano\nmax_tokens: 256\n' +
        'cost_budget: 0.05\ncommand: [/usr/bin/python3, ../worker.py]\n',
    );
    const r = runFleet(['conformance', '--agent', 'nice-worker', '--agents-dir', join(dir, 'agents'), '--explain']);
    expect(r.stdout).toMatch(/\d+ checks: \d+ passed, 0 failed/);
    const nr = X86_64_SYSCALLS['setpriority']!;
    // The kit starts the worker several times; each start tries once.
    expect(r.stdout).toMatch(new RegExp(` {2}setpriority \\(${nr}\\) x\\d+: allowed_syscalls: add "@scheduler" \\(or "setpriority" alone\\)\\n`));
    expect(r.stdout).toContain('explain: Landlock refusals are not visible on this kernel');
    expect(r.status).toBe(0);
  });

  it('needs --agent', () => {
    const r = runFleet(['conformance', '--explain', '--', '/usr/bin/python3', 'examples/python-worker/worker.py']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--explain needs --agent NAME');
  });
});

describe('explain records', () => {
  it('counts refusals per syscall, most frequent first, and ignores lines it does not know', () => {
    const kill = X86_64_SYSCALLS['kill']!;
    const fork = X86_64_SYSCALLS['fork']!;
    const report = parseExplain(`refused ${fork} 0\nrefused ${kill} 1\nrefused ${kill} 2\nsomething newer\nfchmod 1 600 /etc/passwd\n`);
    expect(report.syscalls.map((s) => [s.name, s.count])).toEqual([
      ['kill', 2],
      ['fork', 1],
    ]);
    expect(report.syscalls[0]!.advice).toBe('allowed_syscalls: add "@signal" (or "kill" alone)');
    expect(report.syscalls[1]!.advice).toMatch(/^never allowed: workers may never create processes/);
    expect(report.fchmod).toEqual([{ error: 'EPERM', mode: '600', path: '/etc/passwd' }]);
  });

  it('names x32 and catalog refusals as never allowed, with the catalog reason', () => {
    expect(adviceFor(0x40000000 | 1).advice).toBe('never allowed: the x32 ABI is refused');
    expect(adviceFor(X86_64_SYSCALLS['pidfd_getfd']!).advice).toBe('never allowed: taking file descriptors from other processes escapes the sandbox');
    expect(adviceFor(X86_64_SYSCALLS['setxattr']!).advice).toMatch(/^never allowed for workers: .*"@xattr" lets only this agent's commands/);
  });
});
