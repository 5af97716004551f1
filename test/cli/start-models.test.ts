/** `codex fleet start` checks every agent's model price and provider before anything starts. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runFleet } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('codex fleet start', () => {
  it('refuses an agent whose model has no known price, at its file:line:col, and starts nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cf-start-models-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'local.yaml'), 'name: local\nrole: r\nmodel: my-own-model\ncost_budget: 1\nplugin: ./p.mjs\n');
    writeFileSync(join(dir, 'p.mjs'), 'export default { onTask: () => null };\n');
    const result = runFleet(['start', dir, '--state-dir', join(dir, 'state')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('local.yaml:3:8: No price is known for model "my-own-model"');
    expect(result.stderr).toContain('Not starting: fix the problems above (check them with "codex fleet validate")');
  });
});
