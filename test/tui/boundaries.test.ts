/**
 * The overlay's place in the module graph: the supervisor never loads it (nor Ink or React), and the
 * overlay never loads the supervisor; it reads a fleet only through the control API's types, its
 * client and the events the CLI hands it.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Every file of ours that `entry` loads, and every package it imports. */
async function graph(entry: string): Promise<{ files: string[]; packages: string[] }> {
  const result = await build({ entryPoints: [entry], absWorkingDir: root, bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'silent' });
  const files = Object.keys(result.metafile.inputs);
  const packages = Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path));
  return { files, packages: [...new Set(packages)] };
}

describe('module boundaries of the overlay', () => {
  it('the supervisor loads nothing of src/tui, Ink or React', async () => {
    const { files, packages } = await graph('src/utils/agent/supervisor.ts');
    expect(files).toContain('src/supervisor/agent-pool.ts'); // sanity: the graph was walked
    expect(files.filter((f) => f.startsWith('src/tui/') || f.startsWith('src/cli/'))).toEqual([]);
    expect(packages.filter((p) => /^(ink|react)(\/|$)/.test(p))).toEqual([]);
  });

  it('the overlay loads nothing of the supervisor', async () => {
    for (const entry of ['src/tui/run.ts', 'src/tui/source.ts', 'src/tui/live-fleet.ts']) {
      const { files, packages } = await graph(entry);
      expect(files.filter((f) => /^src\/(utils|supervisor\/(?!state-dir)|sandbox|gateway|ledger)\//.test(f)), entry).toEqual([]);
      if (entry === 'src/tui/run.ts') expect(packages).toContain('ink');
    }
  });
});
