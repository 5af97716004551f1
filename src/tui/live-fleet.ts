/**
 * The overlay's store: keeps a {@link FleetView} up to date from a {@link FleetSource} and tells the
 * components when it changed.
 *
 * Events update the view at once (current tasks, notifications) and ask for a fresh `fleet/status`,
 * at most one per `refreshMs`. Spend moves while tasks run without an event per model call, so while
 * any task runs, calls wait or money is reserved the status is also asked for every `pollMs`. When the
 * fleet is idle no timer is left: an idle overlay costs nothing until the next event.
 */
import type { FleetEvent } from '../control/methods.js';
import type { FleetSource } from './source.js';
import { currentFromTasks, EMPTY_VIEW, fromStatus, noticeOf, withTask, type CurrentTask, type FleetView } from './view-model.js';

export interface LiveFleetOptions {
  /** Soonest a status is asked for again after an event. */
  readonly refreshMs?: number;
  /** How often the status is asked for while work is in flight. */
  readonly pollMs?: number;
  /** Notifications kept (the newest). */
  readonly maxNotices?: number;
}

/** Events that can change a row's numbers: worth a fresh status. */
const CHANGES_STATUS = /^(agent|worker|task|fleet|ledger|commit)\./;

export class LiveFleet {
  private view: FleetView = EMPTY_VIEW;
  private readonly listeners = new Set<() => void>();
  private readonly current = new Map<string, CurrentTask>();
  private source: FleetSource | undefined;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private again = false;
  private nextNotice = 1;
  private closed = false;
  private readonly refreshMs: number;
  private readonly pollMs: number;
  private readonly maxNotices: number;
  /** Set when a status request failed; shown by the components. */
  error: string | undefined;

  constructor(options: LiveFleetOptions = {}) {
    this.refreshMs = options.refreshMs ?? 200;
    this.pollMs = options.pollMs ?? 1000;
    this.maxNotices = options.maxNotices ?? 50;
  }

  /** Starts reading `source`: its events, then its status and running tasks. */
  async attach(source: FleetSource): Promise<void> {
    this.source = source;
    this.unsubscribe = source.subscribe((event) => this.push(event));
    const running = await source.runningTasks();
    for (const [agent, task] of currentFromTasks(running)) if (!this.current.has(agent)) this.current.set(agent, task);
    await this.refresh();
  }

  /** One fleet event (also usable before {@link attach}, for the events of the fleet's start-up). */
  push(event: FleetEvent): void {
    if (this.closed) return;
    let next = this.view;
    const agent = event.agent;
    if (agent !== undefined && event.task !== undefined) {
      const now = this.current.get(agent);
      if (event.type === 'task.started') this.current.set(agent, { id: event.task, progress: null });
      else if (event.type === 'task.progress') {
        const fraction = (event.data as { fraction?: unknown } | undefined)?.fraction;
        const text = event.message.replace(/^task [^:]+: ?/, '');
        this.current.set(agent, { id: event.task, progress: typeof fraction === 'number' ? `${Math.round(fraction * 100)}% ${text.replace(/ \(\d+%\)$/, '')}` : text });
      } else if (/^task\.(done|failed|retry|cancelled)$/.test(event.type) && now?.id === event.task) this.current.delete(agent);
      next = withTask(next, agent, this.current.get(agent));
    }
    if (event.type === 'fleet.stopping') next = { ...next, stopping: true };
    if (event.type === 'fleet.stopped') next = { ...next, stopping: true, stopped: true };
    const notice = noticeOf(event, this.nextNotice);
    if (notice) {
      this.nextNotice += 1;
      next = { ...next, notices: [...next.notices, notice].slice(-this.maxNotices) };
    }
    this.set(next);
    if (CHANGES_STATUS.test(event.type) && !next.stopped) this.schedule(this.refreshMs);
  }

  /** The fleet went away (the connection closed): keep the last view, mark it stopped. */
  markStopped(): void {
    this.set({ ...this.view, stopping: true, stopped: true });
  }

  getSnapshot = (): FleetView => this.view;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Whether a timer is pending (an idle overlay has none). */
  get pending(): boolean {
    return this.timer !== undefined || this.inFlight;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.listeners.clear();
  }

  private set(next: FleetView): void {
    if (next === this.view) return;
    this.view = next;
    for (const listener of this.listeners) listener();
  }

  private schedule(ms: number): void {
    if (this.closed || this.source === undefined) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, ms);
  }

  private async refresh(): Promise<void> {
    if (!this.source || this.closed) return;
    this.inFlight = true;
    try {
      const status = await this.source.status();
      if (this.closed) return;
      this.error = undefined;
      const next = fromStatus(this.view, status, this.current);
      if (JSON.stringify(next) !== JSON.stringify(this.view)) this.set(next);
    } catch (error) {
      if (this.closed) return;
      this.error = (error as Error).message;
    } finally {
      this.inFlight = false;
    }
    if (this.closed || this.view.stopped) return;
    if (this.again) {
      this.again = false;
      this.schedule(this.refreshMs);
    } else if (this.busy()) this.schedule(this.pollMs);
  }

  /** Work in flight: spend may move without an event. */
  private busy(): boolean {
    return this.view.agents.some((a) => a.running > 0 || (a.reservedUsd ?? 0) > 0 || a.busy > 0);
  }
}
