#!/usr/bin/env node
// Builds the sandbox launcher (every native/launcher/*.c) with the system C compiler.
// Runs as npm's `install` script; also `node scripts/build-launcher.mjs [--force]` by hand.
// Skips the compile when the binary is newer than its sources.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'native', 'launcher');
const outDir = join(srcDir, 'build');
const out = join(outDir, 'codex-fleet-launcher');
const force = process.argv.includes('--force');

if (process.platform !== 'linux') {
  console.log(`codex-fleet: not building the sandbox launcher on ${process.platform} (Linux only); workers cannot be sandboxed here.`);
  process.exit(0);
}

const sources = readdirSync(srcDir).filter((f) => f.endsWith('.c') || f.endsWith('.h')).map((f) => join(srcDir, f));
const newestSource = Math.max(...sources.map((f) => statSync(f).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
if (!force && existsSync(out) && statSync(out).mtimeMs >= newestSource) {
  console.log(`codex-fleet: sandbox launcher up to date: ${out}`);
  process.exit(0);
}

const cc = process.env.CC || 'cc';
// Every .c file beside launcher.c is part of the launcher (one concern per file).
const units = readdirSync(srcDir).filter((f) => f.endsWith('.c')).sort().map((f) => join(srcDir, f));
const args = ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-pthread', '-o', out, ...units];
mkdirSync(outDir, { recursive: true });
const started = Date.now();
// Linked statically where the C library allows it (glibc's libc.a, musl): the launcher runs once per
// worker and command start, and skipping the dynamic loader saves about a millisecond each time. Where
// there is no static libc (e.g. Fedora without glibc-static) it is linked dynamically instead.
const asStatic = spawnSync(cc, ['-static', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
const linked = asStatic.status === 0 ? 'statically' : 'dynamically';
const result = asStatic.status === 0 ? asStatic : spawnSync(cc, args, { stdio: 'inherit' });
if (result.error && /** @type {NodeJS.ErrnoException} */ (result.error).code === 'ENOENT') {
  console.error(
    `codex-fleet: cannot build the sandbox launcher: no C compiler ("${cc}" not found).\n` +
      '  Install one (Debian/Ubuntu: apt-get install -y gcc libc6-dev; Fedora: dnf install gcc; Alpine: apk add build-base)\n' +
      '  or point $CC at one, then run: node scripts/build-launcher.mjs\n' +
      '  Without the launcher codex fleet refuses to start agents (it never runs them unsandboxed).',
  );
  process.exit(1);
}
if (result.status !== 0) {
  console.error(`codex-fleet: building the sandbox launcher failed: ${cc} ${args.join(' ')} (exit ${result.status ?? result.signal})`);
  process.exit(1);
}
console.log(`codex-fleet: built sandbox launcher ${out} with ${cc} (linked ${linked}) in ${Date.now() - started} ms`);
