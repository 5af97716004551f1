/**
 * Spec files built to hurt the loader: a YAML alias bomb and an oversized file get one clear
 * file:line error from `codex fleet validate` (never a stack trace), and cost next to nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAgentSpecs } from '../../src/spec/load.js';
import { MAX_SPEC_ALIASES } from '../../src/spec/source.js';
import { runFleet } from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-spec-hostile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const head = 'name: bomb\nrole: Test agent.\nmodel: gpt-4.1-mini\nplugin: builtin:doc-bot\n';

/** "Billion laughs": nine levels of nine aliases each, 9^9 strings once expanded. */
function aliasBomb(): string {
  const levels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
  const lines = [`${levels[0]}: &${levels[0]} [${Array(9).fill('"lol"').join(',')}]`];
  for (let i = 1; i < levels.length; i++) lines.push(`${levels[i]}: &${levels[i]} [${Array(9).fill(`*${levels[i - 1]}`).join(',')}]`);
  return head + lines.join('\n') + '\n';
}

describe('a YAML alias bomb', () => {
  const message = `bomb.yaml:6:8: Invalid YAML: its aliases (*name) expand to too much data (more than ${MAX_SPEC_ALIASES} uses of an alias, counted as expanded): write the values out instead`;

  it('is one diagnostic at the first alias', async () => {
    writeFileSync(join(dir, 'bomb.yaml'), aliasBomb());
    const { agents, diagnostics } = await loadAgentSpecs([dir], { cwd: dir });
    expect(agents).toEqual([]);
    expect(diagnostics.map(String)).toEqual([message]);
  });

  it('makes `codex fleet validate` print that line and exit 1, without a stack trace', () => {
    writeFileSync(join(dir, 'bomb.yaml'), aliasBomb());
    const r = runFleet(['validate', 'bomb.yaml'], { cwd: dir });
    expect(r).toEqual({ status: 1, stdout: '', stderr: `${message}\ncodex fleet: 1 problem in 1 of 1 file\n` });
  });
});

describe('an oversized spec file', () => {
  it('is refused with the limit before it is parsed', async () => {
    // 100 MB of YAML took 25 s and 3.4 GB to parse; past 1 MiB nothing more is read.
    writeFileSync(join(dir, 'huge.yaml'), head + `padding: "${'x'.repeat(2 * 1024 * 1024)}"\n`);
    const { diagnostics } = await loadAgentSpecs([dir], { cwd: dir });
    expect(diagnostics.map(String)).toEqual(['huge.yaml: The file is larger than 1 MiB, the most a spec may be: is it the right file?']);
  });

  it('is refused also when it is a device that never ends', async () => {
    const { diagnostics } = await loadAgentSpecs(['/dev/zero'], { cwd: dir });
    expect(diagnostics.map(String)).toEqual(['/dev/zero: The file is larger than 1 MiB, the most a spec may be: is it the right file?']);
  });
});
