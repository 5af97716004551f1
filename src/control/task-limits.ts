/**
 * The sizes a task may have, and how much of it travels in one control message. Every control message
 * must fit the 16 MiB line limit, so whole inputs and results are never put in lists, and a task view
 * carries them only up to {@link VIEW_INLINE_BYTES}; larger ones are read in pages with `tasks/read`.
 */

/** Largest task input accepted by `tasks/submit`, in bytes of its JSON text (UTF-8). */
export const MAX_TASK_INPUT_BYTES = 8 * 1024 * 1024;

/** Largest result a worker may answer with, in bytes of its JSON text; a larger one fails the task. */
export const MAX_TASK_RESULT_BYTES = 8 * 1024 * 1024;

/** A task view (`tasks/get`, `tasks/wait`, `tasks/submit`) carries input and result up to this size each. */
export const VIEW_INLINE_BYTES = 1024 * 1024;

/** Characters of input and result JSON shown in a list entry. */
export const PREVIEW_CHARS = 200;

/** Characters of a task's error shown in a list entry. */
export const LIST_ERROR_CHARS = 500;

/** Longest error kept for a task (a worker's error message can be as long as a whole line). */
export const MAX_ERROR_CHARS = 8_000;

/**
 * A `tasks/list` reply stops adding summaries at about this many bytes (and says `truncated`): even
 * 10,000 summaries full of escaped characters stay well under the 16 MiB line limit.
 */
export const MAX_LIST_BYTES = 8 * 1024 * 1024;

/** Most characters one `tasks/read` returns. */
export const MAX_READ_CHARS = 1024 * 1024;

/** `8 MiB` */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} bytes`;
}
