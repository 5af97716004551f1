/**
 * Bounding text for prompts: big files and long test output are cut, with a note that says what was
 * left out, so a model knows it is not seeing everything.
 *
 * @example
 * ```ts
 * clipTail(output, 8000); // the last 8000 characters, after a note on how much came before
 * ```
 */

/** At most `max` characters of `text`: its start and its end, with a note in place of the middle. */
export function clipMiddle(text: string, max: number, headShare = 0.3): string {
  if (text.length <= max) return text;
  const head = Math.floor(max * headShare);
  const tail = max - head;
  const left = text.length - head - tail;
  return `${text.slice(0, head)}\n[… ${left} characters left out …]\n${text.slice(text.length - tail)}`;
}

/** At most the last `max` characters of `text`, after a note on how much was left out. */
export function clipTail(text: string, max: number): string {
  if (text.length <= max) return text;
  return `[… the first ${text.length - max} characters left out …]\n${text.slice(text.length - max)}`;
}
