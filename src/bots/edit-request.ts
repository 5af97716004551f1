/**
 * Asking a model for edits until one can be accepted: the loop doc-bot and test-writer-bot share. Each
 * reply is parsed into edit blocks (edit-blocks.ts), checked by the bot's own rules, planned without
 * writing (all blocks or none) and checked again as whole files; the first reply that passes is written.
 * A rejected reply stays in the conversation, followed by the bot's feedback naming every problem, so
 * the next reply can fix exactly those. (patch-bot runs the test between attempts and bounds its
 * history, so it keeps a loop of its own.)
 */
import type { ChatMessage } from '../protocol/index.js';
import type { TaskContext } from '../worker/plugin.js';
import { fileReader, parseEditBlocks, planEdits, writePlan, type EditBlock } from './edit-blocks.js';

export interface EditRequest {
  readonly ctx: TaskContext;
  /** The worktree the edits apply to. */
  readonly workdir: string;
  /** The conversation so far; replies and feedback are appended to it. */
  readonly messages: ChatMessage[];
  /** Model replies this request may use. */
  readonly maxTurns: number;
  /** Problems with the blocks themselves, before planning (paths the bot may not write, …). */
  readonly refuse?: (blocks: readonly EditBlock[]) => readonly string[];
  /** Problems with the files as the edit would leave them (path → new text). */
  readonly check?: (files: ReadonlyMap<string, string>) => readonly string[];
  /** The message that sends the problems of a rejected reply back. */
  readonly feedback: (problems: readonly string[]) => string;
  /** Called before each model call (progress), with the 1-based turn. */
  readonly beforeAsk?: (turn: number) => Promise<void>;
  /** Called for each rejected reply (logging). */
  readonly onRejected?: (turn: number, problems: readonly string[]) => void;
}

export type EditRequestResult =
  | { readonly ok: true; readonly files: ReadonlyMap<string, string>; readonly turns: number; readonly rejected: readonly (readonly string[])[] }
  | { readonly ok: false; readonly turns: number; readonly rejected: readonly (readonly string[])[] };

/** Asks until a reply's edits pass every check and are written, or `maxTurns` replies were used. */
export async function requestEdits(r: EditRequest): Promise<EditRequestResult> {
  const { ctx, messages } = r;
  const read = fileReader(r.workdir);
  const rejected: string[][] = [];
  for (let turn = 1; turn <= r.maxTurns; turn++) {
    await r.beforeAsk?.(turn);
    const reply = await ctx.model.complete({ messages, stream: false }, { signal: ctx.signal }).text();
    messages.push({ role: 'assistant', content: reply });
    const parsed = parseEditBlocks(reply);
    let problems = [...parsed.problems, ...(r.refuse?.(parsed.blocks) ?? [])];
    if (problems.length === 0) {
      const plan = await planEdits(parsed.blocks, read);
      problems = plan.ok ? [...(r.check?.(plan.files) ?? [])] : [...plan.problems];
      if (plan.ok && problems.length === 0) {
        await writePlan(r.workdir, plan.files);
        return { ok: true, files: plan.files, turns: turn, rejected };
      }
    }
    rejected.push(problems);
    r.onRejected?.(turn, problems);
    messages.push({ role: 'user', content: r.feedback(problems) });
  }
  return { ok: false, turns: r.maxTurns, rejected };
}
