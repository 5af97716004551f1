/**
 * The fleet's shared fchmod handler (`codex-fleet-launcher --fchmod-daemon`, src/sandbox/fchmod-handler.ts):
 * one process checks and performs the fchmod of every worker, so a worker start costs no handler process.
 * It must allow exactly what a worker's own handler allows, never hand its socket to a worker, keep
 * serving while workers come and go, shrug off garbage, and die with the process that started it.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, linkSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SharedFchmodHandler } from '../../src/sandbox/fchmod-handler.js';
import { resolveSandboxIdentity } from '../../src/sandbox/identity.js';
import { buildSandboxedSpawn } from '../../src/sandbox/launcher.js';
import { compilePolicy } from '../../src/sandbox/policy.js';
import { buildFixture, cleanupTempDirs, ensureLauncher, isAlive, runUnder, spec, tempDir, waitFor } from './helpers.js';

const root = process.geteuid?.() === 0;
const identity = resolveSandboxIdentity(undefined);
let metadata: string;
let handler: SharedFchmodHandler;
let outside: string;
let victim: string;

beforeAll(() => {
  ensureLauncher();
  metadata = buildFixture('metadata', tempDir('cf-bin-'));
});
afterAll(cleanupTempDirs);

beforeEach(() => {
  const started = SharedFchmodHandler.start(identity);
  if (started === undefined) throw new Error('the shared fchmod handler did not start');
  handler = started;
  outside = tempDir('cf-outside-');
  victim = join(outside, 'id_rsa');
  writeFileSync(victim, 'secret');
  chmodSync(victim, 0o644);
});
afterEach(() => handler.stop());

const modeOf = (path: string): number => statSync(path).mode & 0o7777;

/** A file the sandbox user owns, as a worker's own files in its slot are. */
function ownFile(dir: string, name: string, mode = 0o644): string {
  const path = join(dir, name);
  writeFileSync(path, 'x');
  chmodSync(path, mode);
  if (root) chownSync(path, identity!.uid, identity!.gid);
  return path;
}

function policy(slotDir: string, program: string) {
  return compilePolicy(spec(), { kind: 'worker', slotDir, program: [program], extraRead: [outside], ...(identity ? { identity } : {}) });
}

/** Runs the metadata fixture under the worker policy, its launcher handing fchmod to the shared handler. */
async function attack(what: string, path: string, slotDir = tempDir('cf-slot-')): Promise<string> {
  const r = await runUnder(policy(slotDir, metadata), [metadata, what, path], { fchmodHandler: handler.handoff });
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

async function node(slotDir: string, script: string): Promise<string> {
  const r = await runUnder(policy(slotDir, process.execPath), [process.execPath, '-e', script], { fchmodHandler: handler.handoff });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

const COPY = `
  const fs = require('fs');
  fs.copyFileSync('src.txt', 'sync.txt');
  fs.promises.copyFile('src.txt', 'async.txt').then(() => console.log('done'), (e) => console.log(e.code));`;

describe('what the shared handler allows', () => {
  it('fchmod on a file in the slot, but never to set-uid', async () => {
    const slot = tempDir('cf-slot-');
    const own = ownFile(slot, 'own');
    expect(await attack('fchmod-600', own, slot)).toBe('OK');
    expect(modeOf(own)).toBe(0o600);
    expect(await attack('fchmod-suid', own, slot)).toBe('ERR EPERM');
    expect(modeOf(own)).toBe(0o600);
  });

  it('nothing on a readable file outside the slot, directly or through a hard link or symlink in it', async () => {
    const slot = tempDir('cf-slot-');
    linkSync(victim, join(slot, 'hard'));
    symlinkSync(victim, join(slot, 'soft'));
    expect(await attack('fchmod-600', victim, slot)).toBe('ERR EPERM');
    expect(await attack('fchmod-suid', victim, slot)).toBe('ERR EPERM');
    expect(await attack('fchmod-600', join(slot, 'hard'), slot)).toBe('ERR EPERM');
    expect(await attack('fchmod-600', join(slot, 'soft'), slot)).toBe('ERR EPERM');
    expect(modeOf(victim)).toBe(0o644);
  });

  it("one worker's slot is not another's: each hand-over brings its own writable directories", async () => {
    const a = tempDir('cf-slot-');
    const b = tempDir('cf-slot-');
    const inB = ownFile(b, 'f');
    // Worker A may read B's file (as if B's slot were among its read paths) but not change its mode.
    const policyA = compilePolicy(spec(), { kind: 'worker', slotDir: a, program: [metadata], extraRead: [b], ...(identity ? { identity } : {}) });
    const r = await runUnder(policyA, [metadata, 'fchmod-600', inB], { fchmodHandler: handler.handoff });
    expect(r.stdout.trim()).toBe('ERR EPERM');
    expect(modeOf(inB)).toBe(0o644);
    expect(await attack('fchmod-600', inB, b)).toBe('OK');
  });

  it('fs.copyFile (sync and async) works in a worker and keeps the mode', async () => {
    const slot = tempDir('cf-slot-');
    ownFile(slot, 'src.txt', 0o640);
    expect(await node(slot, COPY)).toBe('done');
    for (const name of ['sync.txt', 'async.txt']) expect(modeOf(join(slot, name))).toBe(0o640);
  });
});

describe('the shared handler and the workers', () => {
  it('a worker holds neither the seccomp listener nor the handler\'s socket, and starts no handler of its own', async () => {
    const slot = tempDir('cf-slot-');
    const s = buildSandboxedSpawn(policy(slot, process.execPath), [process.execPath, '-e', "console.log('up'); setTimeout(() => {}, 60000)"], {
      fchmodHandler: handler.handoff,
    });
    const child = spawn(s.file, s.args, { cwd: s.cwd, env: s.env, stdio: ['ignore', 'pipe', 'pipe', s.handoff!] });
    try {
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      const fds = readdirSync(`/proc/${child.pid}/fd`).map(Number);
      const links = fds.map((fd) => ({ fd, link: readlinkSync(`/proc/${child.pid}/fd/${fd}`) }));
      expect(links.filter(({ link }) => /seccomp/.test(link))).toEqual([]);
      // Its stdio are the only sockets it has (the handler's socket would be another one).
      expect(links.filter(({ fd, link }) => fd > 2 && link.startsWith('socket:'))).toEqual([]);
      expect(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim()).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('serves workers side by side and lets go of each one when it exits', async () => {
    const pid = handler.handoff.pid;
    const held = (): number => readdirSync(`/proc/${pid}/fd`).length;
    await node(tempDir('cf-slot-'), 'require("fs")'); // the handler has taken its first hand-over and let it go
    const before = held();
    const slots = [tempDir('cf-slot-'), tempDir('cf-slot-'), tempDir('cf-slot-')];
    for (const slot of slots) ownFile(slot, 'src.txt', 0o640);
    expect(await Promise.all(slots.map((slot) => node(slot, COPY)))).toEqual(['done', 'done', 'done']);
    for (const slot of slots) expect(modeOf(join(slot, 'async.txt'))).toBe(0o640);
    await waitFor(() => held() === before, 'the handler to close what it held for the workers that exited');
    expect(handler.alive).toBe(true);
  });

  it.each([
    ['the shared handler', true],
    ["the launcher's own handler", false],
  ])('after the hand-over to %s a worker cannot pass descriptors with sendmsg, not even on the number the hand-over used', async (_, shared) => {
    const attackBin = buildFixture('attack', tempDir('cf-bin-'));
    const slot = tempDir('cf-slot-');
    const p = compilePolicy(spec(), { kind: 'worker', slotDir: slot, program: [attackBin], ...(identity ? { identity } : {}) });
    // The hand-over used descriptor 3 (shared) or the handler's socket pair (own): try both numbers and another.
    for (const fd of ['3', '4', '9']) {
      const r = await runUnder(p, [attackBin, 'sendmsg-fd', fd], shared ? { fchmodHandler: handler.handoff } : {});
      expect(r.stdout.trim()).toBe('ERR EPERM');
    }
    // Unsandboxed, the same program passes the descriptor: its byte arrives (the reader may drop the rest).
    const bare = await new Promise<string>((resolve) => {
      const child = spawn(attackBin, ['sendmsg-fd', '3'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', () => resolve(out));
    });
    expect(bare.startsWith('x')).toBe(true);
  });

  it('garbage on its socket changes nothing for the workers after it', async () => {
    handler.handoff.socket.write('not a hand-over at all, and longer than one');
    handler.handoff.socket.write('x');
    const slot = tempDir('cf-slot-');
    ownFile(slot, 'src.txt', 0o640);
    expect(await node(slot, COPY)).toBe('done');
    expect(handler.alive).toBe(true);
  });

  it('runs without capabilities, with no_new_privs and its own seccomp filter; as root, as the sandbox user', async () => {
    const read = (): string => readFileSync(`/proc/${handler.handoff.pid}/status`, 'utf8');
    // It confines itself right after it starts; the filter is the last step.
    await waitFor(() => /^Seccomp:\s*2$/m.test(read()), 'the handler to be confined');
    const status = read();
    const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
    expect(field('CapEff')).toBe('0000000000000000');
    expect(field('CapPrm')).toBe('0000000000000000');
    expect(field('NoNewPrivs')).toBe('1');
    expect(field('Seccomp')).toBe('2');
    const uid = Number(field('Uid').split(/\s+/)[0]);
    expect(uid).toBe(root ? identity!.uid : process.getuid!());
  });

  it('dies with the process that started it', async () => {
    const script = `
      import { SharedFchmodHandler } from ${JSON.stringify(new URL('../../dist/src/sandbox/fchmod-handler.js', import.meta.url).href)};
      const h = SharedFchmodHandler.start(undefined);
      console.log(h.handoff.pid);
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    expect(isAlive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await waitFor(() => !isAlive(pid), 'the handler to die with its parent');
  });
});
