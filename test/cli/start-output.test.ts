/**
 * What `codex fleet start` and `codex fleet watch` print when their output is not a terminal: one plain
 * line per event, or with `--json` one JSON event per line, the same events the overlay reads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/client.js';
import { PauseAgent, ResumeAgent, Submit } from '../../src/control/methods.js';
import { codexBin, repoRoot, runFleet } from '../helpers/cli.js';
import { expectNoProcessesLeft, makeFleetDir, removeFleetDir, waitFor, writeAgent, type FleetDir } from '../supervisor/helpers.js';
import { serveModel, writeModelAgent } from '../supervisor/model-helpers.js';

let dir: FleetDir;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = makeFleetDir('cf-start-out-');
  writeAgent(dir, 'echo', 'echo');
});

afterEach(async () => {
  runFleet(['stop', '--now', '--state-dir', dir.stateDir]);
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await expectNoProcessesLeft(dir.root);
  removeFleetDir(dir);
});

function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): { out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [codexBin, 'fleet', ...args, '--state-dir', dir.stateDir], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { out: () => out, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

describe('start and watch off a terminal', () => {
  // Several CLI processes start one after the other: generous on a loaded 2-core machine.
  it('start prints plain lines when stdout is a pipe, and watch --json the same events as JSON', { timeout: 120_000 }, async () => {
    const start = run(['start', dir.agentsDir]);
    await waitFor(() => /worker ready/.test(start.out()), 'the fleet to start');
    expect(start.out()).toMatch(/^\d\d:\d\d:\d\d fleet fleet started \(pid \d+, 1 agents/m);
    expect(start.out()).not.toContain('\x1b[');

    const watch = run(['watch', '--json']);
    // watch prints nothing until an event comes: pause and resume until it has subscribed and seen one.
    const client = await ControlClient.connect(dir.paths, 'start-output-test');
    await waitFor(async () => {
      await client.request(PauseAgent, { agent: 'echo' });
      await client.request(ResumeAgent, { agent: 'echo' });
      return watch.out().includes('"agent.state"');
    }, 'watch to see an agent change');
    await client.request(PauseAgent, { agent: 'echo' });
    client.close();
    await waitFor(() => /"state":"paused"/.test(watch.out()), 'watch to see the pause');
    const events = watch.out().trim().split('\n').map((line) => JSON.parse(line) as { type: string; agent?: string; data?: { state?: string } });
    expect(events).toContainEqual(expect.objectContaining({ type: 'agent.state', agent: 'echo', data: expect.objectContaining({ state: 'paused' }) }));
    await waitFor(() => /echo paused: paused by the user/.test(start.out()), 'start to print the pause');

    expect(runFleet(['stop', '--state-dir', dir.stateDir]).status).toBe(0);
    expect(await start.exited).toBe(0);
    expect(await watch.exited).toBe(0);
  });

  it('start says a pause at the budget once in plain lines', { timeout: 180_000 }, async () => {
    // gpt-4.1-mini, 9000 tokens in and 100 out: $0.003760 a call, worst case $0.003804; five fit in $0.02.
    const server = await serveModel({ replies: [{ content: 'ok', usage: { input_tokens: 9000, output_tokens: 100 }, times: 'always' }] });
    writeModelAgent(dir, 'spender', { cost_budget: 0.02, max_tokens: 100 });
    const start = run(['start', dir.agentsDir], { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'sk-test' });
    await waitFor(() => /spender\[0\] worker ready/.test(start.out()), 'the fleet to start');
    const client = await ControlClient.connect(dir.paths, 'start-output-test');
    await client.request(Submit, { agent: 'spender', input: { prompt: 'x'.repeat(9000), calls: 6 } });
    client.close();
    await waitFor(() => /spender paused: budget:/.test(start.out()), 'the pause at the budget');
    await new Promise((r) => setTimeout(r, 500)); // a line printed right after it is in too
    const pauses = start.out().split('\n').filter((line) => /paused: budget:/.test(line));
    expect(pauses).toHaveLength(1);
    expect(pauses[0]).toMatch(/^\d\d:\d\d:\d\d spender paused: budget: .*codex fleet resume spender --budget \d+\.\d\d/);
    expect(runFleet(['stop', '--now', '--state-dir', dir.stateDir]).status).toBe(0);
    expect(await start.exited).toBe(0);
  });

  it('start --json prints one JSON event per line', { timeout: 120_000 }, async () => {
    const start = run(['start', dir.agentsDir, '--json']);
    await waitFor(() => /"worker.state"/.test(start.out()), 'the fleet to start');
    expect(runFleet(['stop', '--state-dir', dir.stateDir]).status).toBe(0);
    expect(await start.exited).toBe(0);
    const events = start.out().trim().split('\n').map((line) => JSON.parse(line) as { type: string; time: number; message: string });
    // Log lines may come first (e.g. slot folders of deleted state directories removed at start).
    expect(events.find((e) => e.type !== 'log')).toMatchObject({ type: 'fleet.started' });
    expect(events.at(-1)).toMatchObject({ type: 'fleet.stopped', message: 'fleet stopped' });
    expect(events.every((e) => typeof e.time === 'number' && typeof e.message === 'string')).toBe(true);
  });
});
