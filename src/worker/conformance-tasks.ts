/**
 * The conformance kit's built-in tasks (kinds starting with `conformance.`), run by the Node runner
 * itself so every plugin-based worker passes the kit. docs/protocol.md, "Passing the conformance kit",
 * specifies them for workers in other languages.
 *
 * @example
 * ```ts
 * if (isConformanceTask(task)) return runConformanceTask(task, ctx);
 * ```
 */
import { ErrorCodes } from '../protocol/error-codes.js';
import type { Task } from '../protocol/task.js';
import { RpcError } from '../rpc/errors.js';
import type { TaskContext } from './plugin.js';

export const CONFORMANCE_PREFIX = 'conformance.';

export function isConformanceTask(task: Task): boolean {
  return task.kind.startsWith(CONFORMANCE_PREFIX);
}

interface ServicesInput {
  prompt: string;
  argv: string[];
  commit: { message: string; paths: string[] };
}

function asServicesInput(input: unknown): ServicesInput {
  const i = input as Partial<ServicesInput> | null;
  if (
    typeof i !== 'object' || i === null || typeof i.prompt !== 'string' || !Array.isArray(i.argv) ||
    typeof i.commit !== 'object' || i.commit === null
  ) {
    throw new RpcError(ErrorCodes.TaskFailed, 'conformance.services needs input { prompt, argv, commit: { message, paths } }');
  }
  return i as ServicesInput;
}

/** Runs a `conformance.*` task. */
export async function runConformanceTask(task: Task, ctx: TaskContext): Promise<unknown> {
  switch (task.kind) {
    case 'conformance.echo':
      return task.input;
    case 'conformance.services': {
      const input = asServicesInput(task.input);
      ctx.log('conformance: services task started', { fields: { task_id: task.id } });
      await ctx.progress('started', 0);
      const reply = ctx.model.complete({ prompt: input.prompt });
      const deltas: string[] = [];
      for await (const d of reply) deltas.push(d.text);
      const final = await reply.result;
      await ctx.progress('model replied', 0.5);
      const exec = await ctx.exec(input.argv);
      const commit = await ctx.commit(input.commit.message, input.commit.paths);
      await ctx.progress('done', 1);
      return {
        deltas,
        text: final.text,
        usage: final.usage,
        cost_usd: final.cost_usd,
        exec: { exit_code: exec.exit_code, stdout: exec.stdout },
        sha: commit.sha,
      };
    }
    case 'conformance.errors': {
      const argv = (task.input as { argv?: unknown } | null)?.argv;
      if (!Array.isArray(argv)) throw new RpcError(ErrorCodes.TaskFailed, 'conformance.errors needs input { argv }');
      try {
        await ctx.exec(argv as string[]);
        return { code: null };
      } catch (err) {
        if (err instanceof RpcError) return { code: err.code, message: err.message };
        throw err;
      }
    }
    case 'conformance.block':
      await new Promise<never>((_, reject) => {
        if (ctx.signal.aborted) reject(new RpcError(ErrorCodes.RequestCancelled, 'Request cancelled'));
        ctx.signal.addEventListener('abort', () => reject(new RpcError(ErrorCodes.RequestCancelled, 'Request cancelled')), { once: true });
      });
      return null;
    default:
      throw new RpcError(ErrorCodes.TaskFailed, `Unknown conformance task kind "${task.kind}"`);
  }
}
