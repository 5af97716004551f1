/**
 * What patch-bot may not edit unless the user asked for it: a failing test is to be fixed in the code
 * under test, not by weakening the test or rewriting the scripts that run it. Edits to test files (named
 * like tests, or named in the test command) and to package.json are refused, as problems fed back to the
 * model, unless the task's `files` or `plan` name the file.
 *
 * @example
 * ```ts
 * protectedEditProblems([{ path: 'test/sum.test.js', search: 'x', replace: 'y', line: 3 }], { argv: ['npm', 'test'], plan: undefined, files: [] });
 * // ['block at line 3: test/sum.test.js is a test file; …']
 * ```
 */
import { posix } from 'node:path';
import type { EditBlock } from './edit-blocks.js';
import type { PatchInput } from './patch-input.js';
import { isTestFile } from './test-files.js';

const same = (path: string) => posix.normalize(path.replace(/\\/g, '/'));

/** Why `path` is protected, or undefined when patch-bot may edit it freely. */
function protectedReason(path: string, argv: readonly string[]): string | undefined {
  if (posix.basename(path) === 'package.json') return 'is package.json, which holds the scripts that run the tests';
  if (argv.slice(1).some((arg) => same(arg) === path)) return 'is named in the test command';
  if (isTestFile(path)) return 'is a test file';
  return undefined;
}

/** True when the user's `files` list or `plan` names the file (its path, or its name as a word). */
function namedByUser(path: string, input: Pick<PatchInput, 'files' | 'plan'>): boolean {
  if (input.files.some((f) => same(f) === path)) return true;
  if (input.plan === undefined) return false;
  if (input.plan.includes(path)) return true;
  const name = posix.basename(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w./-])${name}($|[^\\w/-])`).test(input.plan);
}

/** One problem per block that edits a protected file the user did not name; empty when all may apply. */
export function protectedEditProblems(blocks: readonly EditBlock[], input: Pick<PatchInput, 'argv' | 'files' | 'plan'>): string[] {
  const problems: string[] = [];
  for (const block of blocks) {
    const reason = protectedReason(block.path, input.argv);
    if (reason === undefined || namedByUser(block.path, input)) continue;
    problems.push(
      `block at line ${block.line}: ${block.path} ${reason}; patch-bot fixes the code under test and does not change ` +
        'tests or how they are run unless the task\'s "files" or "plan" name the file. Fix the code instead.',
    );
  }
  return problems;
}
