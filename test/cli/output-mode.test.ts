/** Which output `codex fleet start` and `watch` choose: the overlay only where it can be drawn live. */
import { describe, expect, it } from 'vitest';
import { outputMode } from '../../src/cli/output-mode.js';

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
