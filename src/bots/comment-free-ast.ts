/**
 * Proof that an edit changed only comments: the syntax tree of a file, without its comments, is the same
 * before and after. Both versions are parsed with the TypeScript compiler API and walked node by node
 * (kind, and the text of identifiers and literals); comments, JSDoc and whitespace are trivia, not
 * nodes, so they may differ. The first difference is reported with its line, for the model to fix.
 * What a node keeps outside its children (a unary operator, `let` or `const`, `extends` or `implements`)
 * is compared through the compiler's printer, which writes both files without comments. Comments that
 * act like code (directives: directive-comments.ts) must stay exactly where they are.
 */
import type * as TS from 'typescript';
import { directiveChange } from './directive-comments.js';
import { parseSource, syntaxErrors, type TypeScriptApi } from './typescript.js';

interface Token {
  readonly kind: string;
  readonly text: string;
  readonly pos: number;
}

/** Kinds whose text matters beyond their kind. */
function leafText(ts: TypeScriptApi, node: TS.Node): string {
  if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) return node.text;
  if (ts.isLiteralExpression(node) || ts.isTemplateLiteralToken(node)) return node.text;
  if (node.kind === ts.SyntaxKind.JsxText) return (node as TS.JsxText).text.trim();
  return '';
}

/** The comment-free tree of a file as a flat list of nodes in source order. */
function flatten(ts: TypeScriptApi, file: TS.SourceFile): Token[] {
  const out: Token[] = [];
  const visit = (node: TS.Node): void => {
    out.push({ kind: ts.SyntaxKind[node.kind] ?? String(node.kind), text: leafText(ts, node), pos: node.getStart(file) });
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(file, visit);
  out.push({ kind: 'EndOfFile', text: '', pos: file.text.length });
  return out;
}

function describe(file: TS.SourceFile, token: Token | undefined): string {
  if (token === undefined) return 'the end of the file';
  const line = file.getLineAndCharacterOfPosition(token.pos).line + 1;
  const source = file.text.slice(token.pos).split('\n')[0]!.trim().slice(0, 80);
  return `line ${line} (\`${source}\`)`;
}

export type CommentOnlyCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether `after` differs from `before` only in comments and whitespace. The reason names the file and
 * the first place where the code differs.
 */
export function commentOnlyChange(ts: TypeScriptApi, path: string, before: string, after: string): CommentOnlyCheck {
  const a = parseSource(ts, path, before);
  const b = parseSource(ts, path, after);
  // Compared without their line numbers: a comment added above an old syntax error moves it down.
  const withoutLine = (e: string) => e.replace(/^line \d+: /, '');
  const old = syntaxErrors(ts, a).map(withoutLine);
  const errors = syntaxErrors(ts, b).filter((e) => {
    const at = old.indexOf(withoutLine(e));
    if (at === -1) return true;
    old.splice(at, 1);
    return false;
  });
  if (errors.length > 0) return { ok: false, reason: `${path} no longer parses after the edit: ${errors.slice(0, 3).join('; ')}` };
  const ta = flatten(ts, a);
  const tb = flatten(ts, b);
  const n = Math.min(ta.length, tb.length);
  for (let i = 0; i < n; i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x.kind !== y.kind || x.text !== y.text) {
      return { ok: false, reason: `${path}: the edit changes code, not only comments: at ${describe(b, y)}, where the original has ${describe(a, x)}` };
    }
  }
  if (ta.length !== tb.length) {
    const extra = ta.length > tb.length ? `code was removed from ${describe(a, ta[n])}` : `code was added at ${describe(b, tb[n])}`;
    return { ok: false, reason: `${path}: the edit changes code, not only comments: ${extra}` };
  }
  // Some comments act like code (`// @ts-expect-error`, `eslint-disable…`, `/*#__PURE__*\/`, …).
  const directive = directiveChange(ts, path, before, after);
  if (directive !== undefined) return { ok: false, reason: directive };
  // Some of the tree is not in child nodes: operators of unary expressions (`!x`, `x++`), `let`/`const`,
  // `extends`/`implements`, `keyof`, `import type`. The printer writes all of it; comments left out, and
  // whitespace (the printer keeps a block or an object on one line or several, as the source had it)
  // squeezed out; literals were compared above.
  const pa = squeeze(printWithoutComments(ts, path, before));
  const pb = squeeze(printWithoutComments(ts, path, after));
  if (pa !== pb) {
    let i = 0;
    while (i < pa.length && pa[i] === pb[i]) i++;
    const near = (text: string) => `\`${text.slice(Math.max(0, i - 30), i + 30)}\``;
    return { ok: false, reason: `${path}: the edit changes code, not only comments: the original's ${near(pa)} is now ${near(pb)}` };
  }
  return { ok: true };
}

/** Printed code without whitespace, except one space between words. */
function squeeze(code: string): string {
  return code.replace(/\s+/g, ' ').replace(/ ?([^\w$ ]) ?/g, '$1');
}

/** The file's code with every comment removed, as the compiler's printer writes it. */
export function printWithoutComments(ts: TypeScriptApi, path: string, text: string): string {
  const printer = ts.createPrinter({ removeComments: true });
  return printer.printFile(parseSource(ts, path, text));
}
