/**
 * Which files a bot shows the model: the ones the user named, the ones a test's output names (stack
 * traces, `file:line` locations) that exist in the worktree, and the local modules those import. Read
 * with bounds: a big file is cut with a note, and past a total the rest are only listed; a binary file or
 * one over {@link MAX_READ_BYTES} is listed with a note and never read whole.
 *
 * @example
 * ```ts
 * const files = await gatherFiles(workdir, { hints: ['src/add.js'], output: testOutput });
 * const text = files.map(formatFile).join('\n');
 * ```
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { clipMiddle } from './clip.js';
import { unsafePathReason } from './edit-blocks.js';

export interface ContextFile {
  /** Relative to the worktree, `/` separators. */
  readonly path: string;
  /** The file's text (cut in the middle when long), or undefined when it is only listed. */
  readonly text: string | undefined;
  /** Why the text is cut or missing, for the prompt. */
  readonly note: string | undefined;
}

export interface ContextLimits {
  readonly maxFiles: number;
  readonly maxFileChars: number;
  readonly maxTotalChars: number;
}

export const DEFAULT_CONTEXT_LIMITS: ContextLimits = { maxFiles: 8, maxFileChars: 12_000, maxTotalChars: 40_000 };

/** Files larger than this are not read at all (a build output, a data file, a bundle): only listed. */
export const MAX_READ_BYTES = 1024 * 1024;

/**
 * A file's text for the prompt, or why it is not shown: over {@link MAX_READ_BYTES} (checked before
 * reading), or binary (it contains a NUL byte). Undefined when it cannot be read.
 */
async function readShown(path: string): Promise<{ text: string } | { note: string } | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return undefined;
    if (info.size > MAX_READ_BYTES) return { note: `not shown: ${info.size} bytes, over the ${MAX_READ_BYTES}-byte limit for files shown` };
    const bytes = await readFile(path);
    if (bytes.includes(0)) return { note: 'not shown: a binary file (it contains NUL bytes)' };
    return { text: bytes.toString('utf8') };
  } catch {
    return undefined;
  }
}

/** Path-like words with an extension, optionally `file://`, followed by `:line` or not. */
const PATH_WORD = /(?:file:\/\/)?((?:\/|\.{1,2}\/)?[\w@+-][\w@.+-]*(?:\/[\w@.+-]+)*\.[A-Za-z][A-Za-z0-9]{0,5})(?=[:)\s'",]|$)/g;

/** Relative module specifiers in JavaScript/TypeScript source. */
const IMPORT_SPEC = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"\n]+)['"]/g;

const SOURCE_EXT = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.tsx', '.jsx']);

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** `candidate` relative to the worktree when it is a safe path inside it, else undefined. */
function insideRoot(roots: readonly string[], candidate: string): string | undefined {
  let rel: string | undefined;
  if (isAbsolute(candidate)) {
    for (const root of roots) {
      const r = relative(root, candidate);
      if (r !== '' && !r.startsWith('..') && !isAbsolute(r)) {
        rel = r;
        break;
      }
    }
    if (rel === undefined) return undefined;
  } else rel = normalize(candidate);
  if (unsafePathReason(rel) !== undefined) return undefined;
  return toPosix(rel);
}

/** The worktree's path as given and as the kernel resolves it (test output may show either). */
async function rootsOf(root: string): Promise<string[]> {
  const real = await realpath(root).catch(() => root);
  return real === root ? [root] : [root, real];
}

/** Existing files inside `root` that `text` names, in order of first mention. */
export async function pathsInText(root: string, text: string): Promise<string[]> {
  const roots = await rootsOf(root);
  const found: string[] = [];
  const seen = new Set<string>();
  for (const match of text.matchAll(PATH_WORD)) {
    const rel = insideRoot(roots, match[1]!);
    if (rel === undefined || seen.has(rel)) continue;
    seen.add(rel);
    if (await isFile(join(root, rel))) found.push(rel);
  }
  return found;
}

/** The local modules a JavaScript/TypeScript file imports that exist in the worktree. */
export async function localImports(root: string, path: string, source: string): Promise<string[]> {
  if (!SOURCE_EXT.has(extname(path))) return [];
  const roots = await rootsOf(root);
  const found: string[] = [];
  for (const match of source.matchAll(IMPORT_SPEC)) {
    const spec = join(dirname(path), match[1]!);
    const ext = extname(spec);
    const tries = [spec, `${spec}.js`, `${spec}.ts`, `${spec}/index.js`, `${spec}/index.ts`];
    if (ext === '.js' || ext === '.mjs' || ext === '.cjs') tries.splice(1, 0, spec.slice(0, -ext.length) + ext.replace('j', 't'));
    for (const candidate of tries) {
      const rel = insideRoot(roots, candidate);
      if (rel !== undefined && (await isFile(join(root, rel)))) {
        if (!found.includes(rel)) found.push(rel);
        break;
      }
    }
  }
  return found;
}

/**
 * The files to show: `hints` first (a hint that does not exist is listed as such, so the model may
 * create it), then the files `output` names, then what those import; bounded by `limits`.
 */
export async function gatherFiles(
  root: string,
  sources: { readonly hints?: readonly string[]; readonly output?: string },
  limits: ContextLimits = DEFAULT_CONTEXT_LIMITS,
): Promise<ContextFile[]> {
  const roots = await rootsOf(root);
  const order: string[] = [];
  const missing = new Set<string>();
  const add = (p: string) => {
    if (!order.includes(p)) order.push(p);
  };
  for (const hint of sources.hints ?? []) {
    const rel = insideRoot(roots, hint);
    if (rel === undefined) continue;
    add(rel);
    if (!(await isFile(join(root, rel)))) missing.add(rel);
  }
  for (const p of await pathsInText(root, sources.output ?? '')) add(p);
  // One level of imports: a failing assertion in a test file usually points at a module it imports.
  const named = [...order];
  const texts = new Map<string, { text: string } | { note: string }>();
  for (const p of named) {
    if (missing.has(p)) continue;
    const read = await readShown(join(root, p));
    if (read === undefined) continue;
    texts.set(p, read);
    if ('text' in read) for (const imported of await localImports(root, p, read.text)) add(imported);
  }
  const files: ContextFile[] = [];
  let total = 0;
  for (const [i, p] of order.entries()) {
    if (missing.has(p)) {
      files.push({ path: p, text: undefined, note: 'does not exist yet' });
      continue;
    }
    if (i >= limits.maxFiles || total >= limits.maxTotalChars) {
      files.push({ path: p, text: undefined, note: 'not shown (too many files); name it in "files" to see it first' });
      continue;
    }
    const read = texts.get(p) ?? (await readShown(join(root, p)));
    if (read === undefined) continue;
    if ('note' in read) {
      files.push({ path: p, text: undefined, note: read.note });
      continue;
    }
    const { text } = read;
    const room = Math.min(limits.maxFileChars, limits.maxTotalChars - total);
    const shown = clipMiddle(text, room, 0.5);
    total += shown.length;
    files.push({ path: p, text: shown, note: shown.length < text.length ? `${text.length} characters, cut in the middle` : undefined });
  }
  return files;
}

/** A fence longer than any run of backticks in `text`. */
export function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** A file for a prompt: its path, then its text in a fence (or the note alone). */
export function formatFile(file: ContextFile): string {
  if (file.text === undefined) return `${file.path} (${file.note ?? 'not shown'})\n`;
  const fence = fenceFor(file.text);
  const note = file.note === undefined ? '' : ` (${file.note})`;
  const body = file.text.endsWith('\n') ? file.text : `${file.text}\n`;
  return `${file.path}${note}\n${fence}\n${body}${fence}\n`;
}
