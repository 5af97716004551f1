/**
 * The edit format the built-in bots ask models for: search/replace blocks. A reply may hold prose and
 * code fences around them; only the blocks count.
 *
 * ```text
 * src/math.js
 * <<<<<<< SEARCH
 * return a - b;
 * =======
 * return a + b;
 * >>>>>>> REPLACE
 * ```
 *
 * The line before `<<<<<<< SEARCH` names the file (relative to the worktree; backticks, `**` and a
 * leading `File:` are stripped). An empty SEARCH part creates a new file, which must not exist yet.
 *
 * Why this format and not tool calls or unified diffs: every chat model can write it (small local models
 * without tool support too), it needs no line numbers (which cheap models get wrong), it fails loudly
 * and precisely (a SEARCH text that is missing or ambiguous), and it is easy to record for tests.
 *
 * Edits are all or nothing: {@link planEdits} computes every file's new text first and reports every
 * problem; nothing is written unless all blocks apply.
 */
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, posix, sep } from 'node:path';

/** One search/replace block. */
export interface EditBlock {
  /** The file, relative to the worktree, with `/` separators. */
  readonly path: string;
  /** Exact text to find (empty: create the file). */
  readonly search: string;
  readonly replace: string;
  /** 1-based line of the block's `<<<<<<< SEARCH` marker in the reply. */
  readonly line: number;
}

export interface ParsedEdits {
  readonly blocks: readonly EditBlock[];
  /** Malformed blocks, each naming its line in the reply. */
  readonly problems: readonly string[];
}

const SEARCH = /^\s*<{5,9} ?SEARCH\s*$/;
const DIVIDER = /^\s*={5,9}\s*$/;
const REPLACE = /^\s*>{5,9} ?REPLACE\s*$/;
const FENCE = /^\s*```/;

function cleanPath(line: string): string {
  return line
    .trim()
    .replace(/^#+\s*/, '')
    .replace(/^(?:file|path)\s*:\s*/i, '')
    .replace(/^[*`'"]+|[*`'":]+$/g, '')
    .trim();
}

/** Finds the blocks in a model's reply. */
export function parseEditBlocks(text: string): ParsedEdits {
  const lines = text.split(/\r?\n/);
  const blocks: EditBlock[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!SEARCH.test(lines[i]!)) continue;
    const start = i;
    let back = i - 1;
    while (back >= 0 && (lines[back]!.trim() === '' || FENCE.test(lines[back]!))) back--;
    const path = back >= 0 ? cleanPath(lines[back]!) : '';
    const search: string[] = [];
    const replace: string[] = [];
    let part: 'search' | 'replace' = 'search';
    let closed = false;
    for (i = i + 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (part === 'search' && DIVIDER.test(line)) part = 'replace';
      else if (part === 'replace' && REPLACE.test(line)) {
        closed = true;
        break;
      } else if (SEARCH.test(line)) {
        i--;
        break;
      } else (part === 'search' ? search : replace).push(line);
    }
    if (!closed) {
      problems.push(`line ${start + 1}: the block is not closed (expected "=======" and then ">>>>>>> REPLACE")`);
      continue;
    }
    if (path === '' || /\s{2,}|[<>|]/.test(path)) {
      problems.push(`line ${start + 1}: no file name on the line before "<<<<<<< SEARCH"`);
      continue;
    }
    // One spelling per file (`./src/a.js` and `src/a.js` are the same file for later blocks and the commit).
    const relative = posix.normalize(path.split(sep).join('/'));
    blocks.push({ path: relative, search: search.join('\n'), replace: replace.join('\n'), line: start + 1 });
  }
  if (blocks.length === 0 && problems.length === 0) {
    problems.push('the reply has no edit blocks (a file name line, "<<<<<<< SEARCH", the old text, "=======", the new text, ">>>>>>> REPLACE")');
  }
  return { blocks, problems };
}

/** Why a path may not be edited, or undefined when it may. */
export function unsafePathReason(path: string): string | undefined {
  if (isAbsolute(path)) return 'is absolute; give a path relative to the repository root';
  const norm = normalize(path);
  if (norm === '..' || norm.startsWith(`..${sep}`)) return 'leaves the repository';
  const parts = norm.split(sep);
  if (parts.includes('.git')) return 'is inside .git';
  if (parts.includes('node_modules')) return 'is inside node_modules';
  if (/^\.git(attributes|modules)$/.test(parts[parts.length - 1]!)) return 'is a git control file';
  return undefined;
}

/** A path that names something other than a regular file reachable without symbolic links. */
export class EditPathError extends Error {
  readonly code = 'CODEX_FLEET_EDIT_PATH';
}

/**
 * Refuses a path that leads through or to a symbolic link, or to something other than a regular file:
 * a link in the repository could point anywhere, and writing through it would leave the worktree.
 * Components that do not exist yet are fine (the file is created).
 */
async function checkTarget(root: string, path: string): Promise<void> {
  const parts = normalize(path).split(sep);
  for (let i = 1; i <= parts.length; i++) {
    const at = parts.slice(0, i).join('/');
    let info;
    try {
      info = await lstat(join(root, at));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (info.isSymbolicLink()) throw new EditPathError(`${path} ${at === path ? 'is' : `is under ${at}, which is`} a symbolic link; edit the file it points to instead`);
    if (i < parts.length && !info.isDirectory()) throw new EditPathError(`${path} is under ${at}, which is a file, not a folder`);
    if (i === parts.length && !info.isFile()) throw new EditPathError(`${path} is ${info.isDirectory() ? 'a folder' : 'not a regular file'}; name a file`);
  }
}

/** True when every line break of `text` is CRLF (and there is at least one). */
function usesCrlf(text: string): boolean {
  return text.includes('\r\n') && !/(^|[^\r])\n/.test(text);
}

/** Every place `needle` occurs in `haystack`. */
function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) found.push(at);
  return found;
}

/**
 * Where the SEARCH lines occur when trailing whitespace and indentation are ignored (models often get
 * those wrong). Returns [start, end) offsets into `content`, one pair per match.
 */
function looseOccurrences(content: string, search: string): Array<[number, number]> {
  const want = search.split('\n').map((l) => l.trim());
  while (want.length > 0 && want[want.length - 1] === '') want.pop();
  if (want.length === 0) return [];
  const lines = content.split('\n');
  const offsets: number[] = [];
  let offset = 0;
  for (const line of lines) {
    offsets.push(offset);
    offset += line.length + 1;
  }
  const found: Array<[number, number]> = [];
  for (let i = 0; i + want.length <= lines.length; i++) {
    if (want.every((w, k) => lines[i + k]!.trim() === w)) {
      const last = i + want.length - 1;
      found.push([offsets[i]!, offsets[last]! + lines[last]!.length]);
    }
  }
  return found;
}

/** True when [start, start+length) covers whole lines of `content`. */
function lineAligned(content: string, start: number, length: number): boolean {
  const end = start + length;
  return (start === 0 || content[start - 1] === '\n') && (end === content.length || content[end] === '\n' || content[end - 1] === '\n');
}

/**
 * Applies one block's replacement to `content`; a string is the new text, an object the problem. Tried
 * in order: the SEARCH text as whole lines, then line by line ignoring indentation, then anywhere.
 */
function applyOne(content: string, block: EditBlock): string | { problem: string } {
  const ambiguous = (n: number) => ({ problem: `the SEARCH text occurs ${n} times in ${block.path}; include more surrounding lines so it occurs once` });
  const exact = occurrences(content, block.search);
  const aligned = exact.filter((at) => lineAligned(content, at, block.search.length));
  if (aligned.length === 1) return content.slice(0, aligned[0]) + block.replace + content.slice(aligned[0]! + block.search.length);
  if (aligned.length > 1) return ambiguous(aligned.length);
  const loose = looseOccurrences(content, block.search);
  if (loose.length === 1) {
    const [start, end] = loose[0]!;
    return content.slice(0, start) + block.replace + content.slice(end);
  }
  if (loose.length > 1) return ambiguous(loose.length);
  if (exact.length === 1) return content.slice(0, exact[0]) + block.replace + content.slice(exact[0]! + block.search.length);
  if (exact.length > 1) return ambiguous(exact.length);
  const first = block.search.split('\n').find((l) => l.trim() !== '')?.trim();
  const near = first === undefined ? -1 : content.split('\n').findIndex((l) => l.trim() === first);
  const hint = near >= 0 ? ` (its first line matches line ${near + 1}, but the lines after it differ)` : '';
  return { problem: `the SEARCH text was not found in ${block.path}${hint}; copy the lines exactly as they are in the file` };
}

export type EditPlan =
  | { readonly ok: true; /** path → new content, in first-edited order */ readonly files: ReadonlyMap<string, string>; readonly created: readonly string[] }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Computes the new content of every file the blocks touch, without writing. `read` returns a file's
 * current text, or undefined when it does not exist. Blocks on the same file apply in order.
 */
export async function planEdits(
  blocks: readonly EditBlock[],
  read: (path: string) => Promise<string | undefined>,
): Promise<EditPlan> {
  const files = new Map<string, string>();
  const created: string[] = [];
  const problems: string[] = [];
  // Files whose lines all end in CRLF: edited with LF (as the blocks are written), written back with CRLF.
  const crlf = new Set<string>();
  for (const block of blocks) {
    const unsafe = unsafePathReason(block.path);
    if (unsafe !== undefined) {
      problems.push(`block at line ${block.line}: ${block.path} ${unsafe}`);
      continue;
    }
    let current: string | undefined;
    if (files.has(block.path)) current = files.get(block.path);
    else {
      try {
        current = await read(block.path);
      } catch (error) {
        if (!(error instanceof EditPathError)) throw error;
        problems.push(`block at line ${block.line}: ${error.message}`);
        continue;
      }
      if (current !== undefined && usesCrlf(current)) {
        crlf.add(block.path);
        current = current.replace(/\r\n/g, '\n');
      }
    }
    if (block.search.trim() === '') {
      if (current === undefined && /\s/.test(block.path)) {
        // Most likely prose ("Here is the new test:") on the line before the block, not a file name.
        problems.push(`block at line ${block.line}: "${block.path}" is not a file name (new files may not have spaces in their names); put the file's path alone on the line before "<<<<<<< SEARCH"`);
        continue;
      }
      if (current !== undefined) {
        problems.push(`block at line ${block.line}: ${block.path} already exists; an empty SEARCH part only creates new files`);
        continue;
      }
      files.set(block.path, block.replace.endsWith('\n') ? block.replace : `${block.replace}\n`);
      created.push(block.path);
      continue;
    }
    if (current === undefined) {
      problems.push(`block at line ${block.line}: ${block.path} does not exist`);
      continue;
    }
    const next = applyOne(current, block);
    if (typeof next === 'string') files.set(block.path, next);
    else problems.push(`block at line ${block.line}: ${next.problem}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  for (const path of crlf) files.set(path, files.get(path)!.replace(/\n/g, '\r\n'));
  return { ok: true, files, created };
}

/**
 * Reads a file under `root` for editing, or undefined when there is none. Throws {@link EditPathError}
 * (which {@link planEdits} reports as the block's problem) for a path through a symbolic link or to a
 * folder.
 */
export function fileReader(root: string): (path: string) => Promise<string | undefined> {
  return async (path) => {
    await checkTarget(root, path);
    try {
      return await readFile(join(root, path), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
}

/** Writes a plan's files under `root`. */
export async function writePlan(root: string, files: ReadonlyMap<string, string>): Promise<void> {
  for (const [path, content] of files) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

export type ApplyResult =
  | { readonly ok: true; readonly files: readonly string[]; readonly created: readonly string[] }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Parses a reply and applies all of its blocks under `root`, or none of them. */
export async function applyEditReply(root: string, reply: string): Promise<ApplyResult> {
  const parsed = parseEditBlocks(reply);
  if (parsed.problems.length > 0) return { ok: false, problems: parsed.problems };
  const plan = await planEdits(parsed.blocks, fileReader(root));
  if (!plan.ok) return plan;
  await writePlan(root, plan.files);
  return { ok: true, files: [...plan.files.keys()], created: plan.created };
}

/** The format, as the bots explain it to a model. */
export const EDIT_FORMAT_INSTRUCTIONS = `Reply with search/replace blocks, one per change:

path/to/file.ext
<<<<<<< SEARCH
the exact lines now in the file
=======
the lines that replace them
>>>>>>> REPLACE

Rules: the line before <<<<<<< SEARCH is the file's path relative to the repository root. The SEARCH
part must match the file exactly and occur once (copy a few surrounding lines to make it unique). An
empty SEARCH part creates a new file. Use as many blocks as needed; text outside blocks is ignored.`;
