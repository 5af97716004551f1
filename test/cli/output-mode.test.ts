/** Which output `codex fleet start` and `watch` choose: the overlay only where it can be drawn live. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { eventPrinter, outputMode } from '../../src/cli/output-mode.js';
import type { FleetEvent } from '../../src/supervisor/events.js';

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

describe('outputMode', () => {
  it('shows the overlay on a terminal, plain lines on a pipe or with --no-tui, JSON with --json', () => {
    expect(outputMode({}, tty, {})).toBe('tui');
    expect(outputMode({}, pipe, {})).toBe('plain');
    expect(outputMode({ tui: false }, tty, {})).toBe('plain');
    expect(outputMode({ json: true }, tty, {})).toBe('json');
  });

  it('prints plain lines under a CI variable, where Ink would draw only the last frame', () => {
    expect(outputMode({}, tty, { CI: 'true' })).toBe('plain');
    expect(outputMode({}, tty, { CI: '1' })).toBe('plain');
    expect(outputMode({}, tty, { CI: 'false' })).toBe('tui');
    expect(outputMode({}, tty, { CI: '0' })).toBe('tui');
  });
});

describe('eventPrinter', () => {
  const reason = 'budget: bot\'s next call does not fit. Continue with "codex fleet resume bot --add 1.00"';
  const events: FleetEvent[] = [
    { time: 0, type: 'agent.state', agent: 'bot', message: `paused: ${reason}`, data: { state: 'paused', reason } },
    { time: 0, type: 'agent.budget', agent: 'bot', message: `paused: ${reason}` },
    { time: 0, type: 'log', agent: 'bot', worker: 0, message: 'stderr: same' },
    { time: 0, type: 'log', agent: 'bot', worker: 0, message: 'stderr: same' },
    { time: 0, type: 'agent.budget', agent: 'bot', message: 'budget set to $2.000000' },
  ];
  const print = (mode: 'plain' | 'json'): string[] => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const printer = eventPrinter(mode, out as unknown as NodeJS.WriteStream);
    for (const e of events) printer(e);
    return text.trim().split('\n');
  };

  it('says a pause at the budget once in plain lines, and keeps every other line, repeated ones too', () => {
    const lines = print('plain');
    expect(lines.filter((l) => l.includes('paused: budget:'))).toEqual([`00:00:00 bot paused: ${reason}`]);
    expect(lines.filter((l) => l.endsWith('stderr: same'))).toHaveLength(2);
    expect(lines.at(-1)).toBe('00:00:00 bot budget set to $2.000000');
  });

  it('keeps both events of the pause in JSON', () => {
    expect(print('json').map((l) => (JSON.parse(l) as FleetEvent).type)).toEqual(['agent.state', 'agent.budget', 'log', 'log', 'agent.budget']);
  });
});
