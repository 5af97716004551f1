/**
 * The overlay's components, rendered by Ink into a string (ink-testing-library): what a row, the
 * totals, the notifications and the help show, and how a row gives way on a narrow terminal.
 */
import { Box } from 'ink';
import { render } from 'ink-testing-library';
import { createElement as h } from 'react';
import { describe, expect, it } from 'vitest';
import type { FleetEvent, FleetStatus } from '../../src/control/methods.js';
import { AgentRowView } from '../../src/tui/components/agent-row.js';
import { Help } from '../../src/tui/components/help.js';
import { Notices } from '../../src/tui/components/notices.js';
import { parseAmount } from '../../src/tui/components/overlay.js';
import { TotalsLine } from '../../src/tui/components/totals.js';
import { columnsFor } from '../../src/tui/layout.js';
import { EMPTY_VIEW, fromStatus, noticeOf, type AgentRow } from '../../src/tui/view-model.js';

const row = (over: Partial<AgentRow> = {}): AgentRow => ({
  name: 'patch-bot',
  state: 'running',
  reason: null,
  busy: 1,
  workers: 2,
  concurrency: 2,
  task: 'tmabc123 reading files',
  done: 3,
  failed: 1,
  queued: 2,
  running: 1,
  budgetUsd: 0.5,
  spentUsd: 0.25,
  reservedUsd: 0,
  calls: 7,
  tokens: 12_345,
  ...over,
});

function frameOf(element: ReturnType<typeof h>, width: number): string {
  const { lastFrame, unmount } = render(h(Box, { width, flexDirection: 'column' }, element));
  const frame = lastFrame() ?? '';
  unmount();
  return frame;
}

const rowFrame = (r: AgentRow, width = 80): string => frameOf(h(AgentRowView, { row: r, cols: columnsFor(width), selected: true }), width);

describe('an agent row', () => {
  it('shows name, state, workers busy/total, task, done/failed/queued, a half-full bar, dollars and tokens at 80 columns', () => {
    const frame = rowFrame(row());
    expect(frame).toContain('› patch-bot');
    expect(frame).toContain('running');
    expect(frame).toContain('1/2');
    expect(frame).toContain('tmabc123');
    expect(frame).toContain('3/1/2');
    expect(frame).toContain('████░░░░');
    expect(frame).toContain('$0.25/$0.50');
    expect(frame).toContain('12k');
    expect(frame.split('\n').every((line) => line.length <= 80)).toBe(true);
  });

  it('fills the bar as spend grows and shows small spends to the micro-dollar', () => {
    expect(rowFrame(row({ spentUsd: 0 }))).toContain('░░░░░░░░');
    expect(rowFrame(row({ spentUsd: 0.5 }))).toContain('████████');
    expect(rowFrame(row({ spentUsd: 0.00114 }))).toContain('$0.001140/$0.50');
  });

  it('shows the reason under a paused or errored agent, escaped', () => {
    const frame = rowFrame(row({ state: 'paused', reason: 'budget: spent\x1b]0;x\x07 all' }));
    expect(frame).toContain('paused');
    expect(frame).toContain('budget: spent\\x1b]0;x\\x07 all');
    expect(frame).not.toContain('\x1b]0;');
  });

  it('without a metered spend shows a dash against the budget', () => {
    expect(rowFrame(row({ spentUsd: undefined, tokens: undefined }))).toContain('- / $0.50');
  });

  it('keeps name, state and dollars on a 40-column terminal and drops the bar', () => {
    const frame = rowFrame(row(), 40);
    expect(frame).toContain('patch-bot');
    expect(frame).toContain('running');
    expect(frame).toContain('$0.25/$0.50');
    expect(frame).not.toContain('█');
    expect(frame.split('\n').every((line) => line.length <= 40)).toBe(true);
  });
});

const status = (spent: Record<string, unknown> = {}): FleetStatus =>
  ({
    pid: 1,
    version: '0.1.0',
    state_dir: '/tmp/x',
    project: '/tmp',
    started_at: 0,
    sandbox: 'enforced',
    agents: [
      {
        name: 'doc-bot', state: 'running', reason: null, model: 'gpt-4.1-nano', cost_budget: 0.2, concurrency: 1, workers: 1,
        worker_states: ['busy'], restarts: 0, queued: 0, running: 1, done: 2, failed: 0, cancelled: 0, ...spent,
      },
    ],
  }) as FleetStatus;

describe('the view model and the totals line', () => {
  it('reads spend, budget, calls and tokens when the fleet reports them', () => {
    const view = fromStatus(EMPTY_VIEW, status({ spent_usd: 0.05, reserved_usd: 0.01, budget_usd: 0.4, calls: 3, input_tokens: 900, output_tokens: 100 }), new Map());
    expect(view.agents[0]).toMatchObject({ spentUsd: 0.05, budgetUsd: 0.4, calls: 3, tokens: 1000, busy: 1 });
    const frame = frameOf(h(TotalsLine, { view, mode: 'start' }), 80);
    expect(frame).toContain('spent $0.05 of $0.40');
    expect(frame).toContain('calls 3');
    expect(frame).toContain('tokens 1.0k');
  });

  it('says spend is not metered when the fleet reports none, and the budget is the spec\'s', () => {
    const view = fromStatus(EMPTY_VIEW, status(), new Map());
    expect(view.agents[0]?.budgetUsd).toBe(0.2);
    expect(frameOf(h(TotalsLine, { view, mode: 'watch' }), 80)).toContain('spend not metered');
  });
});

const event = (e: Omit<FleetEvent, 'time'>): FleetEvent => ({ time: 0, ...e });

describe('notifications', () => {
  const paused = event({
    type: 'agent.budget',
    agent: 'doc-bot',
    message:
      'paused: budget: doc-bot\'s next call (worst case $0.004000) does not fit its budget of $0.010000: spent $0.008000, reserved $0.000000. ' +
      'Continue with "codex fleet resume doc-bot --budget 1.01" or "--add 1.00"',
  });

  it('a pause at the budget carries the exact resume command, shown on its own line', () => {
    const notice = noticeOf(paused, 1);
    expect(notice).toMatchObject({ kind: 'budget', agent: 'doc-bot', command: 'codex fleet resume doc-bot --budget 1.01' });
    const frame = frameOf(h(Notices, { notices: [notice!], lines: 4 }), 200);
    expect(frame).toContain('doc-bot: paused: budget');
    expect(frame).toContain('run: codex fleet resume doc-bot --budget 1.01');
  });

  it('an errored agent with its reason, a commit landed or refused; other events are no notice', () => {
    expect(noticeOf(event({ type: 'agent.state', agent: 'a', message: 'errored: crash loop', data: { state: 'errored', reason: 'crash loop' } }), 1)).toMatchObject({ kind: 'error', text: 'a errored: crash loop' });
    expect(noticeOf(event({ type: 'commit.landed', agent: 'a', message: 'task t1: landed abc123 on main' }), 2)).toMatchObject({ kind: 'commit' });
    expect(noticeOf(event({ type: 'commit.refused', agent: 'a', message: 'task t1: refused: lock held' }), 3)).toMatchObject({ kind: 'error' });
    expect(noticeOf(event({ type: 'agent.state', agent: 'a', message: 'running', data: { state: 'running', reason: null } }), 4)).toBeUndefined();
    expect(noticeOf(event({ type: 'task.done', agent: 'a', task: 't', message: 'task t done' }), 5)).toBeUndefined();
  });

  it('only the newest notices that fit are shown', () => {
    const notices = [1, 2, 3].map((id) => noticeOf(event({ type: 'commit.landed', agent: 'a', message: `commit ${id}` }), id)!);
    const frame = frameOf(h(Notices, { notices, lines: 2 }), 80);
    expect(frame).not.toContain('commit 1');
    expect(frame).toContain('commit 2');
    expect(frame).toContain('commit 3');
  });
});

describe('help and the budget prompt', () => {
  it('lists every key; q stops in start and detaches in watch', () => {
    const start = frameOf(h(Help, { mode: 'start' }), 80);
    for (const key of ['p ', 'r ', 'b ', 'k ', 'q ', 'Q ', '? ']) expect(start).toContain(`│ ${key}`);
    expect(start).toContain('stop the fleet: let running tasks finish');
    expect(frameOf(h(Help, { mode: 'watch' }), 80)).toContain('detach (the fleet keeps running)');
  });

  it('takes a positive amount of dollars and nothing else', () => {
    expect(parseAmount('1.50')).toBe(1.5);
    expect(parseAmount('$2')).toBe(2);
    expect(parseAmount('0')).toBeUndefined();
    expect(parseAmount('1.2.3')).toBeUndefined();
    expect(parseAmount('')).toBeUndefined();
  });
});
