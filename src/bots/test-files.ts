/**
 * Which paths are test files, by the naming conventions of node --test, vitest, jest and mocha: a file in
 * a `test/`, `tests/` or `__tests__/` folder, or one named `*.test.*` / `*.spec.*` (JavaScript or
 * TypeScript). test-writer-bot creates only such files; patch-bot does not edit them unless asked to.
 */

/** A test file's path, relative to the repository root with `/` separators. */
export const TEST_FILE = /(^|\/)(__tests__|tests?)\/|\.(test|spec)\.[cm]?[jt]sx?$/;

/** True when `path` is named like a test file. */
export function isTestFile(path: string): boolean {
  return TEST_FILE.test(path);
}
