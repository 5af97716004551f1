import { describe, expect, it } from 'vitest';
import { commentOnlyChange } from '../../src/bots/comment-free-ast.js';
import { loadTypeScript } from '../../src/bots/typescript.js';

const ts = await loadTypeScript();
const before = 'export function add(a: number, b: number): number {\n  return a + b; // sum\n}\n\nexport const name = "calc";\n';

describe('comment-only proof (syntax trees without comments)', () => {
  it('accepts added, changed and removed comments and whitespace', () => {
    const after =
      '/**\n * Adds two numbers.\n * @param a - the first\n * @returns the sum\n */\nexport function add(a: number,   b: number): number {\n  return a + b;\n}\n\n/** The name. */\nexport const name = "calc";\n';
    expect(commentOnlyChange(ts, 'src/calc.ts', before, after)).toEqual({ ok: true });
  });

  it('rejects a changed operator, naming the line', () => {
    const after = '/** Adds. */\nexport function add(a: number, b: number): number {\n  return a - b; // sum\n}\n\nexport const name = "calc";\n';
    expect(commentOnlyChange(ts, 'src/calc.ts', before, after)).toEqual({
      ok: false,
      reason: 'src/calc.ts: the edit changes code, not only comments: at line 3 (`- b; // sum`), where the original has line 2 (`+ b; // sum`)',
    });
  });

  it('rejects a changed literal, a renamed identifier and added code', () => {
    const literal = before.replace('"calc"', '"calculator"');
    const renamed = before.replace('add(', 'sum(');
    const added = `${before}export const extra = 1;\n`;
    for (const after of [literal, renamed, added]) {
      const result = commentOnlyChange(ts, 'src/calc.ts', before, after);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(/^src\/calc\.ts: the edit changes code, not only comments: at line \d/);
    }
  });

  it('rejects an edit that breaks the syntax (an unclosed comment)', () => {
    const result = commentOnlyChange(ts, 'src/calc.ts', before, `/** Adds.\n${before}`);
    expect(result).toEqual({ ok: false, reason: "src/calc.ts no longer parses after the edit: line 7: '*/' expected." });
  });

  it('treats JSX text and JavaScript the same way', () => {
    const jsx = 'export const A = () => <p>Hello</p>;\n';
    expect(commentOnlyChange(ts, 'a.jsx', jsx, `/** Greets. */\n${jsx}`)).toEqual({ ok: true });
    expect(commentOnlyChange(ts, 'a.jsx', jsx, jsx.replace('Hello', 'Bye')).ok).toBe(false);
  });
});
