/**
 * An existing test file of the project, shown to test-writer-bot's model so that new scaffolds import,
 * name and set things up the way the project's own tests do. The one whose name matches a changed
 * file's (`src/cart.js` → `test/cart.test.js`) is preferred, then the one closest to the changed files,
 * then the shortest. Dependency, build and version-control folders are not searched.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isTestFile } from './test-files.js';

const SKIPPED = new Set(['node_modules', '.git', 'dist', 'build', 'out', 'coverage', '.next', 'vendor']);
/** How many directory entries the search reads at most, so a huge repository costs a bounded time. */
const MAX_ENTRIES = 5000;
/** Larger test files are not read: a long file shows the style no better than a short one. */
const MAX_BYTES = 64 * 1024;

export interface ExampleTest {
  readonly file: string;
  readonly text: string;
}

/** `cart` for `src/cart.ts`, `test/cart.test.js` and `cart.spec.mjs`. */
function stem(path: string): string {
  return basename(path).replace(/\.[cm]?[jt]sx?$/, '').replace(/\.(test|spec)$/, '');
}

/** The test files of the repository (relative paths), breadth first, within the entry bound. */
async function testFiles(workdir: string): Promise<{ file: string; size: number }[]> {
  const found: { file: string; size: number }[] = [];
  const queue = [''];
  let read = 0;
  while (queue.length > 0 && read < MAX_ENTRIES) {
    const dir = queue.shift()!;
    let entries;
    try {
      entries = await readdir(join(workdir, dir), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (++read > MAX_ENTRIES) break;
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name)) queue.push(rel);
      } else if (entry.isFile() && isTestFile(rel) && /\.[cm]?[jt]sx?$/.test(rel)) {
        const st = await lstat(join(workdir, rel));
        if (st.size > 0 && st.size <= MAX_BYTES) found.push({ file: rel, size: st.size });
      }
    }
  }
  return found;
}

/** How many leading folders two paths share. */
function sharedFolders(a: string, b: string): number {
  const x = dirname(a).split('/');
  const y = dirname(b).split('/');
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n] && x[n] !== '.') n++;
  return n;
}

/** The project's test file most like what would be written for `changed`, or undefined when it has none. */
export async function findExampleTest(workdir: string, changed: readonly string[]): Promise<ExampleTest | undefined> {
  const candidates = await testFiles(workdir);
  if (candidates.length === 0) return undefined;
  const stems = new Set(changed.map(stem));
  const score = (c: { file: string; size: number }): [number, number, number] => [
    stems.has(stem(c.file)) ? 1 : 0,
    Math.max(0, ...changed.map((f) => sharedFolders(f, c.file))),
    -c.size,
  ];
  const best = candidates
    .map((c) => ({ c, s: score(c) }))
    .sort((p, q) => q.s[0] - p.s[0] || q.s[1] - p.s[1] || q.s[2] - p.s[2] || p.c.file.localeCompare(q.c.file))[0]!.c;
  return { file: best.file, text: await readFile(join(workdir, best.file), 'utf8') };
}
