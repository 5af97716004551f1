/**
 * limits.threads and limits.disk_mb under the real launcher: a program starting 4096 threads is stopped
 * at the limit (by a pids cgroup, and by RLIMIT_NPROC where no cgroup can be had), and no file grows past
 * disk_mb (RLIMIT_FSIZE; SIGXFSZ is ignored so the write fails with EFBIG). fallocate with KEEP_SIZE
 * passes RLIMIT_FSIZE: the supervisor's size check (diskUsage) sees it.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetCgroup } from '../../src/sandbox/cgroup.js';
import { compilePolicy } from '../../src/sandbox/policy.js';
import { diskUsage } from '../../src/supervisor/disk-watch.js';
import { buildFixture, cleanupTempDirs, ensureLauncher, runUnder, spec, tempDir } from './helpers.js';

let escape: string;
const key = `test-limits-${process.pid}`;

beforeAll(() => {
  ensureLauncher();
  escape = buildFixture('escape', tempDir('cf-bin-'));
});

afterAll(() => {
  FleetCgroup.open(key)?.close();
  cleanupTempDirs();
});

const limits = (threads: number, disk_mb: number) => ({ max_turns: 1, wall_time_s: 60, retries: 0, memory_mb: 512, threads, disk_mb });

/** "started N ERR E" → [N, E]. */
function threadsResult(stdout: string): [number, string] {
  const m = /^started (\d+)(?: ERR (\w+))?$/.exec(stdout.trim());
  expect(m, stdout).not.toBeNull();
  return [Number(m![1]), m![2] ?? 'none'];
}

describe('limits.threads', () => {
  it('a worker starting 4096 threads is stopped at the limit by its pids cgroup (EAGAIN)', async () => {
    const cgroup = FleetCgroup.open(key);
    expect(cgroup?.version).toBe(1); // this machine offers pids on cgroup v1 only
    const policy = compilePolicy(spec({ limits: limits(64, 1024) }), { kind: 'worker', slotDir: tempDir('cf-slot-'), program: [escape] });
    const dir = cgroup!.create('threads', policy.threads);
    const r = await runUnder(policy, [escape, 'threads', '4096'], { cgroup: dir });
    expect(r.stderr).toBe('');
    const [started, error] = threadsResult(r.stdout);
    expect(error).toBe('EAGAIN');
    expect(started).toBeLessThan(64); // the main thread counts too
    expect(started).toBeGreaterThan(32);
    cgroup!.remove(dir);
  });

  it('a command tree is bounded the same way', async () => {
    const cgroup = FleetCgroup.open(key)!;
    const policy = compilePolicy(spec({ limits: limits(64, 1024) }), { kind: 'command', slotDir: tempDir('cf-slot-'), program: [escape] });
    const dir = cgroup.create('command', policy.threads);
    const r = await runUnder(policy, [escape, 'threads', '4096'], { cgroup: dir });
    const [started, error] = threadsResult(r.stdout);
    expect(error).toBe('EAGAIN');
    expect(started).toBeLessThan(64);
    cgroup.remove(dir);
  });

  it('without a cgroup, RLIMIT_NPROC of the sandbox user stops it (it counts every task of that uid)', async () => {
    // A uid of its own, so no other process of the machine counts against the limit.
    const identity = { uid: 47_000 + (process.pid % 1000), gid: 47_000 + (process.pid % 1000) };
    const policy = compilePolicy(spec({ limits: limits(64, 1024) }), { kind: 'worker', slotDir: tempDir('cf-slot-'), program: [escape], identity });
    const r = await runUnder(policy, [escape, 'threads', '4096'], { nproc: policy.threads });
    expect(r.stderr).toBe('');
    const [started, error] = threadsResult(r.stdout);
    expect(error).toBe('EAGAIN');
    expect(started).toBeLessThan(64);
  });
});

describe('limits.disk_mb', () => {
  const policyFor = (slotDir: string) => compilePolicy(spec({ limits: limits(512, 4) }), { kind: 'worker', slotDir, program: [escape] });

  it('writing a file past disk_mb fails with EFBIG (RLIMIT_FSIZE; the writer is not killed)', async () => {
    const slotDir = tempDir('cf-slot-');
    const r = await runUnder(policyFor(slotDir), [escape, 'write', join(slotDir, 'big.bin'), '5']);
    expect(r.stdout.trim()).toBe('ERR EFBIG');
    expect(r.signal).toBeNull();
    expect(statSync(join(slotDir, 'big.bin')).size).toBe(4 * 1024 * 1024);
  });

  it('fallocate past disk_mb fails with EFBIG', async () => {
    const slotDir = tempDir('cf-slot-');
    expect((await runUnder(policyFor(slotDir), [escape, 'fallocate', join(slotDir, 'big.bin'), '5'])).stdout.trim()).toBe('ERR EFBIG');
  });

  it('fallocate with FALLOC_FL_KEEP_SIZE passes RLIMIT_FSIZE, and the supervisor-side measure sees the space', async () => {
    const slotDir = tempDir('cf-slot-');
    expect((await runUnder(policyFor(slotDir), [escape, 'fallocate', join(slotDir, 'hidden.bin'), '6', 'keep'])).stdout.trim()).toBe('OK');
    expect(statSync(join(slotDir, 'hidden.bin')).size).toBe(0);
    expect(await diskUsage(slotDir)).toBeGreaterThanOrEqual(6 * 1024 * 1024);
  });
});
