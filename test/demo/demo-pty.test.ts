/**
 * `codex fleet demo` in a real terminal (tmux, 80 columns; 40 rows, so the whole summary stays on screen): the live overlay shows the four agents, the
 * pause at notes-bot's budget with the command that continues, then the demo raises the budget, the
 * overlay comes off the screen and the summary follows; exit 0.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codexBin } from '../helpers/cli.js';
import { TmuxScreen } from '../helpers/tmux.js';
import { expectNoProcessesLeft, makeFleetDir, removeFleetDir, type FleetDir } from '../supervisor/helpers.js';

let dir: FleetDir;
let screen: TmuxScreen | undefined;

beforeEach(() => {
  dir = makeFleetDir('cf-demo-pty-');
});

afterEach(async () => {
  screen?.close();
  await expectNoProcessesLeft(dir.root);
  removeFleetDir(dir);
});

describe('codex fleet demo on a terminal', () => {
  it('shows the overlay with the pause at the budget, then the summary', { timeout: 180_000 }, async () => {
    const repo = join(dir.root, 'demo-shop');
    screen = TmuxScreen.start([process.execPath, codexBin, 'fleet', 'demo', '--dir', repo, '--state-dir', dir.stateDir], {
      cwd: dir.root,
      rows: 40,
      env: { CODEX_FLEET_SLOT_ROOT: join(dir.root, 'slots') },
    });
    const overlay = await screen.waitFor(/⏸ notes-bot: paused: budget: notes-bot's next call/, 90_000);
    expect(overlay).toMatch(/^codex fleet · 4 agents · spent \$\S+ of \$1\.26 {2}calls \d+/m);
    for (const row of [/^[› ] patch-bot\s+running\s/m, /^[› ] test-writer…\s+running\s/m, /^[› ] doc-bot\s+running\s/m, /^[› ] notes-bot\s+(paused|running)\s.*\$0\.\d+\/\$0\.01/m]) {
      expect(overlay).toMatch(row);
    }
    expect(overlay).toContain('run: codex fleet resume notes-bot --budget');
    expect(overlay).toMatch(/^demo: notes-bot: a release note per commit/m);

    const end = await screen.waitFor(/\[exit \d+\]/, 120_000);
    expect(end).toMatch(/codex fleet demo: all 5 checks passed in \d+\.\d s/);
    expect(end).toMatch(/^ {2}notes-bot {8}1 done {2}\$0\.01 {6}4 {6}none; budget \$0\.01, raised to \$0\.02$/m);
    expect(end).toContain('[exit 0]');
  });
});
