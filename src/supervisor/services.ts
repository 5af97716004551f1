/**
 * The worker → supervisor services, checked against the agent's spec. Model calls count toward the
 * task's turn limit; commands must match the exec allow-list. Services whose machinery is not part of
 * this version answer with a clear error instead of pretending.
 */
import { ErrorCodes } from '../protocol/error-codes.js';
import { RepoDiff } from '../protocol/repo.js';
import { CommitRequest, ExecRun, Log, ModelComplete, ModelDelta } from '../protocol/services.js';
import type { Connection } from '../rpc/connection.js';
import { RpcError } from '../rpc/errors.js';
import type { SandboxIdentity } from '../sandbox/identity.js';
import type { AgentSpec } from '../spec/types.js';
import { describeExecRules, matchExecRule } from './exec-allow-list.js';
import { runCommand } from './exec-run.js';
import { foreignTask, refuseTaskClaim } from './task-claim.js';
import type { ModelMeter } from './model-meter.js';
import type { WorkerHandle } from './worker.js';
import type { Workspaces } from './workspaces.js';

export interface ServiceHooks {
  log(worker: WorkerHandle, level: string, message: string, taskId: string | undefined): void;
  /** Meters and sends model calls (the gateway and the ledger). */
  readonly meter: ModelMeter;
  /** Task workspaces (worktrees, commits, repo/diff). */
  readonly workspaces: Workspaces;
  /** Every command run, finished or not. */
  execEvent(worker: WorkerHandle, taskId: string | undefined, argv: readonly string[], outcome: string, durationMs: number, data: Record<string, unknown>): void;
  readonly landlockAbiOverride?: number;
  readonly unsafeNoSandbox?: boolean;
  /** The workers' sandbox user (commands run as it too), when the fleet runs as root. */
  readonly identity?: SandboxIdentity;
}

/** Output kept per stream of a command (also given to workers as `limits.exec_output_bytes`). */
export const EXEC_OUTPUT_BYTES = 1024 * 1024;

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
    connection.onRequest(ExecRun, async (params, ctx) => {
      checkClaim(ExecRun.method, params.task_id);
      const taskId = params.task_id ?? worker.currentTaskId;
      const rule = matchExecRule(agent, params.argv);
      if (!rule) {
        const list = describeExecRules(agent);
        hooks.execEvent(worker, taskId, params.argv, 'refused: not on the exec allow-list', 0, { refused: true });
        throw new RpcError(
          ErrorCodes.ExecNotAllowed,
          `${JSON.stringify(params.argv)} is not in ${agent.name}'s exec allow-list (the "exec" field of ${agent.file}): ${list}`,
          { argv: params.argv },
        );
      }
      const workdir = hooks.workspaces.workdir(taskId) ?? worker.options.workspace;
      const started = Date.now();
      try {
        const result = await runCommand(agent, {
          argv: params.argv,
          rule,
          workdir,
          ...(params.cwd !== undefined ? { cwd: params.cwd } : {}),
          ...(params.stdin !== undefined ? { stdin: params.stdin } : {}),
          ...(params.timeout_s !== undefined ? { timeoutS: params.timeout_s } : {}),
          dependencies: hooks.workspaces.dependencies(),
          outputBytes: EXEC_OUTPUT_BYTES,
          signal: ctx.signal,
          ...(hooks.landlockAbiOverride !== undefined ? { landlockAbiOverride: hooks.landlockAbiOverride } : {}),
          ...(hooks.unsafeNoSandbox === true ? { unsafeNoSandbox: true } : {}),
          ...(hooks.identity !== undefined ? { identity: hooks.identity } : {}),
        });
        const outcome = result.timed_out ? `timed out after ${rule.timeout_s}s` : result.signal ? `killed by ${result.signal}` : `exit ${result.exit_code}`;
        hooks.execEvent(worker, taskId, params.argv, outcome, result.duration_ms, { exit_code: result.exit_code, signal: result.signal, timed_out: result.timed_out });
        return result;
      } catch (error) {
        hooks.execEvent(worker, taskId, params.argv, `failed: ${(error as Error).message}`, Date.now() - started, { error: (error as Error).message });
        throw error;
      }
    });
    connection.onRequest(CommitRequest, (params) => {
      checkClaim(CommitRequest.method, params.task_id);
      return hooks.workspaces.commit(agent, params.task_id ?? worker.currentTaskId, params.message, params.paths);
    });
    connection.onRequest(RepoDiff, (params) => {
      checkClaim(RepoDiff.method, params.task_id);
      return hooks.workspaces.diff(params.task_id ?? worker.currentTaskId, params.range);
    });
    connection.onNotification(Log, (params) => {
      const issue = foreignTask(worker.currentTaskId, params.task_id);
      if (issue !== undefined) connection.reportViolation(ErrorCodes.InvalidParams, `log: ${issue}; the line was dropped`);
      else hooks.log(worker, params.level, params.message, params.task_id);
    });
  };
}
