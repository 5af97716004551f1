/**
 * Text from a worker (log lines, stderr, results, error messages) made safe to print on a terminal:
 * every control character is shown as an escape instead of acting. A worker must not be able to set the
 * window title, write the clipboard (`ESC ] 52`), clear the screen, move the cursor, or forge a line of
 * the fleet's own output with a newline or a carriage return.
 *
 * Escaped: C0 controls (U+0000–U+001F, ESC and CR and LF among them), DEL, C1 controls (U+0080–U+009F,
 * which some terminals obey like ESC sequences), the Unicode line and paragraph separators, and the
 * bidirectional-text controls that can make a line read differently from what it holds.
 *
 * @example
 * ```ts
 * escapeLine('\x1b]0;owned\x07done\nfleet stopped by the user'); // '\\x1b]0;owned\\x07done\\nfleet stopped by the user'
 * escapeBlock('line 1\nline 2\r');                                 // 'line 1\nline 2\\r'
 * ```
 */

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_IN_BLOCK = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** One line: every control character escaped, newlines and tabs included. */
export function escapeLine(text: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text) ? text.replace(UNSAFE, escapeChar) : text;
}

/** Several lines (a task's output): like {@link escapeLine}, but LF and TAB are kept as they are. */
export function escapeBlock(text: string): string {
  UNSAFE_IN_BLOCK.lastIndex = 0;
  return UNSAFE_IN_BLOCK.test(text) ? text.replace(UNSAFE_IN_BLOCK, escapeChar) : text;
}
