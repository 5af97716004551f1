/**
 * The worker → supervisor services, checked against the agent's spec. Model calls count toward the
 * task's turn limit; commands must match the exec allow-list. Services whose machinery is not part of
 * this version answer with a clear error instead of pretending.
 */
import { ErrorCodes } from '../protocol/error-codes.js';
import { RepoDiff } from '../protocol/repo.js';
import { CommitRequest, ExecRun, Log, ModelComplete } from '../protocol/services.js';
import type { Connection } from '../rpc/connection.js';
import { RpcError } from '../rpc/errors.js';
import type { AgentSpec } from '../spec/types.js';
import { matchExecRule } from './exec-allow-list.js';
import type { WorkerHandle } from './worker.js';

export interface ServiceHooks {
  log(worker: WorkerHandle, level: string, message: string, taskId: string | undefined): void;
}

export function serveWorker(agent: AgentSpec, hooks: ServiceHooks): (connection: Connection, worker: WorkerHandle) => void {
  return (connection, worker) => {
    connection.onRequest(ModelComplete, () => {
      worker.turns += 1;
      if (worker.turns > agent.limits.max_turns) {
        throw new RpcError(
          ErrorCodes.TurnLimitExceeded,
          `Task ${worker.currentTaskId ?? '?'} has used its ${agent.limits.max_turns} model turns (limits.max_turns)`,
        );
      }
      throw new RpcError(ErrorCodes.ModelError, 'Model calls are not available in this version of codex fleet');
    });
    connection.onRequest(ExecRun, (params) => {
      if (!matchExecRule(agent, params.argv)) {
        throw new RpcError(
          ErrorCodes.ExecNotAllowed,
          `${JSON.stringify(params.argv)} is not in ${agent.name}'s exec allow-list (the "exec" field of its spec)`,
        );
      }
      throw new RpcError(ErrorCodes.ExecFailed, 'Running commands is not available in this version of codex fleet');
    });
    connection.onRequest(CommitRequest, () => {
      throw new RpcError(ErrorCodes.CommitRejected, 'Commits are not available in this version of codex fleet');
    });
    connection.onRequest(RepoDiff, (params) => {
      throw new RpcError(ErrorCodes.RepoError, 'Repository facts are not available in this version of codex fleet', { range: params.range });
    });
    connection.onNotification(Log, (params) => hooks.log(worker, params.level, params.message, params.task_id));
  };
}
