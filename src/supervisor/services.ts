/**
 * The worker → supervisor services, checked against the agent's spec. Model calls count toward the
 * task's turn limit; commands must match the exec allow-list. Services whose machinery is not part of
 * this version answer with a clear error instead of pretending.
 */
import { ErrorCodes } from '../protocol/error-codes.js';
import { CommitRequest, ExecRun, Log, ModelComplete, ModelDelta } from '../protocol/services.js';
import type { Connection } from '../rpc/connection.js';
import { RpcError } from '../rpc/errors.js';
import type { AgentSpec } from '../spec/types.js';
import { matchExecRule } from './exec-allow-list.js';
import { foreignTask, refuseTaskClaim } from './task-claim.js';
import type { ModelMeter } from './model-meter.js';
import type { WorkerHandle } from './worker.js';

export interface ServiceHooks {
  log(worker: WorkerHandle, level: string, message: string, taskId: string | undefined): void;
  /** Meters and sends model calls (the gateway and the ledger). */
  readonly meter: ModelMeter;
}

export function serveWorker(agent: AgentSpec, hooks: ServiceHooks): (connection: Connection, worker: WorkerHandle) => void {
  return (connection, worker) => {
    /** Refuses (and counts) a request that names a task other than the worker's own. */
    const checkClaim = (method: string, taskId: string | undefined): void => {
      const issue = foreignTask(worker.currentTaskId, taskId);
      if (issue === undefined) return;
      connection.reportViolation(ErrorCodes.InvalidParams, `${method}: ${issue}`);
      throw refuseTaskClaim(method, issue);
    };
    connection.onRequest(ModelComplete, (params, request) => {
      checkClaim(ModelComplete.method, params.task_id);
      worker.turns += 1;
      if (worker.turns > agent.limits.max_turns) {
        throw new RpcError(
          ErrorCodes.TurnLimitExceeded,
          `Task ${worker.currentTaskId ?? '?'} has used its ${agent.limits.max_turns} model turns (limits.max_turns)`,
        );
      }
      const stream = params.stream ?? true;
      return hooks.meter.call(
        {
          agent,
          taskId: worker.currentTaskId ?? params.task_id ?? null,
          minor: worker.minor,
          holdClock: () => worker.holdClock(),
          releaseClock: () => worker.releaseClock(),
        },
        params,
        {
          signal: request.signal,
          onDelta: (index, text) => {
            if (stream) request.stream(ModelDelta, { index, text }).catch(() => undefined);
          },
        },
      );
    });
    connection.onRequest(ExecRun, (params) => {
      checkClaim(ExecRun.method, params.task_id);
      if (!matchExecRule(agent, params.argv)) {
        throw new RpcError(
          ErrorCodes.ExecNotAllowed,
          `${JSON.stringify(params.argv)} is not in ${agent.name}'s exec allow-list (the "exec" field of its spec)`,
        );
      }
      throw new RpcError(ErrorCodes.ExecFailed, 'Running commands is not available in this version of codex fleet');
    });
    connection.onRequest(CommitRequest, (params) => {
      checkClaim(CommitRequest.method, params.task_id);
      throw new RpcError(ErrorCodes.CommitRejected, 'Commits are not available in this version of codex fleet');
    });
    connection.onNotification(Log, (params) => {
      const issue = foreignTask(worker.currentTaskId, params.task_id);
      if (issue !== undefined) connection.reportViolation(ErrorCodes.InvalidParams, `log: ${issue}; the line was dropped`);
      else hooks.log(worker, params.level, params.message, params.task_id);
    });
  };
}
