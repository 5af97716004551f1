/** docs/mcp.md stays true to the tools the server offers. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOOLS } from '../../src/mcp/tools.js';
import { repoRoot } from '../helpers/cli.js';

describe('docs/mcp.md', () => {
  it('documents every tool and every argument, and the exact client configs', () => {
    const doc = readFileSync(join(repoRoot, 'docs/mcp.md'), 'utf8');
    for (const tool of TOOLS) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${tool.name}\` |`));
      expect(row, `a table row for ${tool.name}`).toBeDefined();
      for (const arg of Object.keys(tool.input.properties)) expect(row, `${tool.name} documents ${arg}`).toContain(`\`${arg}\``);
    }
    expect(doc).toContain('[mcp_servers.fleet]\ncommand = "npx"\nargs = ["codex-fleet", "mcp"]');
    expect(doc).toContain('claude mcp add fleet -- npx codex-fleet mcp');
  });
});
