/** The conformance kit end to end, through the real `codex fleet conformance` command. */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { KILL_GRACE } from '../../src/protocol/version.js';
import { codexBin } from '../helpers/cli.js';
import { ROOT, built, fixture } from '../rpc/child.js';

const running = new Set<ReturnType<typeof spawn>>();
afterEach(() => {
  for (const c of running) c.kill('SIGKILL');
  running.clear();
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  built('src/cli/bin/codex.js');
  const child = spawn(process.execPath, [codexBin, 'fleet', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
}

const fleetWorker = [process.execPath, codexBin, 'fleet', 'worker', '--plugin', fixture('conformance/test-plugin.mjs')];

describe('codex fleet conformance', () => {
  it('passes against codex fleet worker --plugin <test plugin>', async () => {
    const r = await run(['conformance', '--', ...fleetWorker]);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('22 checks: 22 passed, 0 failed');
    expect(r.code).toBe(0);
  });

  it('passes against a worker that writes every object\'s keys in another order', async () => {
    const reordering = [process.execPath, codexBin, 'fleet', 'worker', '--plugin', fixture('conformance/reordering-plugin.mjs')];
    const r = await run(['conformance', '--', ...reordering]);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('21 checks: 21 passed, 0 failed');
    expect(r.code).toBe(0);
  });

  it('passes against the Python example worker', async () => {
    const r = await run(['conformance', '--', 'python3', 'examples/python-worker/worker.py']);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('22 checks: 22 passed, 0 failed');
    expect(r.code).toBe(0);
  });

  it('fails against a broken worker, naming the failed checks', async () => {
    const r = await run(['conformance', '--step-timeout', '1500', '--', process.execPath, fixture('conformance/broken-worker.mjs')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('PASS  initialize handshake');
    expect(r.stdout).toContain('PASS  echo task returns its input');
    expect(r.stdout).toContain('FAIL  bad JSON is answered with -32700 and id null: no error response within 1500 ms');
    expect(r.stdout).toMatch(/FAIL {2}an unknown method is answered with -32601: expected -32601, got .*-32603/);
    expect(r.stdout).toContain(`FAIL  cancels a running task on $/cancelRequest with -32001: no response after $/cancelRequest within ${KILL_GRACE.cancelMs} ms`);
    expect(r.stdout).toMatch(/\n22 checks: \d+ passed, [1-9]\d* failed\n$/);
  });

  it('reports a worker that cannot be started', async () => {
    const r = await run(['conformance', '--', '/nonexistent/worker']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL  initialize handshake: cannot start "/nonexistent/worker": spawn /nonexistent/worker ENOENT');
  });

  it.each([
    ['python-worker', 'examples/python-worker/agents'],
    ['echo-bot', 'examples/echo-bot/agents'],
  ])('passes against the %s agent\'s worker under its sandbox (--agent)', async (agent, dir) => {
    const r = await run(['conformance', '--agent', agent, '--agents-dir', dir]);
    expect(r.stdout).toMatch(new RegExp(`^running ${agent}'s worker under its sandbox \\(workspace /`));
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('22 checks: 22 passed, 0 failed');
    expect(r.code).toBe(0);
  });

  it('needs a command or --agent, and names an unknown agent', async () => {
    const unknown = await run(['conformance', '--agent', 'nobody', '--agents-dir', 'examples/echo-bot/agents']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('codex fleet: No agent "nobody" in examples/echo-bot/agents: known agents are "echo-bot"\n');
    const none = await run(['conformance']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('codex fleet: Give the worker command after "--", e.g. codex fleet conformance -- /usr/bin/python3 worker.py\n');
  });
});
