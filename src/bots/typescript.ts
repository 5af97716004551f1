/**
 * The TypeScript compiler API, loaded on first use. It is a large module (about 9 MB of JavaScript), so
 * a bot worker starts without it and only a task that analyses source files pays for loading it, once.
 * It is a runtime dependency of codex fleet; the sandbox grants it to built-in bots (see
 * `RUNNER_DEPENDENCIES` in src/sandbox/policy.ts and the staged copy in src/sandbox/stage.ts).
 */
import { createRequire } from 'node:module';
import type * as TS from 'typescript';

/** The compiler API's namespace object. */
export type TypeScriptApi = typeof TS;

let loaded: TypeScriptApi | undefined;

/**
 * Loads `typescript` once; later calls return the same module. It is a CommonJS module, loaded with
 * `require`: `import()` would first scan all of its source for named exports, which doubles the time.
 */
export async function loadTypeScript(): Promise<TypeScriptApi> {
  loaded ??= createRequire(import.meta.url)('typescript') as TypeScriptApi;
  return loaded;
}

/** Source files the bots analyse with the compiler API: TypeScript and JavaScript, not declaration files. */
const SCRIPT = /\.(?:[cm]?[jt]s|[jt]sx)$/;

/** True for a TypeScript or JavaScript source file (`.d.ts` files excluded). */
export function isScriptFile(path: string): boolean {
  return SCRIPT.test(path) && !/\.d\.[cm]?ts$/.test(path);
}

/** The script kind of a file by its extension. */
export function scriptKindOf(ts: TypeScriptApi, path: string): TS.ScriptKind {
  if (/\.tsx$/.test(path)) return ts.ScriptKind.TSX;
  if (/\.jsx$/.test(path)) return ts.ScriptKind.JSX;
  if (/\.[cm]?js$/.test(path)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

/** Parses one file (no type checking, no other files read). */
export function parseSource(ts: TypeScriptApi, path: string, text: string): TS.SourceFile {
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKindOf(ts, path));
}

/** Syntax errors the parser found, as "line N: message" (empty when the file parses). */
export function syntaxErrors(ts: TypeScriptApi, file: TS.SourceFile): string[] {
  // The parser's diagnostics are on the source file; they are not part of the public typings.
  const diagnostics = (file as unknown as { parseDiagnostics?: readonly TS.Diagnostic[] }).parseDiagnostics ?? [];
  return diagnostics.map((d) => {
    const line = d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line + 1;
    return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}
