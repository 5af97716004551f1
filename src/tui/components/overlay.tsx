/**
 * The whole overlay: totals, one row per agent, notifications, the key line; keys act on the selected
 * agent through the {@link FleetSource}.
 */
import { Box, Text, useInput, useStdout } from 'ink';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { safe, usd } from '../format.js';
import { columnsFor } from '../layout.js';
import type { LiveFleet } from '../live-fleet.js';
import type { FleetSource } from '../source.js';
import { AgentRowView, HeaderRow } from './agent-row.js';
import { Help } from './help.js';
import { Notices } from './notices.js';
import { TotalsLine } from './totals.js';

export type ExitKind = 'drain' | 'now' | 'detach';

export interface OverlayProps {
  readonly live: LiveFleet;
  readonly source: FleetSource;
  readonly mode: 'start' | 'watch';
  /** `q` / `Q` / Ctrl-C: what the caller does next (stop the fleet, or detach). */
  readonly onQuit: (kind: ExitKind) => void;
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** `1.50` → 1.5; anything that is not a positive amount of dollars → undefined. */
export function parseAmount(text: string): number | undefined {
  if (!/^\s*\$?\d+(\.\d+)?\s*$/.test(text)) return undefined;
  const n = Number(text.trim().replace(/^\$/, ''));
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export function Overlay({ live, source, mode, onQuit }: OverlayProps) {
  const view = useSyncExternalStore(live.subscribe, live.getSnapshot);
  const { columns, rows } = useTerminalSize();
  const [selected, setSelected] = useState(0);
  const [help, setHelp] = useState(false);
  const [prompt, setPrompt] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [quitting, setQuitting] = useState<ExitKind | undefined>(undefined);
  const agent = view.agents[Math.min(selected, Math.max(0, view.agents.length - 1))];

  const act = (label: string, run: () => Promise<unknown>): void => {
    setMessage(`${label}…`);
    run().then(
      () => setMessage(`${label}: done`),
      (error: Error) => setMessage(`${label}: ${error.message}`),
    );
  };

  // Keys may arrive faster than renders: the handler keeps the UI state in a ref, not in the closure
  // of the render it was made in, and hands React a copy to draw.
  const ui = useRef({ selected: 0, help: false, prompt: undefined as string | undefined, quitting: undefined as ExitKind | undefined });
  const viewRef = useRef(view);
  viewRef.current = view;

  useInput((input, key) => {
    const s = ui.current;
    const agents = viewRef.current.agents;
    const target = agents[Math.min(s.selected, Math.max(0, agents.length - 1))];
    if (s.prompt !== undefined) {
      const typed = s.prompt;
      if (key.escape) s.prompt = undefined;
      else if (key.return) {
        s.prompt = undefined;
        const amount = parseAmount(typed);
        if (!target) setMessage(undefined);
        else if (amount === undefined) setMessage(`Not an amount of dollars: "${typed}" (type e.g. 1.50)`);
        else act(`raise ${target.name}'s budget by ${usd(amount)}`, () => source.resume(target.name, amount));
      } else if (key.backspace || key.delete) s.prompt = typed.slice(0, -1);
      else if (/^[\d.$]+$/.test(input)) s.prompt = typed + input;
      setPrompt(s.prompt);
      return;
    }
    if (s.help) {
      s.help = false;
      setHelp(false);
      return;
    }
    const quit = (kind: ExitKind): void => {
      s.quitting = kind;
      setQuitting(kind);
      onQuit(kind);
    };
    if (key.ctrl && input === 'c') quit(mode === 'watch' ? 'detach' : s.quitting === 'drain' ? 'now' : 'drain');
    else if (input === 'q') quit(mode === 'watch' ? 'detach' : 'drain');
    else if (input === 'Q') quit(mode === 'watch' ? 'detach' : 'now');
    else if (input === '?') {
      s.help = true;
      setHelp(true);
    } else if (key.upArrow || key.downArrow) {
      s.selected = Math.max(0, Math.min(agents.length - 1, s.selected + (key.upArrow ? -1 : 1)));
      setSelected(s.selected);
    } else if (!target) return;
    else if (input === 'p') act(`pause ${target.name}`, () => source.pause(target.name));
    else if (input === 'r') act(`resume ${target.name}`, () => source.resume(target.name));
    else if (input === 'k') act(`kill ${target.name}`, () => source.kill(target.name));
    else if (input === 'b') {
      setMessage(undefined);
      s.prompt = '';
      setPrompt('');
    }
  });

  const cols = columnsFor(columns);
  if (help) return <Help mode={mode} />;
  // Lines: totals, header, the rows (two for an agent with a reason), notices, the key line. The rows
  // come first; the notices get what is left, at most 6 lines; the frame never grows past the screen.
  const linesOf = (a: (typeof view.agents)[number]): number => (a.reason !== null && a.state !== 'running' && a.state !== 'starting' ? 2 : 1);
  const error = live.error ? 1 : 0;
  const rowBudget = Math.max(1, rows - 3 - error);
  const allLines = view.agents.reduce((n, a) => n + linesOf(a), 0);
  let first = 0;
  let shown = view.agents;
  if (allLines > rowBudget) {
    // Keep the selected agent in view; one line says how many more there are.
    const fit = (from: number): number => {
      let used = 1;
      let n = 0;
      for (let i = from; i < view.agents.length && used + linesOf(view.agents[i]!) <= rowBudget; i++, n++) used += linesOf(view.agents[i]!);
      return n;
    };
    while (first < selected && first + fit(first) <= selected) first += 1;
    shown = view.agents.slice(first, first + Math.max(1, fit(first)));
  }
  const shownLines = shown.reduce((n, a) => n + linesOf(a), 0) + (shown.length < view.agents.length ? 1 : 0);
  const noticeLines = Math.max(0, Math.min(6, rows - 3 - error - shownLines));
  const footer =
    view.stopped
      ? mode === 'watch'
        ? 'the fleet stopped; q to leave'
        : 'fleet stopped'
      : prompt !== undefined
      ? `Raise ${agent?.name ?? ''}'s budget by $${prompt}▏ (Enter to confirm, Esc to cancel)`
      : quitting === 'drain'
        ? 'stopping: waiting for running tasks to finish (Q or Ctrl-C: stop now)'
        : quitting === 'now'
          ? 'stopping now…'
          : message !== undefined
            ? safe(message)
            : mode === 'start'
              ? '↑↓ select  p pause  r resume  b budget  k kill  q stop  Q stop now  ? help'
              : '↑↓ select  p pause  r resume  b budget  k kill  q detach  ? help';
  return (
    <Box flexDirection="column" width={columns}>
      <TotalsLine view={view} mode={mode} />
      <HeaderRow cols={cols} />
      {shown.map((row, i) => (
        <AgentRowView key={row.name} row={row} cols={cols} selected={first + i === selected} />
      ))}
      {view.agents.length > shown.length ? <Text dimColor>{`  (${view.agents.length - shown.length} more: ↑↓)`}</Text> : null}
      <Notices notices={view.notices} lines={noticeLines} />
      {live.error ? <Text color="red" wrap="truncate-end">{safe(live.error)}</Text> : null}
      <Text wrap="truncate-end" {...(prompt !== undefined ? { color: 'cyan' } : { dimColor: true })}>
        {footer}
      </Text>
    </Box>
  );
}
