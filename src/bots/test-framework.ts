/**
 * The test framework of a Node project (node --test, vitest, jest or mocha), detected from the test
 * command the task gives when it names a runner, else from its package.json (the `test` script first,
 * then the dev dependencies). Each knows how to run one file and how to read the runner's summary: how
 * many tests it collected and how many failed.
 */

export type FrameworkName = 'node' | 'vitest' | 'jest' | 'mocha';

/** What the runner reported for a run of one file; undefined counts when its summary was not found. */
export interface RunCounts {
  readonly tests: number | undefined;
  readonly failed: number | undefined;
  /** The runner reported the file itself instead of tests in it: it has none, or it failed to load. */
  readonly fileOnly?: boolean;
}

export interface TestFramework {
  readonly name: FrameworkName;
  /** How test files are named and what they import, for the model. */
  readonly conventions: string;
  /** The argv prefix that runs given test files (the file paths are appended). */
  readonly command: readonly string[];
  /** Reads the runner's summary from its output (stdout and stderr joined) for a run of `file`. */
  counts(output: string, file: string): RunCounts;
}

function lastNumber(output: string, pattern: RegExp): number | undefined {
  const all = [...output.matchAll(pattern)];
  const last = all[all.length - 1];
  return last === undefined ? undefined : Number(last[1]);
}

/** Strips ANSI colour codes (runners colour their summaries even when they are not on a terminal). */
function plain(output: string): string {
  return output.replace(/\x1b\[[0-9;]*m/g, '');
}

const FRAMEWORKS: Record<FrameworkName, Omit<TestFramework, 'command'>> = {
  node: {
    name: 'node',
    conventions:
      "node's built-in runner: `import { test } from 'node:test'` and `import assert from 'node:assert/strict'`; " +
      'name files `*.test.mjs` (or `*.test.js` in an ES module package), next to the existing tests.',
    counts(output, file) {
      const text = plain(output);
      // TAP ("# tests 2") or the spec reporter ("ℹ tests 2").
      const tests = lastNumber(text, /^(?:#|ℹ) tests (\d+)/gm);
      const failed = lastNumber(text, /^(?:#|ℹ) fail (\d+)/gm);
      // A file without tests, or one that throws while loading, is reported as one test named by its path.
      const topLevel = [...text.matchAll(/^(?:(?:not )?ok \d+ - |[✔✖] )(.+?)(?: \([\d.]+m?s\))?$/gm)].map((m) => m[1]!.trim());
      const isFile = (name: string) => name === file || name.endsWith(`/${file}`);
      if (topLevel.length > 0 && topLevel.every(isFile)) return { tests: 0, failed, fileOnly: true };
      return { tests, failed };
    },
  },
  vitest: {
    name: 'vitest',
    conventions: "vitest: `import { describe, it, expect } from 'vitest'`; name files `*.test.ts` (or `.js`), next to the existing tests.",
    counts(output) {
      const text = plain(output);
      if (/No test files found/.test(text)) return { tests: 0, failed: 0 };
      const line = /^\s*Tests\s+(.*)$/m.exec(text)?.[1];
      if (line === undefined) return { tests: undefined, failed: undefined };
      return { tests: lastNumber(line, /\((\d+)\)/g) ?? 0, failed: lastNumber(line, /(\d+) failed/g) ?? 0 };
    },
  },
  jest: {
    name: 'jest',
    conventions: 'jest: the globals `describe`, `it` and `expect`; name files `*.test.js` (or `.ts` if the project uses TypeScript tests).',
    counts(output) {
      const text = plain(output);
      if (/No tests found/.test(text)) return { tests: 0, failed: 0 };
      const line = /^Tests:\s+(.*)$/m.exec(text)?.[1];
      if (line === undefined) return { tests: undefined, failed: undefined };
      return { tests: lastNumber(line, /(\d+) total/g) ?? 0, failed: lastNumber(line, /(\d+) failed/g) ?? 0 };
    },
  },
  mocha: {
    name: 'mocha',
    conventions: "mocha: the globals `describe` and `it`, with `import assert from 'node:assert/strict'`; name files `*.test.js` under the project's test folder.",
    counts(output) {
      const text = plain(output);
      const passing = lastNumber(text, /^\s*(\d+) passing/gm);
      const failing = lastNumber(text, /^\s*(\d+) failing/gm) ?? 0;
      const pending = lastNumber(text, /^\s*(\d+) pending/gm) ?? 0;
      if (passing === undefined && failing === 0) return { tests: undefined, failed: undefined };
      return { tests: (passing ?? 0) + failing + pending, failed: failing };
    },
  },
};

/** Where the framework was found, for the task's output. */
export interface DetectedFramework {
  readonly framework: TestFramework;
  readonly detectedFrom: string;
}

/** Thrown when package.json cannot be read as JSON. */
export class PackageJsonError extends Error {
  readonly code = 'CODEX_FLEET_BOT_PACKAGE_JSON';
}

/**
 * The framework a test command runs by itself, or undefined when it goes through a script (`npm test --`)
 * and only package.json can tell: `node --test …`, or a program (or `npx` argument) named vitest, jest,
 * mocha or _mocha, also as a path such as `node_modules/.bin/vitest`.
 */
export function frameworkOfArgv(argv: readonly string[]): FrameworkName | undefined {
  const base = (arg: string) => arg.split(/[\\/]/).pop()!.replace(/\.(c|m)?js$/, '');
  const program = base(argv[0] ?? '');
  if ((program === 'node' || program === 'nodejs') && argv.includes('--test')) return 'node';
  const words = program === 'npx' || program === 'pnpx' || program === 'node' ? argv.slice(1).filter((a) => !a.startsWith('-')).slice(0, 1).map(base) : [program];
  for (const word of words) {
    if (word === 'vitest') return 'vitest';
    if (word === 'jest') return 'jest';
    if (word === 'mocha' || word === '_mocha') return 'mocha';
  }
  return undefined;
}

/**
 * Detects the framework from the task's test command, when it names one (`node --test`, `npx vitest
 * run`), else from package.json's text. `command` overrides the argv prefix (the task's
 * `test` input); the default runs `node --test <file>` for node's runner and `npm test -- <file>` for
 * the others. Returns undefined when nothing points to a known framework.
 */
export function detectFramework(packageJson: string | undefined, command?: readonly string[]): DetectedFramework | undefined {
  const named = command === undefined ? undefined : frameworkOfArgv(command);
  if (named !== undefined) {
    return { framework: { ...FRAMEWORKS[named], command: command! }, detectedFrom: `the task's "test" command "${command!.join(' ')}"` };
  }
  let manifest: { scripts?: Record<string, unknown>; devDependencies?: Record<string, unknown>; dependencies?: Record<string, unknown> } = {};
  if (packageJson !== undefined) {
    try {
      manifest = JSON.parse(packageJson) as typeof manifest;
    } catch (error) {
      throw new PackageJsonError(`package.json is not valid JSON: ${(error as Error).message}`);
    }
  }
  const script = typeof manifest.scripts?.['test'] === 'string' ? manifest.scripts['test'] : '';
  const deps = { ...(manifest.dependencies ?? {}), ...(manifest.devDependencies ?? {}) };
  const order: FrameworkName[] = ['vitest', 'jest', 'mocha'];
  let found: { name: FrameworkName; from: string } | undefined;
  if (/\bnode\b[^&|;]*--test\b/.test(script)) found = { name: 'node', from: `package.json scripts.test "${script}"` };
  for (const name of order) if (found === undefined && new RegExp(`\\b${name}\\b`).test(script)) found = { name, from: `package.json scripts.test "${script}"` };
  for (const name of order) if (found === undefined && Object.hasOwn(deps, name)) found = { name, from: `package.json devDependencies.${name}` };
  if (found === undefined) return undefined;
  const fallback = found.name === 'node' ? ['node', '--test'] : ['npm', 'test', '--'];
  return { framework: { ...FRAMEWORKS[found.name], command: command ?? fallback }, detectedFrom: found.from };
}
