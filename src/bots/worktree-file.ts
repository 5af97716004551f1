/**
 * Reading a file the range bots (test-writer-bot, doc-bot) were pointed at, as it is in the task's
 * worktree. A range `A..B` whose end is not HEAD can name a file that a later commit deleted or renamed:
 * that is a file to decline with a reason, not a crash.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Why a changed file was declined when the worktree no longer has it. */
export const NOT_IN_WORKTREE = "is not in the task's worktree: a later commit deleted or renamed it; the bot reads files as they are at HEAD";

/** The file's text, or undefined when the worktree has no such file. */
export async function readWorktreeFile(workdir: string, path: string): Promise<string | undefined> {
  try {
    return await readFile(join(workdir, path), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
