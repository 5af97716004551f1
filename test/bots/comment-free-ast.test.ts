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

describe('comment-only proof: what a node keeps outside its children', () => {
  it('rejects changed unary operators, let for const, implements for extends and import type', () => {
    const pairs: Array<[string, string]> = [
      ['export const a = 1;\n', 'export let a = 1;\n'],
      ['export function f(x: number) {\n  return x++;\n}\n', 'export function f(x: number) {\n  return x--;\n}\n'],
      ['export function f(x: boolean) {\n  return !x;\n}\n', 'export function f(x: boolean) {\n  return -x;\n}\n'],
      ['export class A extends B {}\n', 'export class A implements B {}\n'],
      ['import type { A } from "./a";\nexport type B = A;\n', 'import { A } from "./a";\nexport type B = A;\n'],
    ];
    for (const [code, changed] of pairs) {
      const result = commentOnlyChange(ts, 'src/x.ts', code, `/** Doc. */\n${changed}`);
      expect(result.ok, changed).toBe(false);
      expect(!result.ok && result.reason).toMatch(/^src\/x\.ts: the edit changes code, not only comments: the original's `/);
    }
    expect(commentOnlyChange(ts, 'src/x.ts', 'export let a = 1;\n', '/** The a. */\nexport let a = 1;\n')).toEqual({ ok: true });
    // A one-line block or object spread over lines (a comment inside) is still the same code.
    const oneLine = 'export function f() { return { a: [1, 2] }; }\n';
    const spread = 'export function f() {\n  // The pair.\n  return {\n    a: [\n      1, // one\n      2\n    ]\n  };\n}\n';
    expect(commentOnlyChange(ts, 'src/x.ts', oneLine, spread)).toEqual({ ok: true });
  });

  it('accepts a comment above a syntax error the file already had', () => {
    const broken = 'export function f() {}\nconst x = ;\n';
    expect(commentOnlyChange(ts, 'src/x.ts', broken, `/** F. */\n${broken}`)).toEqual({ ok: true });
  });
});

describe('directive comments (comments that act like code)', () => {
  const withDirectives = [
    '#!/usr/bin/env node',
    '/// <reference types="node" />',
    '/*! calc v1 | MIT */',
    '// eslint-disable-next-line @typescript-eslint/no-explicit-any',
    'export function add(a: any, b: number): number {',
    '  // @ts-expect-error the caller may pass a string',
    '  return a + b;',
    '}',
    '',
    'export const lazy = /*#__PURE__*/ make();',
    'export const chunk = () => import(/* webpackChunkName: "calc" */ "./calc-impl");',
    '',
  ].join('\n');

  it('accepts doc comments added around them, above the directives', () => {
    const after = withDirectives
      .replace('// eslint-disable-next-line', '/** Adds two numbers. */\n// eslint-disable-next-line')
      .replace('export const lazy', '/** Made on first use. */\nexport const lazy');
    expect(commentOnlyChange(ts, 'src/calc.ts', withDirectives, after)).toEqual({ ok: true });
  });

  it.each([
    ['// @ts-expect-error the caller may pass a string', ''],
    ['/*#__PURE__*/ ', ''],
    ['/// <reference types="node" />', ''],
    ['/*! calc v1 | MIT */', '/** calc v1 | MIT */'],
    ['#!/usr/bin/env node', ''],
    ['/* webpackChunkName: "calc" */ ', ''],
  ])('rejects an edit that removes or rewrites %s', (directive, replacement) => {
    const after = withDirectives.replace(directive, replacement);
    const result = commentOnlyChange(ts, 'src/calc.ts', withDirectives, after);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^src\/calc\.ts: the edit (removes|changes) the directive comment `/);
  });

  it('rejects a doc comment pushed between a directive and the line it applies to', () => {
    const after = withDirectives.replace('// eslint-disable-next-line @typescript-eslint/no-explicit-any\n', '// eslint-disable-next-line @typescript-eslint/no-explicit-any\n/** Adds. */\n');
    expect(commentOnlyChange(ts, 'src/calc.ts', withDirectives, after)).toEqual({
      ok: false,
      reason:
        'src/calc.ts: the edit puts a comment between `// eslint-disable-next-line @typescript-eslint/no-explicit-any` (line 4) and the code it applies to; put the doc comment above the directive instead',
    });
  });

  it('rejects an added directive and one moved to other code', () => {
    const added = withDirectives.replace('export const lazy', '// @ts-ignore\nexport const lazy');
    expect(commentOnlyChange(ts, 'src/calc.ts', withDirectives, added)).toEqual({
      ok: false,
      reason: 'src/calc.ts: the edit adds the directive comment `// @ts-ignore` (line 10); add doc comments only',
    });
    const moved = withDirectives.replace('  // @ts-expect-error the caller may pass a string\n  return a + b;', '  return a + b; // @ts-expect-error the caller may pass a string');
    const result = commentOnlyChange(ts, 'src/calc.ts', withDirectives, moved);
    expect(!result.ok && result.reason).toBe(
      'src/calc.ts: the edit changes the directive comment `// @ts-expect-error the caller may pass a string` (line 6); keep it exactly as it was',
    );
  });
});
