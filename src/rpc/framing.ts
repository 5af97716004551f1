/**
 * Serializing and parsing single lines, shared by the transports.
 *
 * @example
 * ```ts
 * const line = encodeLine({ jsonrpc: '2.0', method: 'exit', params: {} }, 1024); // '{"jsonrpc":…}\n'
 * ```
 */
import { MAX_JSON_DEPTH } from '../protocol/version.js';
import { mayBeTooDeep, tooDeepAt } from './depth.js';
import { MessageParseError, MessageTooDeepError, MessageTooLargeError } from './errors.js';

/** JSON text of a message plus "\n"; throws `MessageTooLargeError` past `maxLineBytes`, `TypeError` if not serializable. */
export function encodeLine(message: unknown, maxLineBytes: number): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(message);
  } catch (err) {
    // A value nested deeper than the stack allows overflows it; say so as for any unserializable value.
    if (err instanceof RangeError) throw new TypeError(`Cannot serialize the message: ${err.message} (is it nested too deeply?)`);
    throw err;
  }
  if (typeof text !== 'string') throw new TypeError('Cannot serialize the message: it is not a JSON value');
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only measure when the line could be too long.
  if (text.length * 3 > maxLineBytes) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxLineBytes) throw new MessageTooLargeError(bytes, maxLineBytes);
  }
  return text + '\n';
}

/**
 * Parses one line; a failure comes back as a value (not thrown): `MessageParseError` for text that is
 * not JSON, `MessageTooDeepError` for a message nested deeper than `maxDepth` (see {@link MAX_JSON_DEPTH}).
 */
export function decodeLine(
  line: string,
  maxDepth: number = MAX_JSON_DEPTH,
): { ok: true; value: unknown } | { ok: false; error: MessageParseError | MessageTooDeepError } {
  let value: unknown;
  try {
    value = JSON.parse(line) as unknown;
  } catch (err) {
    return { ok: false, error: new MessageParseError(line.slice(0, 200), (err as Error).message) };
  }
  if (!mayBeTooDeep(line.length, maxDepth)) return { ok: true, value };
  const paths = new Map<number, string>();
  if (Array.isArray(value)) {
    // A batch: each message counts on its own, the array is not a level.
    for (let i = 0; i < value.length; i++) {
      const path = tooDeepAt(value[i], maxDepth);
      if (path !== undefined) paths.set(i, path);
    }
  } else {
    const path = tooDeepAt(value, maxDepth);
    if (path !== undefined) paths.set(-1, path);
  }
  return paths.size === 0 ? { ok: true, value } : { ok: false, error: new MessageTooDeepError(value, paths, maxDepth) };
}

/**
 * Encodes `message` and hands the line to `sendLine`: the `send` of every transport. A message that
 * cannot be encoded (too large, not serializable) rejects and nothing is sent.
 */
export function sendEncoded(message: unknown, maxLineBytes: number, sendLine: (line: string) => Promise<void>): Promise<void> {
  let line: string;
  try {
    line = encodeLine(message, maxLineBytes);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return sendLine(line);
}
