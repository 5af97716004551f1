/**
 * The command policy gives no socket() of any family: Landlock below ABI 8 cannot stop connect() to a
 * pathname Unix socket (the Docker socket, the user's session bus, `systemd-run --user`). Each test
 * first shows the socket is reachable from outside the sandbox, then that the command cannot reach it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy } from '../../src/sandbox/policy.js';
import { buildFixture, cleanupTempDirs, ensureLauncher, runUnder, spec, tempDir, waitFor } from './helpers.js';

let reach: string;
const servers: ChildProcess[] = [];

beforeAll(() => {
  ensureLauncher();
  reach = buildFixture('unix-reach', tempDir('cf-bin-'));
});

afterAll(() => {
  for (const server of servers) server.kill('SIGKILL');
  cleanupTempDirs();
});

/** Starts a socket server outside any sandbox; resolves once it listens, with what it has printed. */
async function serve(kind: 'stream' | 'dgram', path: string, mode: string): Promise<{ output: () => string }> {
  const server = spawn(reach, [`serve-${kind}`, path, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(server);
  let out = '';
  server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('\n'), `the ${kind} socket server`);
  expect(out).toBe('OK\n');
  return { output: () => out };
}

function outside(...args: string[]): string {
  return spawnSync(reach, args, { encoding: 'utf8' }).stdout.trim();
}

async function inside(...args: string[]): Promise<string> {
  const policy = compilePolicy(spec(), { kind: 'command', slotDir: tempDir('cf-slot-'), program: [reach] });
  const r = await runUnder(policy, [reach, ...args]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

describe('command policy: pathname Unix sockets', () => {
  it("cannot reach a 0600 socket owned by the tests' uid (root when they run as root), outside the workspace", async () => {
    const path = join(tempDir('cf-sock-private-'), 'private.sock');
    await serve('stream', path, '600');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(path).uid).toBe(process.getuid!());
    expect(outside('connect', path)).toBe('OK');
    expect(await inside('connect', path)).toBe('ERR EPERM');
  });

  it('cannot reach a same-uid socket anyone may connect to (like a session bus) outside the workspace', async () => {
    const path = join(tempDir('cf-sock-bus-'), 'bus');
    await serve('stream', path, '666');
    expect(outside('connect', path)).toBe('OK');
    expect(await inside('connect', path)).toBe('ERR EPERM');
  });

  it('cannot reach a socket inside its own workspace either: socket() is refused for every family', async () => {
    const slotDir = tempDir('cf-slot-');
    const path = join(slotDir, 'own.sock');
    await serve('stream', path, '666');
    const policy = compilePolicy(spec(), { kind: 'command', slotDir, program: [reach] });
    const r = await runUnder(policy, [reach, 'connect', path]);
    expect(r.stdout.trim()).toBe('ERR EPERM');
  });

  it('cannot send a datagram to a pathname socket through a socketpair', async () => {
    const path = join(tempDir('cf-sock-dgram-'), 'log');
    const server = await serve('dgram', path, '666');
    expect(outside('pair-dgram-send', path)).toBe('OK');
    await waitFor(() => server.output().includes('GOT hello'), 'the datagram sent from outside');
    expect(await inside('pair-dgram-send', path)).toBe('ERR EPERM');
  });

  it('keeps the stream and seqpacket socketpairs that runtimes use for child stdio and IPC', async () => {
    expect(await inside('pair', 'stream')).toBe('OK');
    expect(await inside('pair', 'seqpacket')).toBe('OK');
    expect(await inside('pair', 'dgram')).toBe('ERR EPERM');
  });
});
