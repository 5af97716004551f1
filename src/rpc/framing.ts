/**
 * Serializing and parsing single lines, shared by the transports.
 *
 * @example
 * ```ts
 * const line = encodeLine({ jsonrpc: '2.0', method: 'exit', params: {} }, 1024); // '{"jsonrpc":…}\n'
 * ```
 */
import { MessageParseError, MessageTooLargeError } from './errors.js';

/** JSON text of a message plus "\n"; throws `MessageTooLargeError` past `maxLineBytes`, `TypeError` if not serializable. */
export function encodeLine(message: unknown, maxLineBytes: number): string {
  const text = JSON.stringify(message);
  if (typeof text !== 'string') throw new TypeError('Cannot serialize the message: it is not a JSON value');
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only measure when the line could be too long.
  if (text.length * 3 > maxLineBytes) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxLineBytes) throw new MessageTooLargeError(bytes, maxLineBytes);
  }
  return text + '\n';
}

/** Parses one line; a failure comes back as a `MessageParseError` value (not thrown). */
export function decodeLine(line: string): { ok: true; value: unknown } | { ok: false; error: MessageParseError } {
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch (err) {
    return { ok: false, error: new MessageParseError(line.slice(0, 200), (err as Error).message) };
  }
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
