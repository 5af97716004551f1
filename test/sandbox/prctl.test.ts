/**
 * prctl is allow-listed by option. The attack: native code in a worker cleared its parent-death signal,
 * survived `kill -9` of the supervisor and kept writing into the slot the next worker used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy, type SandboxKind } from '../../src/sandbox/policy.js';
import { buildFixture, cleanupTempDirs, ensureLauncher, runUnder, spec, tempDir } from './helpers.js';

let escape: string;

beforeAll(() => {
  ensureLauncher();
  escape = buildFixture('escape', tempDir('cf-bin-'));
});

afterAll(() => cleanupTempDirs());

async function attempt(kind: SandboxKind, what: string): Promise<string> {
  const policy = compilePolicy(spec(), { kind, slotDir: tempDir('cf-slot-'), program: [escape] });
  const r = await runUnder(policy, [escape, what]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

for (const kind of ['worker', 'command'] as const) {
  describe(`${kind} policy: prctl`, () => {
    it('clearing the parent-death signal fails with EPERM, and the signal stays SIGKILL', async () => {
      expect(await attempt(kind, 'pdeathsig-clear')).toBe('ERR EPERM');
      expect(await attempt(kind, 'pdeathsig-get')).toBe('9');
    });
    it('setting it to SIGKILL again is allowed (it cannot weaken anything)', async () => {
      expect(await attempt(kind, 'pdeathsig-kill')).toBe('OK');
    });
    it('PR_SET_DUMPABLE (other options that weaken the sandbox) fails with EPERM', async () => {
      expect(await attempt(kind, 'dumpable')).toBe('ERR EPERM');
    });
    it('PR_SET_NAME, which runtimes use, works', async () => {
      expect(await attempt(kind, 'set-name')).toBe('OK');
    });
  });
}

describe('runtimes under the prctl allow-list', () => {
  it('Node sets its process title and runs a worker thread', async () => {
    const policy = compilePolicy(spec(), { kind: 'worker', slotDir: tempDir('cf-slot-'), program: [process.execPath] });
    const script =
      "process.title = 'renamed'; const { Worker } = require('worker_threads');" +
      "new Worker('require(\"worker_threads\").parentPort.postMessage(6 * 7)', { eval: true }).on('message', (m) => console.log(m))";
    const r = await runUnder(policy, [process.execPath, '-e', script]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('42');
  });
  it('Python starts a thread', async () => {
    const policy = compilePolicy(spec(), { kind: 'command', slotDir: tempDir('cf-slot-'), program: ['/usr/bin/python3'] });
    const r = await runUnder(policy, ['/usr/bin/python3', '-c', 'import threading; t = threading.Thread(target=lambda: print("thread")); t.start(); t.join()']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('thread');
  });
});
