/**
 * Every method of protocol 1.x in one list, for dispatch tables, docs and schema generation.
 *
 * @example
 * ```ts
 * import { PROTOCOL_METHODS, methodsSentBy } from './methods.js';
 * for (const m of methodsSentBy('worker')) console.log(m.method);
 * ```
 */
import { CancelRequest, Exit, Initialize, Ping, Shutdown } from './lifecycle.js';
import type { MethodType } from './method.js';
import { CommitRequest, ExecRun, Log, ModelComplete, ModelDelta } from './services.js';
import { TaskDeadline, TaskProgress, TaskRun } from './task.js';

/** All methods, in documentation order. */
export const PROTOCOL_METHODS: readonly MethodType[] = Object.freeze([
  Initialize,
  Ping,
  TaskRun,
  TaskProgress,
  TaskDeadline,
  CancelRequest,
  Shutdown,
  Exit,
  ModelComplete,
  ModelDelta,
  ExecRun,
  CommitRequest,
  Log,
]);

/** The methods a side may send (`both` counts for either side). */
export function methodsSentBy(side: 'supervisor' | 'worker'): MethodType[] {
  const direction = side === 'supervisor' ? 'supervisor-to-worker' : 'worker-to-supervisor';
  return PROTOCOL_METHODS.filter((m) => m.direction === direction || m.direction === 'both');
}
