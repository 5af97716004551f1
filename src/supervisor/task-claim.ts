/**
 * A worker's message that names a task (`task_id`) must name the task that worker is running now: a
 * worker cannot log, report progress or spend in another task's name.
 *
 * @example
 * ```ts
 * const issue = foreignTask(worker.currentTaskId, params.task_id);
 * if (issue) throw refuseTaskClaim(ModelComplete.method, issue);
 * ```
 */
import { ErrorCodes } from '../protocol/error-codes.js';
import { RpcError } from '../rpc/errors.js';

/** Why `claimed` is not the worker's task, or undefined when it is (or when no task is named). */
export function foreignTask(current: string | undefined, claimed: string | undefined): string | undefined {
  if (claimed === undefined || claimed === current) return undefined;
  const id = JSON.stringify(claimed.length > 64 ? `${claimed.slice(0, 64)}…` : claimed);
  return current === undefined ? `task_id ${id} is not a task of this worker (it runs none now)` : `task_id ${id} is not this worker's task (it runs ${current})`;
}

/** The error a request naming another task is answered with: InvalidParams at `/params/task_id`. */
export function refuseTaskClaim(method: string, issue: string): RpcError {
  return new RpcError(ErrorCodes.InvalidParams, `Invalid params for "${method}": /params/task_id: ${issue}`, {
    path: '/params/task_id',
    message: issue,
  });
}
