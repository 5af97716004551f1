/**
 * Slot folders under the shared base outlive their state directories; a starting supervisor removes
 * the ones whose state directory is gone, and nothing else.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { markSlotFolder, sweepOrphanSlotFolders } from '../../src/supervisor/slot-folders.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

describe('sweepOrphanSlotFolders', () => {
  it('removes the folders of state directories that are gone, keeps the others', () => {
    const base = temp('cf-slot-base-');
    const liveState = temp('cf-state-');
    const goneState = join(temp('cf-gone-'), 'state');
    const live = join(base, 'live');
    const gone = join(base, 'gone');
    const unmarked = join(base, 'unmarked');
    for (const dir of [live, gone, unmarked]) mkdirSync(join(dir, 'agent-0', 'worktree'), { recursive: true });
    markSlotFolder(live, liveState);
    markSlotFolder(gone, goneState);
    expect(sweepOrphanSlotFolders(base)).toEqual([gone]);
    expect(existsSync(gone)).toBe(false);
    expect(existsSync(join(live, 'agent-0', 'worktree'))).toBe(true);
    expect(existsSync(join(unmarked, 'agent-0'))).toBe(true);
  });

  it('never follows a symlink: neither a folder that is one nor a marker that is one', () => {
    const base = temp('cf-slot-base-');
    const elsewhere = temp('cf-elsewhere-');
    writeFileSync(join(elsewhere, 'keep'), 'x');
    writeFileSync(join(elsewhere, '.state-dir'), '/nonexistent/state\n');
    symlinkSync(elsewhere, join(base, 'linked'));
    const folder = join(base, 'marker-link');
    mkdirSync(folder);
    symlinkSync(join(elsewhere, '.state-dir'), join(folder, '.state-dir'));
    expect(sweepOrphanSlotFolders(base)).toEqual([]);
    expect(existsSync(join(elsewhere, 'keep'))).toBe(true);
    expect(existsSync(folder)).toBe(true);
  });

  it('a missing base is nothing to sweep', () => {
    expect(sweepOrphanSlotFolders(join(tmpdir(), 'cf-no-such-base-folder'))).toEqual([]);
  });
});
