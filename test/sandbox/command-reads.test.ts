/**
 * What the command policy reads beyond the workspace so that test runners work: the CA bundle npm's
 * global config names, and /proc (each process's own /proc/self/stat). Private keys and other
 * processes' secrets stay out of reach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy } from '../../src/sandbox/policy.js';
import { buildFixture, cleanupTempDirs, ensureLauncher, runUnder, spec, tempDir } from './helpers.js';

let attack: string;
let victim: ChildProcess;

beforeAll(() => {
  ensureLauncher();
  attack = buildFixture('attack', tempDir('cf-bin-'));
  victim = spawn('sleep', ['600'], { stdio: 'ignore', env: { ...process.env, VICTIM_SECRET: 'hunter2' } });
});

afterAll(() => {
  victim.kill('SIGKILL');
  cleanupTempDirs();
});

async function read(path: string): Promise<string> {
  const policy = compilePolicy(spec(), { kind: 'command', slotDir: tempDir('cf-slot-'), program: [attack] });
  const r = await runUnder(policy, [attack, 'read', path]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

describe('command policy: reads', () => {
  it('reads the CA bundle and its own /proc entry', async () => {
    if (existsSync('/etc/ssl/certs/ca-certificates.crt')) expect(await read('/etc/ssl/certs/ca-certificates.crt')).toBe('OK');
    expect(await read('/proc/self/stat')).toBe('OK');
  });

  it("cannot read another process's environment, memory map or descriptors, nor private keys", async () => {
    const pid = String(victim.pid);
    expect(await read(`/proc/${pid}/environ`)).toBe('ERR EACCES');
    expect(await read(`/proc/${pid}/maps`)).toBe('ERR EACCES');
    expect(await read(`/proc/${pid}/fd/0`)).toBe('ERR EACCES');
    expect(await read('/etc/ssl/private')).toBe('ERR EACCES');
    expect(await read('/etc/shadow')).toBe('ERR EACCES');
  });
});
