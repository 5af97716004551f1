/**
 * Comments that are not only comments. `// @ts-expect-error` and `// @ts-ignore` change what the type
 * checker reports for the next line, `eslint-disable…` what the linter does, `/// <reference …>` what the
 * compiler loads, `/*#__PURE__*\/` what a bundler may drop, `/* webpackChunkName: … *\/` how it splits,
 * `// @vitest-environment` where the tests run, `/*! … *\/` and `@license` what a minifier keeps, and
 * the `#!` line how the file is run. A doc comment edit must keep every one of them exactly: the same
 * text, before the same code, with no new comment pushed between it and that code (a `@ts-expect-error`
 * applies to the line right after it); and it must not add any.
 */
import type * as TS from 'typescript';
import { parseSource, type TypeScriptApi } from './typescript.js';

/** What a comment says once its opener (`//`, `///`, `/*`, `/**`, `/*!`) and leading stars are gone. */
const DIRECTIVE_BODY =
  /^(?:@ts-|eslint(?:-|\s|$)|global\s|globals\s|exported\s|prettier-ignore|istanbul\s|[cv]8\s+ignore|biome-ignore|deno-(?:lint|fmt)-ignore|jshint|tslint:|@jsx|@flow|@noflow|#\s*sourceMappingURL|#\s*sourceURL|webpack[A-Z]|@vite-ignore|[#@]__[A-Z_]+__|@(?:vitest|jest)-environment|(?:vitest|jest)-environment)/;

/** Directives about the code right after them: nothing may come between them and it. */
const NEXT_CODE_BODY =
  /^(?:@ts-(?:expect-error|ignore)|eslint-disable-next-line|prettier-ignore|istanbul\s+ignore|[cv]8\s+ignore\s+next|biome-ignore|deno-(?:lint|fmt)-ignore|[#@]__[A-Z_]+__|webpack[A-Z]|@vite-ignore)/;

/** Anywhere in a comment: a notice that must survive minifiers. */
const KEPT_ANYWHERE = /@(?:license|preserve|copyright)\b/i;

interface Directive {
  /** The comment's text, whitespace squeezed. */
  readonly text: string;
  /** How many code tokens come before it: where in the code it sits. */
  readonly anchor: number;
  /** For a directive about the next code: how many other comments lie between it and that code. */
  readonly between: number;
  readonly pos: number;
}

const bodyOf = (comment: string): string => comment.replace(/^\/\/\/?|^\/\*+/, '').replace(/^[\s*]+/, '');

function isDirective(comment: string): boolean {
  if (/^\/\/\/\s*</.test(comment) || comment.startsWith('/*!') || KEPT_ANYWHERE.test(comment)) return true;
  return DIRECTIVE_BODY.test(bodyOf(comment));
}

/** Every comment of the file (deduplicated by position) and the start of every code token, in order. */
function scan(ts: TypeScriptApi, file: TS.SourceFile): { comments: TS.CommentRange[]; tokens: number[] } {
  const text = file.text;
  const byPos = new Map<number, TS.CommentRange>();
  const tokens: number[] = [];
  const add = (ranges: readonly TS.CommentRange[] | undefined): void => {
    for (const r of ranges ?? []) byPos.set(r.pos, r);
  };
  const visit = (node: TS.Node): void => {
    add(ts.getLeadingCommentRanges(text, node.pos));
    add(ts.getTrailingCommentRanges(text, node.end));
    const children = node.getChildren(file);
    if (children.length === 0 && node.kind !== ts.SyntaxKind.EndOfFileToken && node.end > node.pos) tokens.push(node.getStart(file));
    // JSDoc nodes are comments the parser also keeps as nodes; their text is already a comment range.
    for (const child of children) if (!ts.isJSDoc(child)) visit(child);
  };
  visit(file);
  const comments = [...byPos.values()].sort((a, b) => a.pos - b.pos);
  return { comments, tokens: [...new Set(tokens)].sort((a, b) => a - b) };
}

/** The directive comments of a file, each with where it sits. */
export function directivesOf(ts: TypeScriptApi, path: string, text: string): Directive[] {
  const file = parseSource(ts, path, text);
  const { comments, tokens } = scan(ts, file);
  const out: Directive[] = [];
  const shebang = ts.getShebang(text);
  if (shebang !== undefined) out.push({ text: shebang.trim(), anchor: 0, between: 0, pos: 0 });
  let t = 0;
  comments.forEach((c, i) => {
    const raw = text.slice(c.pos, c.end);
    if (!isDirective(raw)) return;
    while (t < tokens.length && tokens[t]! < c.pos) t++;
    const next = tokens[t] ?? text.length;
    let between = 0;
    if (NEXT_CODE_BODY.test(bodyOf(raw))) for (let j = i + 1; j < comments.length && comments[j]!.pos < next; j++) between++;
    out.push({ text: raw.replace(/\s+/g, ' ').trim(), anchor: t, between, pos: c.pos });
  });
  return out;
}

function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Whether `after` keeps every directive comment of `before` where it was and adds none; otherwise why
 * not, naming the comment and its line.
 */
export function directiveChange(ts: TypeScriptApi, path: string, before: string, after: string): string | undefined {
  const a = directivesOf(ts, path, before);
  const b = directivesOf(ts, path, after);
  const same = (x: Directive | undefined, y: Directive | undefined): boolean => x !== undefined && y !== undefined && x.text === y.text && x.anchor === y.anchor;
  const removed = (x: Directive): string => `${path}: the edit removes the directive comment \`${x.text}\` (line ${lineOf(before, x.pos)}); keep it`;
  const added = (y: Directive): string => `${path}: the edit adds the directive comment \`${y.text}\` (line ${lineOf(after, y.pos)}); add doc comments only`;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (same(x, y)) {
      if (x.between !== y.between) {
        return `${path}: the edit puts a comment between \`${x.text}\` (line ${lineOf(after, y.pos)}) and the code it applies to; put the doc comment above the directive instead`;
      }
      i++;
      j++;
    } else if (same(x, b[j + 1])) {
      return added(y);
    } else if (same(a[i + 1], y)) {
      return removed(x);
    } else {
      return `${path}: the edit changes the directive comment \`${x.text}\` (line ${lineOf(before, x.pos)}); keep it exactly as it was`;
    }
  }
  if (i < a.length) return removed(a[i]!);
  if (j < b.length) return added(b[j]!);
  return undefined;
}
