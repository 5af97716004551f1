/** The terminal escaping every plain printer of worker text uses. */
import { describe, expect, it } from 'vitest';
import { escapeBlock, escapeLine } from '../../src/terminal/escape.js';

describe('escapeLine', () => {
  it('shows clipboard, title and screen sequences instead of sending them', () => {
    expect(escapeLine('\x1b]52;c;aGVsbG8=\x07copied')).toBe('\\x1b]52;c;aGVsbG8=\\x07copied');
    expect(escapeLine('\x1b]0;owned\x1b\\')).toBe('\\x1b]0;owned\\x1b\\');
    expect(escapeLine('\x1b[2J\x1b[H')).toBe('\\x1b[2J\\x1b[H');
  });

  it('keeps a forged line on the line it came in: LF, CR, VT, FF and the Unicode separators are escaped', () => {
    expect(escapeLine('ok\n12:00:00 fleet fleet stopped by the user')).toBe('ok\\n12:00:00 fleet fleet stopped by the user');
    expect(escapeLine('ok\rfleet stopped\x0b\x0c\u2028\u2029')).toBe('ok\\rfleet stopped\\x0b\\x0c\\u{2028}\\u{2029}');
  });

  it('escapes C1 controls, DEL, NUL and bidirectional overrides; leaves other text alone', () => {
    expect(escapeLine('\u009b31m\u0090\u009d\x7f\x00')).toBe('\\x9b31m\\x90\\x9d\\x7f\\x00');
    expect(escapeLine('a\u202eb\u2066c')).toBe('a\\u{202e}b\\u{2066}c');
    const plain = 'Hello, fleet ✓ — naïve 日本語 \\x1b stays as typed';
    expect(escapeLine(plain)).toBe(plain);
  });
});

describe('escapeBlock', () => {
  it('keeps LF and TAB, escapes every other control', () => {
    expect(escapeBlock('line 1\n\tline 2\r\x1b[31m')).toBe('line 1\n\tline 2\\r\\x1b[31m');
  });
});
