/**
 * Which lines of each file a unified diff (`git diff` text) adds or changes, counted in the new
 * version of the file. A removal counts as a change of the line that now stands where it was.
 */

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/**
 * A path as `git diff` prints it after `+++ `: `b/src/a.ts`, or C-quoted when it holds bytes outside
 * printable ASCII (`"b/caf\303\251.ts"`, the octal escapes being UTF-8 bytes). Returns the plain path.
 */
function diffPath(target: string): string {
  if (!target.startsWith('"') || !target.endsWith('"')) return target.replace(/^b\//, '');
  const bytes: number[] = [];
  const body = target.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else {
      bytes.push(ESCAPES[body[i + 1]!] ?? body.charCodeAt(i + 1));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8').replace(/^b\//, '');
}

/** Path (relative, new name) → changed lines (1-based, in the new file). Deleted files are absent. */
export function changedLines(diff: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  let current: Set<number> | undefined;
  let line = 0;
  let inHunk = false;
  for (const text of diff.split('\n')) {
    if (text.startsWith('diff --git ')) {
      current = undefined;
      inHunk = false;
      continue;
    }
    if (!inHunk && text.startsWith('+++ ')) {
      const target = text.slice(4).trim();
      if (target === '/dev/null') current = undefined;
      else {
        const path = diffPath(target);
        current = out.get(path) ?? new Set<number>();
        out.set(path, current);
      }
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      line = Number(hunk[1]);
      inHunk = true;
      continue;
    }
    if (!inHunk || current === undefined) continue;
    if (text.startsWith('+')) current.add(line++);
    else if (text.startsWith('-')) current.add(Math.max(1, line));
    else if (text.startsWith(' ')) line++;
    else if (!text.startsWith('\\')) inHunk = false;
  }
  return out;
}
