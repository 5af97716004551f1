/**
 * The fleet's event stream: every state change the user may care about, as one typed value with a
 * readable message. `codex fleet start` prints them; control clients subscribe to them.
 */
import type { FleetEvent } from '../control/methods.js';
import { escapeLine } from '../terminal/escape.js';

export type { FleetEvent };

export type FleetEventInput = Omit<FleetEvent, 'time'>;

export class FleetEvents {
  private readonly listeners = new Set<(event: FleetEvent) => void>();

  constructor(private readonly clock: () => number = Date.now) {}

  emit(input: FleetEventInput): void {
    const event: FleetEvent = { time: this.clock(), ...input };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener (a closed client) must not stop the fleet.
      }
    }
  }

  subscribe(listener: (event: FleetEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * `12:03:04 patch-bot[0] task t… done`: one line for a terminal. The message is escaped (it may carry a
 * worker's text), so a worker can neither send terminal controls nor start a line of its own.
 */
export function formatEvent(event: FleetEvent): string {
  const time = new Date(event.time).toISOString().slice(11, 19);
  const who = event.agent === undefined ? 'fleet' : event.worker === undefined ? event.agent : `${event.agent}[${event.worker}]`;
  return `${time} ${who} ${escapeLine(event.message)}`;
}
