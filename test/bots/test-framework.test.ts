import { describe, expect, it } from 'vitest';
import { detectFramework, frameworkOfArgv, PackageJsonError } from '../../src/bots/test-framework.js';

const pkg = (scripts: Record<string, string>, devDependencies: Record<string, string> = {}) => JSON.stringify({ scripts, devDependencies });

describe('test framework detection', () => {
  it('reads the test script first, then the dev dependencies', () => {
    const found = (text: string | undefined) => {
      const d = detectFramework(text);
      return d && { name: d.framework.name, from: d.detectedFrom, command: d.framework.command };
    };
    expect(found(pkg({ test: 'node --test test/' }))).toEqual({ name: 'node', from: 'package.json scripts.test "node --test test/"', command: ['node', '--test'] });
    expect(found(pkg({ test: 'vitest run' }, { jest: '1' }))).toEqual({ name: 'vitest', from: 'package.json scripts.test "vitest run"', command: ['npm', 'test', '--'] });
    expect(found(pkg({ test: 'make check' }, { mocha: '10' }))).toEqual({ name: 'mocha', from: 'package.json devDependencies.mocha', command: ['npm', 'test', '--'] });
    expect(found(pkg({ test: 'jest --ci' }))?.name).toBe('jest');
    expect(found(pkg({ test: 'make check' }))).toBeUndefined();
    expect(found(undefined)).toBeUndefined();
    expect(detectFramework(pkg({ test: 'node --test' }), ['npm', 'run', 'unit', '--'])?.framework.command).toEqual(['npm', 'run', 'unit', '--']);
    expect(() => detectFramework('{ nope')).toThrow(PackageJsonError);
  });

  it('takes the framework from the task\'s test command first when it names a runner, then from package.json', () => {
    const found = (text: string | undefined, argv: string[]) => {
      const d = detectFramework(text, argv);
      return d && { name: d.framework.name, from: d.detectedFrom, command: d.framework.command };
    };
    // package.json says vitest, the command runs node's runner: the command wins.
    expect(found(pkg({ test: 'vitest run' }, { vitest: '1' }), ['node', '--test'])).toEqual({ name: 'node', from: 'the task\'s "test" command "node --test"', command: ['node', '--test'] });
    expect(found(pkg({ test: 'node --test' }), ['npx', 'vitest', 'run'])?.name).toBe('vitest');
    expect(found(undefined, ['./node_modules/.bin/jest', '--ci'])).toEqual({ name: 'jest', from: 'the task\'s "test" command "./node_modules/.bin/jest --ci"', command: ['./node_modules/.bin/jest', '--ci'] });
    // Named by the command, a broken or missing package.json does not matter.
    expect(found('{ nope', ['node', 'node_modules/mocha/bin/mocha.js'])?.name).toBe('mocha');
    // A command through a script says nothing by itself: package.json decides.
    expect(found(pkg({ test: 'jest' }), ['npm', 'test', '--'])).toEqual({ name: 'jest', from: 'package.json scripts.test "jest"', command: ['npm', 'test', '--'] });
    expect(frameworkOfArgv(['npm', 'run', 'unit', '--'])).toBeUndefined();
    expect(frameworkOfArgv(['node', 'test/run.js'])).toBeUndefined();
    expect(frameworkOfArgv(['_mocha'])).toBe('mocha');
  });

  it("reads each runner's summary: tests collected and failed", () => {
    const node = detectFramework(pkg({ test: 'node --test' }))!.framework;
    expect(node.counts('TAP version 13\nnot ok 1 - adds\n1..1\n# tests 1\n# suites 0\n# pass 0\n# fail 1\n', 'a.test.js')).toEqual({ tests: 1, failed: 1 });
    expect(node.counts('\u001b[32m✔ adds (1.2ms)\u001b[39m\n\u001b[34mℹ tests 3\u001b[39m\nℹ pass 3\nℹ fail 0\n', 'a.test.js')).toEqual({ tests: 3, failed: 0 });
    expect(node.counts('Error: Cannot find module', 'a.test.js')).toEqual({ tests: undefined, failed: undefined });
    // node 20 reports a file without tests, or one that does not load, as one test named by its path.
    expect(node.counts('ok 1 - /w/test/a.test.js\n# tests 1\n# fail 0\n', 'test/a.test.js')).toEqual({ tests: 0, failed: 0, fileOnly: true });
    expect(node.counts('✖ /w/test/a.test.js (20ms)\nℹ tests 1\nℹ fail 1\n', 'test/a.test.js')).toEqual({ tests: 0, failed: 1, fileOnly: true });
    const vitest = detectFramework(pkg({ test: 'vitest run' }))!.framework;
    expect(vitest.counts(' Test Files  1 failed (1)\n      Tests  1 failed | 2 passed (3)\n', 'a.test.ts')).toEqual({ tests: 3, failed: 1 });
    expect(vitest.counts('No test files found, exiting with code 1', 'a.test.ts')).toEqual({ tests: 0, failed: 0 });
    const jest = detectFramework(pkg({ test: 'jest' }))!.framework;
    expect(jest.counts('Tests:       1 failed, 1 passed, 2 total\n', 'a.test.js')).toEqual({ tests: 2, failed: 1 });
    const mocha = detectFramework(pkg({ test: 'mocha' }))!.framework;
    expect(mocha.counts('  2 passing (5ms)\n  1 failing\n', 'a.test.js')).toEqual({ tests: 3, failed: 1 });
  });
});
