/**
 * A worker in Perl, several files, core modules only: it passes the conformance kit under its own
 * sandbox, which reads Perl's core modules (/usr/share/perl) and the worker's folder (a package of its
 * own), and nothing else of the repository.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSandboxedSpawn } from '../../src/sandbox/launcher.js';
import { compilePolicy, type SandboxPolicy } from '../../src/sandbox/policy.js';
import { loadAgentSpecs } from '../../src/spec/load.js';
import { codexBin, repoRoot } from '../helpers/cli.js';
import { cleanupTempDirs, ensureLauncher, tempDir } from '../sandbox/helpers.js';

const agentsDir = join(repoRoot, 'examples', 'perl-worker', 'agents');

function run(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const child = spawn(file, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

async function perlPolicy(): Promise<SandboxPolicy> {
  const { agents, diagnostics } = await loadAgentSpecs([agentsDir]);
  expect(diagnostics).toEqual([]);
  return compilePolicy(agents[0]!, { kind: 'worker', slotDir: tempDir('cf-slot-') });
}

/** Runs perl with `args` under `policy` (as the worker policy would run the worker). */
async function perlUnder(policy: SandboxPolicy, args: readonly string[]) {
  const s = buildSandboxedSpawn(policy, ['/usr/bin/perl', ...args]);
  return run(s.file, s.args, s.env);
}

describe('a Perl worker', () => {
  it('passes the conformance kit under its sandbox (codex fleet conformance --agent perl-worker)', async () => {
    ensureLauncher();
    const r = await run(process.execPath, [codexBin, 'fleet', 'conformance', '--agent', 'perl-worker', '--agents-dir', agentsDir]);
    expect(r.out).not.toContain('FAIL');
    expect(r.out.trim().split('\n').at(-1)).toBe('21 checks: 21 passed, 0 failed');
    expect(r.code).toBe(0);
  });

  it("needs the grants it gets: Perl's core modules and its own folder", async () => {
    ensureLauncher();
    const policy = await perlPolicy();
    expect(policy.read).toContain('/usr/share/perl');
    expect(policy.read).toContain(join(repoRoot, 'examples', 'perl-worker'));
    expect(policy.read).not.toContain(repoRoot.replace(/\/$/, ''));
    const lib = join(repoRoot, 'examples', 'perl-worker', 'lib');
    expect((await perlUnder(policy, ['-I', lib, '-MJSON::PP', '-MFleet::Json', '-e', 'print "ok\\n"'])).out).toBe('ok\n');
    // The same policy without /usr/share/perl: JSON::PP (a core module) cannot be loaded.
    const noCore = { ...policy, read: policy.read.filter((p) => !p.startsWith('/usr/share/perl')) };
    const r = await perlUnder(noCore, ['-MJSON::PP', '-e', '1']);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Can't locate JSON\/PP\.pm/);
    // Without the folder: its lib/ is out of reach.
    const noFolder = { ...policy, read: policy.read.filter((p) => p !== join(repoRoot, 'examples', 'perl-worker')) };
    const r2 = await perlUnder(noFolder, ['-I', lib, '-MFleet::Json', '-e', '1']);
    expect(r2.out).toMatch(/Can't locate Fleet\/Json\.pm/);
    cleanupTempDirs();
  });
});
