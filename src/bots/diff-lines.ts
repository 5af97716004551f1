/**
 * Which lines of each file a unified diff (`git diff` text) adds or changes, counted in the new
 * version of the file. A removal counts as a change of the line that now stands where it was.
 */

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
        const path = target.replace(/^"?b\//, '').replace(/"$/, '');
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
