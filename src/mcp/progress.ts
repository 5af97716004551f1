/**
 * Progress while a client waits for a task: the fleet's events about that task (started, progress
 * lines, retries, the end) become MCP progress notifications on the waiting request's progressToken.
 *
 * The event connection is opened before the task is submitted, so no event of the task is missed;
 * events arrive on their own connection, so the first and the last notification ("waiting", "done")
 * are sent by the waiter itself, in order with the answer.
 */
import type { FleetEvent } from '../control/methods.js';
import type { FleetLink } from './fleet-link.js';

/** Sends one progress notification; `progress` grows with every call. */
export type ProgressSink = (progress: number, message: string) => Promise<void>;

export class TaskProgress {
  private step = 0;
  private sent: Promise<void> = Promise.resolve();
  private taskId: string | undefined;
  private readonly early: FleetEvent[] = [];
  private unsubscribe: () => void = () => undefined;

  private constructor(private readonly sink: ProgressSink | undefined) {}

  /**
   * Starts listening to the fleet's events when the client asked for progress (a sink); without one,
   * every method does nothing. Progress is best effort: a failed event connection only means fewer
   * notifications.
   */
  static async open(link: FleetLink, sink: ProgressSink | undefined): Promise<TaskProgress> {
    const progress = new TaskProgress(sink);
    if (sink !== undefined) {
      progress.unsubscribe = await link.subscribe((event) => progress.onEvent(event)).catch(() => () => undefined);
    }
    return progress;
  }

  private onEvent(event: FleetEvent): void {
    if (event.task === undefined || !event.type.startsWith('task.')) return;
    if (this.taskId === undefined) this.early.push(event);
    else if (event.task === this.taskId) void this.say(`${event.type}: ${event.message}`);
  }

  /** From now on, forwards the events of `taskId` (also those that came before this call). */
  follow(taskId: string): void {
    this.taskId = taskId;
    for (const event of this.early.splice(0)) if (event.task === taskId) void this.say(`${event.type}: ${event.message}`);
  }

  /** Sends one notification after those already asked for (notifications keep their order). */
  say(message: string): Promise<void> {
    const sink = this.sink;
    if (sink === undefined) return Promise.resolve();
    this.step += 1;
    const step = this.step;
    this.sent = this.sent.then(() => sink(step, message)).catch(() => undefined);
    return this.sent;
  }

  /** Stops forwarding fleet events, then sends `message` as the last notification. */
  async finish(message: string): Promise<void> {
    this.close();
    await this.say(message);
  }

  close(): void {
    this.unsubscribe();
    this.unsubscribe = () => undefined;
    this.taskId = undefined;
    this.early.length = 0;
  }
}
