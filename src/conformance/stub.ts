/**
 * The supervisor stub the conformance kit runs against a worker: it serves every worker-to-supervisor
 * request with canned answers and records what it saw.
 *
 * @example
 * ```ts
 * const stub = serveStub(conn);
 * // … run a task …
 * console.log(stub.logs, stub.modelCalls);
 * ```
 */
import { ErrorCodes } from '../protocol/error-codes.js';
import { Ping } from '../protocol/lifecycle.js';
import { RepoDiff, type RepoDiffParams } from '../protocol/repo.js';
import {
  CommitRequest,
  ExecRun,
  Log,
  ModelComplete,
  ModelDelta,
  type CommitRequestParams,
  type ExecRunParams,
  type LogParams,
  type ModelCompleteParams,
} from '../protocol/services.js';
import type { Connection } from '../rpc/connection.js';
import { RpcError } from '../rpc/errors.js';

/** The canned model reply, streamed as these deltas. */
export const CANNED_DELTAS = Object.freeze(['Hello', ', ', 'fleet', ' ✓', '!']);
export const CANNED_USAGE = Object.freeze({ input_tokens: 12, output_tokens: 5 });
export const CANNED_COST_USD = 0.000125;
export const CANNED_STDOUT = 'conformance ok\n';
export const CANNED_SHA = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
/** The canned `repo/diff` text. */
export const CANNED_DIFF = 'diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-old\n+new\n';
/** `exec/run` with this program is refused with ExecNotAllowed. */
export const DENIED_PROGRAM = 'conformance-denied';

export interface StubRecord {
  readonly modelCalls: ModelCompleteParams[];
  readonly execCalls: ExecRunParams[];
  readonly commitCalls: CommitRequestParams[];
  readonly repoDiffCalls: RepoDiffParams[];
  readonly logs: LogParams[];
}

/** Installs the stub's handlers on a supervisor-side connection. */
export function serveStub(conn: Connection): StubRecord {
  const record: StubRecord = { modelCalls: [], execCalls: [], commitCalls: [], repoDiffCalls: [], logs: [] };
  conn.onRequest(Ping, () => ({}));
  conn.onRequest(ModelComplete, async (params, ctx) => {
    record.modelCalls.push(params);
    if (params.stream !== false) {
      for (const [index, text] of CANNED_DELTAS.entries()) await ctx.stream(ModelDelta, { index, text });
    }
    return {
      text: CANNED_DELTAS.join(''),
      finish_reason: 'stop' as const,
      model: 'conformance-model',
      usage: { ...CANNED_USAGE },
      cost_usd: CANNED_COST_USD,
    };
  });
  conn.onRequest(ExecRun, (params) => {
    record.execCalls.push(params);
    if (params.argv[0] === DENIED_PROGRAM) {
      throw new RpcError(ErrorCodes.ExecNotAllowed, `Not on the exec allow-list: ${JSON.stringify(params.argv)}`, { argv: params.argv });
    }
    return {
      exit_code: 0,
      signal: null,
      stdout: CANNED_STDOUT,
      stderr: '',
      stdout_truncated: false,
      stderr_truncated: false,
      timed_out: false,
      duration_ms: 1,
    };
  });
  conn.onRequest(CommitRequest, (params) => {
    record.commitCalls.push(params);
    return { sha: CANNED_SHA };
  });
  conn.onRequest(RepoDiff, (params) => {
    record.repoDiffCalls.push(params);
    return { files: [{ path: 'README.md', status: 'modified' as const }], diff: CANNED_DIFF, truncated: false };
  });
  conn.onNotification(Log, (params) => void record.logs.push(params));
  return record;
}
