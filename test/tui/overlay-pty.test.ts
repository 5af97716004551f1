/**
 * `codex fleet start` and `codex fleet watch` in a real terminal (tmux), 80×24: what is on the screen,
 * and keys typed into it that pause and resume an agent and stop the fleet.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codexBin, repoRoot, runFleet } from '../helpers/cli.js';
import { TmuxScreen } from '../helpers/tmux.js';
import { expectNoProcessesLeft, makeFleetDir, removeFleetDir, writeAgent, type FleetDir } from '../supervisor/helpers.js';

// Each test starts real CLI processes in a terminal and waits for what they draw: the time limits are
// generous for a loaded 2-core machine, and every wait is for something on the screen, not a delay.
let dir: FleetDir;
const screens: TmuxScreen[] = [];

beforeEach(() => {
  dir = makeFleetDir('cf-pty-');
  writeAgent(dir, 'echo', 'echo');
  writeAgent(dir, 'slow', 'hang', 'limits:\n  wall_time_s: 600\n');
});

afterEach(async () => {
  runFleet(['stop', '--now', '--state-dir', dir.stateDir]);
  for (const s of screens.splice(0)) s.close();
  await expectNoProcessesLeft(dir.root);
  removeFleetDir(dir);
});

function open(args: readonly string[], size: { columns?: number; rows?: number } = {}): TmuxScreen {
  const screen = TmuxScreen.start([process.execPath, codexBin, 'fleet', ...args, '--state-dir', dir.stateDir], { cwd: repoRoot, ...size });
  screens.push(screen);
  return screen;
}

const agentState = (name: string): string | undefined => {
  const status = runFleet(['status', '--json', '--state-dir', dir.stateDir]);
  return (JSON.parse(status.stdout) as { agents: { name: string; state: string }[] }).agents.find((a) => a.name === name)?.state;
};

describe('codex fleet start on a terminal', () => {
  it('shows a row per agent in 80x24; p pauses and r resumes the selected agent; q drains and exits 0', { timeout: 120_000 }, async () => {
    const screen = open(['start', dir.agentsDir]);
    let text = await screen.waitFor(/› echo\s+running[\s\S]* slow\s+running/);
    expect(text).toMatch(/^codex fleet · 2 agents/m);
    expect(text).toMatch(/AGENT\s+STATE\s+WRK\s+TASK/);
    expect(text.split('\n').every((line) => line.length <= 80)).toBe(true);

    screen.keys(['p']);
    text = await screen.waitFor(/› echo\s+paused[\s\S]*paused by the user/);
    expect(agentState('echo')).toBe('paused');
    screen.keys(['r']);
    await screen.waitFor(/› echo\s+running/);
    expect(agentState('echo')).toBe('running');

    screen.keys(['Down']);
    await screen.waitFor(/› slow/);
    screen.keys(['p']);
    await screen.waitFor(/› slow\s+paused/);
    expect(agentState('slow')).toBe('paused');
    expect(agentState('echo')).toBe('running');

    screen.keys(['q']);
    text = await screen.waitFor('[exit 0]');
    expect(text).toContain('fleet stopped');
  });

  it('shows the help with ? and the task a worker runs', { timeout: 120_000 }, async () => {
    const screen = open(['start', dir.agentsDir]);
    await screen.waitFor(/ slow\s+running/);
    const submitted = runFleet(['submit', 'slow', '--input', '{"n":1}', '--state-dir', dir.stateDir]);
    const id = /tm[0-9a-z]+/.exec(submitted.stdout + submitted.stderr)?.[0];
    expect(id).toBeDefined();
    await screen.waitFor(new RegExp(` slow\\s+running\\s+1/1\\s+${id!.slice(0, 6)}`));
    screen.keys(['?']);
    const help = await screen.waitFor('stop the fleet now');
    expect(help).toContain('raise its budget by an amount you type');
    screen.keys(['x']);
    await screen.waitFor(/› echo/);
    screen.keys(['Q']);
    await screen.waitFor('[exit 0]');
  });

  it('keeps the plain lines with --no-tui', { timeout: 120_000 }, async () => {
    const screen = open(['start', dir.agentsDir, '--no-tui']);
    const text = await screen.waitFor(/\d\d:\d\d:\d\d fleet fleet started/);
    expect(text).not.toContain('AGENT');
  });
});

describe('codex fleet watch', () => {
  it('attaches the overlay to a running fleet; its keys drive the fleet; q leaves it running', { timeout: 120_000 }, async () => {
    const fleet = open(['start', dir.agentsDir, '--no-tui']);
    await fleet.waitFor('fleet started');
    const watch = open(['watch']);
    await watch.waitFor(/^codex fleet \(watch\) · 2 agents[\s\S]*› echo\s+running/m);
    watch.keys(['p']);
    await watch.waitFor(/› echo\s+paused[\s\S]*paused by the user/);
    expect(agentState('echo')).toBe('paused');
    watch.keys(['r']);
    await watch.waitFor(/› echo\s+running/);
    watch.keys(['q']);
    await watch.waitFor('[exit 0]');
    expect(agentState('echo')).toBe('running');
  });
});

describe('a small terminal', () => {
  it('keeps the overlay within 60x10 with more agents than fit: the title stays, the selection scrolls', { timeout: 120_000 }, async () => {
    for (let i = 1; i <= 8; i++) writeAgent(dir, `e${i}`, 'echo');
    const screen = open(['start', dir.agentsDir], { columns: 60, rows: 10 });
    let text = await screen.waitFor(/› e1\s+running/);
    expect(text).toMatch(/^codex fleet · 10 agents/);
    expect(text).toMatch(/\(\d more: ↑↓\)/);
    screen.keys(['p']);
    text = await screen.waitFor(/› e1\s+paused\s[\s\S]*paused by the user/);
    expect(text).toMatch(/^codex fleet · 10 agents/);
    for (let i = 0; i < 9; i++) screen.keys(['Down']);
    text = await screen.waitFor(/› slow/);
    expect(text).toMatch(/^codex fleet · 10 agents/);
    expect(text).not.toMatch(/ e1 /);
    expect(text.split('\n').every((line) => line.length <= 60)).toBe(true);
    screen.keys(['Q']);
    await screen.waitFor('[exit 0]');
  });
});
