import { describe, expect, it } from 'vitest';
import { changedLines } from '../../src/bots/diff-lines.js';
import { exportedSymbols, touchedBy } from '../../src/bots/ts-exports.js';
import { isScriptFile, loadTypeScript, parseSource } from '../../src/bots/typescript.js';

const ts = await loadTypeScript();
const symbols = (path: string, text: string) => exportedSymbols(ts, parseSource(ts, path, text));

describe('exported symbols (TypeScript compiler API)', () => {
  it('finds ES module exports of every kind, with lines and whether a doc comment precedes them', () => {
    const text = [
      '/** Adds. */',
      'export function add(a: number, b: number) {',
      '  return a + b;',
      '}',
      'function hidden() {}',
      '// a line comment is not a doc comment',
      'export class Stack<T> {',
      '  push(x: T) {}',
      '}',
      'export const double = (x: number) => x * 2;',
      'export const LIMIT = 10, twice = function (x: number) { return 2 * x; };',
      'export interface Shape { area(): number }',
      'export type Id = string;',
      'export enum Colour { Red }',
      'const local = () => 1;',
      'export { local as renamed, hidden };',
      'export default class {}',
    ].join('\n');
    expect(symbols('a.ts', text).map(({ name, kind, line, endLine, hasDoc }) => ({ name, kind, line, endLine, hasDoc }))).toEqual([
      { name: 'add', kind: 'function', line: 2, endLine: 4, hasDoc: true },
      { name: 'Stack', kind: 'class', line: 7, endLine: 9, hasDoc: false },
      { name: 'double', kind: 'function', line: 10, endLine: 10, hasDoc: false },
      { name: 'LIMIT', kind: 'variable', line: 11, endLine: 11, hasDoc: false },
      { name: 'twice', kind: 'function', line: 11, endLine: 11, hasDoc: false },
      { name: 'Shape', kind: 'interface', line: 12, endLine: 12, hasDoc: false },
      { name: 'Id', kind: 'type', line: 13, endLine: 13, hasDoc: false },
      { name: 'Colour', kind: 'enum', line: 14, endLine: 14, hasDoc: false },
      { name: 'renamed', kind: 'function', line: 15, endLine: 15, hasDoc: false },
      { name: 'hidden', kind: 'function', line: 5, endLine: 5, hasDoc: false },
      { name: 'default', kind: 'class', line: 17, endLine: 17, hasDoc: false },
    ]);
    expect(symbols('a.ts', text)[0]!.text).toBe('export function add(a: number, b: number) {\n  return a + b;\n}');
  });

  it('finds CommonJS exports in JavaScript', () => {
    const text = [
      'function area(r) { return Math.PI * r * r; }',
      'class Circle {}',
      'exports.perimeter = (r) => 2 * Math.PI * r;',
      'module.exports.NAME = "circle";',
      'module.exports = { area, Shape: Circle };',
    ].join('\n');
    expect(symbols('c.cjs', text).map((s) => `${s.kind} ${s.name}`)).toEqual(['function perimeter', 'variable NAME', 'function area', 'class Shape']);
  });

  it('picks the symbols whose declarations a diff touched', () => {
    const text = 'export function a() {\n  return 1;\n}\n\nexport function b() {\n  return 2;\n}\n';
    const diff = [
      'diff --git a/src/m.ts b/src/m.ts',
      'index 1..2 100644',
      '--- a/src/m.ts',
      '+++ b/src/m.ts',
      '@@ -5,3 +5,3 @@ export function a() {',
      ' export function b() {',
      '-  return 3;',
      '+  return 2;',
      ' }',
      'diff --git a/gone.ts b/gone.ts',
      '--- a/gone.ts',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-export const x = 1;',
    ].join('\n');
    const lines = changedLines(diff);
    expect([...lines.keys()]).toEqual(['src/m.ts']);
    expect([...lines.get('src/m.ts')!]).toEqual([6]);
    expect(touchedBy(symbols('src/m.ts', text), lines.get('src/m.ts')!).map((s) => s.name)).toEqual(['b']);
    expect(touchedBy(symbols('src/m.ts', text), 'all').map((s) => s.name)).toEqual(['a', 'b']);
  });

  it('reads TypeScript and JavaScript sources, not declaration files or other languages', () => {
    expect(['a.ts', 'b.tsx', 'c.mjs', 'd.cjs', 'e.js', 'f.mts', 'g.d.ts', 'h.py', 'i.json'].filter(isScriptFile)).toEqual(['a.ts', 'b.tsx', 'c.mjs', 'd.cjs', 'e.js', 'f.mts']);
  });
});
