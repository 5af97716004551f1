/**
 * What a worker's commands are for: a project's tests. `npm test` of a `node --test` project and of a
 * vitest project pass under `codex fleet sandbox --command-policy` (npm reads its global config and the
 * CA bundle it names; node_modules/.bin/* and ./run.sh in the workspace run, in the same sandbox).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codexBin, repoRoot } from '../helpers/cli.js';
import { cleanupTempDirs, ensureLauncher, tempDir } from './helpers.js';

let agentsDir: string;

beforeAll(() => {
  ensureLauncher();
  agentsDir = tempDir('cf-agents-');
  writeFileSync(
    join(agentsDir, 'tester.yaml'),
    'name: tester\nrole: Runs the project tests.\nmodel: gpt-4.1-mini\nplugin: builtin:patch-bot\nexec:\n  - command: [npm, test]\n',
  );
});

afterAll(() => cleanupTempDirs());

/** `codex fleet sandbox --agent tester --command-policy --workspace DIR -- CMD…` */
function sandboxed(workspace: string, command: readonly string[]) {
  // Generous: vitest starts a Vite server and a worker pool, slow on a loaded 2-core machine.
  const r = spawnSync(
    process.execPath,
    [codexBin, 'fleet', 'sandbox', '--agent', 'tester', '--agents-dir', agentsDir, '--command-policy', '--workspace', workspace, '--', ...command],
    { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Copies `names` and everything they depend on from this repository's node_modules (hard links where possible). */
function installFrom(names: readonly string[], into: string): void {
  const from = join(repoRoot, 'node_modules');
  const seen = new Set<string>();
  const queue = [...names];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name) || !existsSync(join(from, name, 'package.json'))) continue;
    seen.add(name);
    const manifest = JSON.parse(readFileSync(join(from, name, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    queue.push(...Object.keys({ ...manifest['dependencies'], ...manifest['optionalDependencies'], ...manifest['peerDependencies'] }));
  }
  for (const name of seen) {
    mkdirSync(dirname(join(into, name)), { recursive: true });
    const linked = spawnSync('cp', ['-al', join(from, name), join(into, name)]);
    if (linked.status !== 0) cpSync(join(from, name), join(into, name), { recursive: true });
  }
}

describe('npm test under the command policy', () => {
  it('passes for a node --test project', () => {
    const workspace = tempDir('cf-ws-node-test-');
    writeFileSync(join(workspace, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', scripts: { test: 'node --test' } }));
    mkdirSync(join(workspace, 'test'));
    writeFileSync(
      join(workspace, 'test', 'sum.test.mjs'),
      "import test from 'node:test';\nimport assert from 'node:assert/strict';\ntest('sums', () => assert.equal(1 + 2, 3));\n",
    );
    const r = sandboxed(workspace, ['npm', 'test']);
    expect(r.output).toMatch(/# pass 1\n# fail 0\n/);
    expect(r.status).toBe(0);
  });

  it('passes for a vitest project (node_modules/.bin/vitest runs from the workspace)', () => {
    const workspace = tempDir('cf-ws-vitest-');
    writeFileSync(
      join(workspace, 'package.json'),
      JSON.stringify({ name: 'v', version: '1.0.0', type: 'module', scripts: { test: 'vitest run' } }),
    );
    installFrom(['vitest'], join(workspace, 'node_modules'));
    mkdirSync(join(workspace, 'node_modules', '.bin'));
    symlinkSync('../vitest/vitest.mjs', join(workspace, 'node_modules', '.bin', 'vitest'));
    mkdirSync(join(workspace, 'test'));
    writeFileSync(
      join(workspace, 'test', 'sum.test.js'),
      "import { expect, test } from 'vitest';\ntest('sums', () => expect(1 + 2).toBe(3));\n",
    );
    const r = sandboxed(workspace, ['npm', 'test']);
    expect(r.output).toMatch(/Tests {2}1 passed \(1\)/);
    expect(r.status).toBe(0);
  });

  it('runs ./run.sh from the workspace, and what it starts stays in the sandbox', () => {
    const workspace = tempDir('cf-ws-script-');
    const outside = tempDir('cf-outside-');
    writeFileSync(join(workspace, 'run.sh'), `#!/bin/sh\necho started > ./log\nif echo x > ${outside}/escaped; then exit 3; fi\nexit 0\n`);
    chmodSync(join(workspace, 'run.sh'), 0o755);
    const r = sandboxed(workspace, ['./run.sh']);
    expect(r.status).toBe(0);
    expect(readFileSync(join(workspace, 'log'), 'utf8')).toBe('started\n');
    expect(existsSync(join(outside, 'escaped'))).toBe(false);
  });
});
