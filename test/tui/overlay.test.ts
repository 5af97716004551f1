/**
 * The whole overlay on a real supervisor (sandboxed echo workers), rendered by ink-testing-library:
 * keys act on the fleet, the store follows its events, and an idle fleet leaves the store no timer.
 */
import { render } from 'ink-testing-library';
import { createElement as h } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Overlay, type ExitKind } from '../../src/tui/components/overlay.js';
import { LiveFleet } from '../../src/tui/live-fleet.js';
import { inProcessSource } from '../../src/tui/source.js';
import { expectNoProcessesLeft, makeFleetDir, removeFleetDir, startFleet, waitFor, writeAgent, type FleetDir, type RunningFleet } from '../supervisor/helpers.js';

let dir: FleetDir;
let fleet: RunningFleet | undefined;
let live: LiveFleet | undefined;

beforeEach(() => {
  dir = makeFleetDir('cf-tui-');
  writeAgent(dir, 'echo', 'echo');
  writeAgent(dir, 'slow', 'hang', 'limits:\n  wall_time_s: 600\n');
});

afterEach(async () => {
  live?.close();
  await fleet?.supervisor.stop(true);
  fleet = undefined;
  await expectNoProcessesLeft(dir.root);
  removeFleetDir(dir);
});

async function show() {
  fleet = await startFleet(dir);
  live = new LiveFleet({ refreshMs: 20, pollMs: 50 });
  const source = inProcessSource(fleet.supervisor);
  const quits: ExitKind[] = [];
  const ui = render(h(Overlay, { live, source, mode: 'start', onQuit: (k: ExitKind) => quits.push(k) }));
  await live.attach(source);
  const screen = (): string => ui.lastFrame() ?? '';
  const until = (text: string | RegExp, what = String(text)) =>
    waitFor(() => (typeof text === 'string' ? screen().includes(text) : text.test(screen())), `the overlay to show ${what}:\n${screen()}`);
  return { ui, screen, until, quits, supervisor: fleet.supervisor };
}

const state = (s: { status(): { agents: { name: string; state: string }[] } }, name: string) => s.status().agents.find((a) => a.name === name)?.state;

describe('the overlay on a real fleet', () => {
  it('shows one row per agent, pauses and resumes the selected agent with p and r, selects with the arrows', async () => {
    const { ui, until, screen, supervisor } = await show();
    await until(/› echo\s+running/);
    expect(screen()).toMatch(/ slow\s+running/);
    ui.stdin.write('p');
    await waitFor(() => state(supervisor, 'echo') === 'paused', 'echo to be paused');
    await until('paused by the user');
    ui.stdin.write('r');
    await waitFor(() => state(supervisor, 'echo') === 'running', 'echo to run again');
    await until(/› echo\s+running/);
    ui.stdin.write('\u001B[B'); // down
    await until(/› slow/);
    ui.stdin.write('k');
    await waitFor(() => state(supervisor, 'slow') === 'stopped', 'slow to be killed');
    await until('killed by the user');
    ui.unmount();
  });

  it('shows the running task, polls while it runs and leaves no timer once the fleet is idle', async () => {
    const { until, supervisor } = await show();
    await until(/› echo\s+running/);
    await waitFor(() => !live!.pending, 'the store to go idle');
    const { task } = await supervisor.submit('slow', { n: 1 });
    await until(task.id);
    // While a task runs, spend may move without an event: the store keeps asking for the status.
    expect(live!.pending).toBe(true);
    await supervisor.cancelTask(task.id);
    await until(/ slow\s+running\s+\S+\s+-/);
    await waitFor(() => !live!.pending, 'the store to go idle after the task');
  });

  it('q asks to drain, Q to stop now; a budget prompt takes digits only and Esc cancels it', async () => {
    const { ui, until, quits } = await show();
    await until(/› echo\s+running/);
    ui.stdin.write('b');
    await until("Raise echo's budget by $");
    ui.stdin.write('x');
    ui.stdin.write('2');
    await until("Raise echo's budget by $2▏");
    ui.stdin.write('\u001B');
    await until('? help');
    ui.stdin.write('q');
    await until('stopping: waiting for running tasks to finish');
    ui.stdin.write('Q');
    expect(quits).toEqual(['drain', 'now']);
    ui.unmount();
  });
});
