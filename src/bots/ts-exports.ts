/**
 * The exported symbols of one TypeScript or JavaScript file, found with the compiler API's parser (no
 * type checking): ES module exports (`export function`, `export class`, `export const f = () => …`,
 * `export default …`, `export { a, b as c }`) and CommonJS ones (`exports.f = …`, `module.exports.f = …`,
 * `module.exports = { a, b }`). test-writer-bot asks which of them a change touched; doc-bot which of
 * them lack a doc comment.
 */
import type * as TS from 'typescript';
import type { TypeScriptApi } from './typescript.js';

export type ExportKind = 'function' | 'class' | 'interface' | 'type' | 'enum' | 'namespace' | 'variable';

/** One exported symbol, located by its declaration. */
export interface ExportedSymbol {
  /** The name it is exported as (`default` for a default export). */
  readonly name: string;
  readonly kind: ExportKind;
  /** 1-based lines of the declaration, its leading comments excluded. */
  readonly line: number;
  readonly endLine: number;
  /** The declaration has a `/** … *\/` comment right before it. */
  readonly hasDoc: boolean;
  /** The declaration's source text (without its leading comments). */
  readonly text: string;
}

/** True when a JSDoc/TSDoc comment (`/** … *\/`) is among the comments right before `node`. */
export function hasDocComment(ts: TypeScriptApi, file: TS.SourceFile, node: TS.Node): boolean {
  const text = file.text;
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  return ranges.some((r) => r.kind === ts.SyntaxKind.MultiLineCommentTrivia && text.startsWith('/**', r.pos) && !text.startsWith('/**/', r.pos));
}

function isExported(ts: TypeScriptApi, node: TS.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function isDefault(ts: TypeScriptApi, node: TS.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
}

/** What a value is, by its initializer: a function, a class, or a plain variable. */
function valueKind(ts: TypeScriptApi, value: TS.Node | undefined): ExportKind {
  let v = value;
  while (v !== undefined && (ts.isParenthesizedExpression(v) || ts.isAsExpression(v) || ts.isSatisfiesExpression(v))) v = v.expression;
  if (v === undefined) return 'variable';
  if (ts.isArrowFunction(v) || ts.isFunctionExpression(v)) return 'function';
  if (ts.isClassExpression(v)) return 'class';
  return 'variable';
}

function declarationKind(ts: TypeScriptApi, node: TS.Node): ExportKind | undefined {
  if (ts.isFunctionDeclaration(node)) return 'function';
  if (ts.isClassDeclaration(node)) return 'class';
  if (ts.isInterfaceDeclaration(node)) return 'interface';
  if (ts.isTypeAliasDeclaration(node)) return 'type';
  if (ts.isEnumDeclaration(node)) return 'enum';
  if (ts.isModuleDeclaration(node)) return 'namespace';
  return undefined;
}

/** The top-level declarations of a file by local name (the statement a doc comment belongs before). */
function localDeclarations(ts: TypeScriptApi, file: TS.SourceFile): Map<string, { node: TS.Node; kind: ExportKind }> {
  const found = new Map<string, { node: TS.Node; kind: ExportKind }>();
  for (const statement of file.statements) {
    const kind = declarationKind(ts, statement);
    const name = (statement as { name?: TS.Node }).name;
    if (kind !== undefined && name !== undefined && ts.isIdentifier(name)) found.set(name.text, { node: statement, kind });
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        if (ts.isIdentifier(d.name)) found.set(d.name.text, { node: statement, kind: valueKind(ts, d.initializer) });
      }
    }
  }
  return found;
}

/** `exports.name` or `module.exports.name`: the name; `module.exports`: ''; otherwise undefined. */
function commonJsTarget(ts: TypeScriptApi, node: TS.Expression): string | undefined {
  const isModuleExports = (n: TS.Expression) =>
    ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'module' && n.name.text === 'exports';
  if (isModuleExports(node)) return '';
  if (!ts.isPropertyAccessExpression(node)) return undefined;
  const target = node.expression;
  if ((ts.isIdentifier(target) && target.text === 'exports') || isModuleExports(target)) return node.name.text;
  return undefined;
}

/** Every exported symbol of `file`, in source order. */
export function exportedSymbols(ts: TypeScriptApi, file: TS.SourceFile): ExportedSymbol[] {
  const out: ExportedSymbol[] = [];
  const seen = new Set<string>();
  const locals = localDeclarations(ts, file);
  const add = (name: string, kind: ExportKind, node: TS.Node) => {
    if (seen.has(name)) return;
    seen.add(name);
    const start = node.getStart(file);
    out.push({
      name,
      kind,
      line: file.getLineAndCharacterOfPosition(start).line + 1,
      endLine: file.getLineAndCharacterOfPosition(node.getEnd()).line + 1,
      hasDoc: hasDocComment(ts, file, node),
      text: file.text.slice(start, node.getEnd()),
    });
  };
  const addLocal = (local: string, exported: string) => {
    const decl = locals.get(local);
    if (decl !== undefined) add(exported, decl.kind, decl.node);
  };
  for (const statement of file.statements) {
    const kind = declarationKind(ts, statement);
    if (kind !== undefined && isExported(ts, statement)) {
      const name = (statement as { name?: TS.Node }).name;
      add(isDefault(ts, statement) ? 'default' : name !== undefined && ts.isIdentifier(name) ? name.text : 'default', kind, statement);
    } else if (ts.isVariableStatement(statement) && isExported(ts, statement)) {
      for (const d of statement.declarationList.declarations) {
        if (ts.isIdentifier(d.name)) add(d.name.text, valueKind(ts, d.initializer), statement);
      }
    } else if (ts.isExportAssignment(statement)) {
      // export default <expression>
      if (ts.isIdentifier(statement.expression) && locals.has(statement.expression.text)) addLocal(statement.expression.text, 'default');
      else add('default', valueKind(ts, statement.expression), statement);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier === undefined && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const spec of statement.exportClause.elements) addLocal((spec.propertyName ?? spec.name).getText(file), spec.name.getText(file));
    } else if (ts.isExpressionStatement(statement) && ts.isBinaryExpression(statement.expression) && statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const { left, right } = statement.expression;
      const target = commonJsTarget(ts, left);
      if (target === undefined) continue;
      if (target !== '') {
        if (ts.isIdentifier(right) && locals.has(right.text)) addLocal(right.text, target);
        else add(target, valueKind(ts, right), statement);
      } else if (ts.isObjectLiteralExpression(right)) {
        for (const prop of right.properties) {
          if (ts.isShorthandPropertyAssignment(prop)) addLocal(prop.name.text, prop.name.text);
          else if (ts.isPropertyAssignment(prop) && ts.isIdentifier(prop.initializer) && (ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name))) {
            addLocal(prop.initializer.text, prop.name.text);
          }
        }
      } else if (ts.isIdentifier(right) && locals.has(right.text)) addLocal(right.text, 'default');
      else add('default', valueKind(ts, right), statement);
    }
  }
  return out;
}

/** The symbols whose declaration overlaps the given lines (`'all'`: every symbol, e.g. of a new file). */
export function touchedBy(symbols: readonly ExportedSymbol[], lines: ReadonlySet<number> | 'all'): ExportedSymbol[] {
  if (lines === 'all') return [...symbols];
  return symbols.filter((s) => {
    for (let l = s.line; l <= s.endLine; l++) if (lines.has(l)) return true;
    return false;
  });
}
