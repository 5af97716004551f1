/**
 * How deep a parsed JSON value nests, checked against a limit without ever recursing past it, so a
 * hostile message of any depth costs no more stack than a legal one.
 *
 * @example
 * ```ts
 * tooDeepAt({ a: [[1]] }, 2); // '/a/0': the array at /a/0 is level 3
 * tooDeepAt({ a: [1] }, 2);   // undefined
 * ```
 */

/**
 * The JSON Pointer (RFC 6901) of the first array or object in `value` that lies deeper than `maxDepth`
 * levels (`value` itself, if it is an array or an object, is level 1), or undefined when none does.
 */
export function tooDeepAt(value: unknown, maxDepth: number): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const path = walk(value, 1, maxDepth);
  return path === undefined ? undefined : path.reverse().map((s) => `/${s}`).join('');
}

/**
 * A line shorter than this cannot hold a value deeper than `maxDepth`: every level takes an opening and
 * a closing bracket. Lets the common short message skip the walk.
 */
export function mayBeTooDeep(textLength: number, maxDepth: number): boolean {
  return textLength >= 2 * (maxDepth + 1);
}

/** Segments of the path from `value` to the first too-deep container, innermost first. */
function walk(value: object, level: number, maxDepth: number): string[] | undefined {
  if (level > maxDepth) return [];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) {
        const path = walk(item, level + 1, maxDepth);
        if (path !== undefined) {
          path.push(String(i));
          return path;
        }
      }
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (typeof item === 'object' && item !== null) {
      const path = walk(item, level + 1, maxDepth);
      if (path !== undefined) {
        path.push(key.replaceAll('~', '~0').replaceAll('/', '~1'));
        return path;
      }
    }
  }
  return undefined;
}
