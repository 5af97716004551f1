/** How `start` and `watch` show the fleet's events: the live overlay, plain lines, or JSON lines. */
import { formatEvent, type FleetEvent } from '../supervisor/events.js';

export type OutputMode = 'tui' | 'plain' | 'json';

/** `--json` wins; then `--no-tui` or an output that is not a terminal gives plain lines. */
export function outputMode(
  options: { json?: boolean; tui?: boolean },
  stdout: NodeJS.WriteStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): OutputMode {
  if (options.json) return 'json';
  if (options.tui === false || !stdout.isTTY) return 'plain';
  // Under a CI variable Ink draws only the last frame, so a live overlay would show nothing: plain lines.
  if (env['CI'] !== undefined && env['CI'] !== 'false' && env['CI'] !== '0') return 'plain';
  return 'tui';
}

/**
 * Prints each event as one line: escaped plain text, or JSON exactly as the control API sends it.
 *
 * A pause at the budget arrives as two events back to back: the agent's state change (`agent.state`,
 * "paused: budget: …") and `agent.budget` with the very same message, for clients that follow budgets
 * only. As plain lines that would say the same thing twice, so the second is left out; JSON keeps both.
 */
export function eventPrinter(mode: 'plain' | 'json', stdout: NodeJS.WriteStream = process.stdout): (event: FleetEvent) => void {
  if (mode === 'json') return (event) => void stdout.write(`${JSON.stringify(event)}\n`);
  let lastState: FleetEvent | undefined;
  return (event) => {
    const repeat = event.type === 'agent.budget' && lastState !== undefined && lastState.agent === event.agent && lastState.message === event.message;
    lastState = event.type === 'agent.state' ? event : undefined;
    if (!repeat) stdout.write(`${formatEvent(event)}\n`);
  };
}
