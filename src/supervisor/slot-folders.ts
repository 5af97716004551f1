/**
 * Slot folders outlive their fleets: when sandboxed code runs as another user, a fleet's slots live under
 * the shared base (/var/tmp/codex-fleet-slots/<key>), outside its state directory, and deleting the
 * state directory leaves them behind, worktrees and all. Each slot folder names its state directory in
 * a marker file; a starting supervisor removes the folders whose state directory is gone.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

const MARKER = '.state-dir';

/** Records which state directory `slotsDir` belongs to. */
export function markSlotFolder(slotsDir: string, stateDir: string): void {
  writeFileSync(join(slotsDir, MARKER), `${resolve(stateDir)}\n`, { mode: 0o600 });
}

/**
 * Removes the slot folders under `base` that belong to this user and name a state directory that no
 * longer exists. Folders without a marker, or someone else's, are left alone. Returns what was removed.
 */
export function sweepOrphanSlotFolders(base: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(base);
  } catch {
    return [];
  }
  const me = process.geteuid?.() ?? 0;
  const removed: string[] = [];
  for (const entry of entries) {
    const folder = join(base, entry);
    try {
      const st = lstatSync(folder);
      if (!st.isDirectory() || st.uid !== me) continue;
      const marker = join(folder, MARKER);
      const mst = lstatSync(marker);
      if (!mst.isFile() || mst.uid !== me) continue;
      const stateDir = readFileSync(marker, 'utf8').trim();
      if (!isAbsolute(stateDir) || existsSync(stateDir)) continue;
      rmSync(folder, { recursive: true, force: true });
      removed.push(folder);
    } catch {
      // No marker, or the folder changed under us: leave it.
    }
  }
  return removed;
}
