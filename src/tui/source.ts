/**
 * Where the overlay gets its data and sends its commands: a running fleet seen through a small
 * interface, so the same view works in-process (`codex fleet start`, beside the supervisor) and over
 * the control socket (`codex fleet watch`).
 */
import type { ControlClient } from '../control/client.js';
import { KillAgent, ListTasks, PauseAgent, ResumeAgent, Status, StopFleet, Subscribe, type AgentStatus, type FleetEvent, type FleetStatus } from '../control/methods.js';

/** A task as the view needs it: which agent runs what. */
export interface TaskRef {
  readonly id: string;
  readonly agent: string;
  readonly state: string;
}

export interface FleetSource {
  status(): Promise<FleetStatus>;
  runningTasks(): Promise<readonly TaskRef[]>;
  /** Calls `listener` for every fleet event from now on, until the returned function is called. */
  subscribe(listener: (event: FleetEvent) => void): () => void;
  pause(agent: string): Promise<AgentStatus>;
  /** Resumes the agent; with `addUsd`, raises its budget in force by that much first. */
  resume(agent: string, addUsd?: number): Promise<AgentStatus>;
  kill(agent: string): Promise<AgentStatus>;
  stop(now: boolean): Promise<void>;
}

/** What the supervisor offers in-process: the handlers behind its control socket. */
export interface InProcessFleet {
  status(): FleetStatus;
  listTasks(filter: { state?: 'running'; limit?: number }): { tasks: readonly TaskRef[] };
  pause(agent: string): AgentStatus;
  resume(agent: string, budget?: { add_usd?: number }): AgentStatus;
  kill(agent: string): Promise<AgentStatus>;
  stop(now: boolean): Promise<void> | void;
  subscribe(listener: (event: FleetEvent) => void): () => void;
}

export function inProcessSource(fleet: InProcessFleet): FleetSource {
  return {
    status: async () => fleet.status(),
    runningTasks: async () => fleet.listTasks({ state: 'running', limit: 1000 }).tasks,
    subscribe: (listener) => fleet.subscribe(listener),
    pause: async (agent) => fleet.pause(agent),
    resume: async (agent, addUsd) => fleet.resume(agent, addUsd === undefined ? {} : { add_usd: addUsd }),
    kill: (agent) => fleet.kill(agent),
    stop: async (now) => {
      await fleet.stop(now);
    },
  };
}

/**
 * A fleet over its control socket. Subscribes to its events at once; `subscribe` hands them on. The
 * returned source stops delivering when the connection closes.
 */
export async function clientSource(client: ControlClient): Promise<FleetSource> {
  const listeners = new Set<(event: FleetEvent) => void>();
  client.onEvent((event) => {
    for (const listener of listeners) listener(event);
  });
  await client.request(Subscribe, {});
  return {
    status: () => client.request(Status, {}),
    runningTasks: async () => (await client.request(ListTasks, { state: 'running', limit: 1000 })).tasks,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pause: async (agent) => (await client.request(PauseAgent, { agent })).agent,
    resume: async (agent, addUsd) => (await client.request(ResumeAgent, { agent, ...(addUsd === undefined ? {} : { add_usd: addUsd }) })).agent,
    kill: async (agent) => (await client.request(KillAgent, { agent })).agent,
    stop: async (now) => {
      await client.request(StopFleet, { now });
    },
  };
}
