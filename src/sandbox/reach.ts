/**
 * Checks of a policy against the user it runs as (identity.ts), made before anything is spawned so a
 * problem is one clear sentence instead of a bare EACCES from inside the sandbox:
 *
 * - `reachProblems`: every path the policy grants must be reachable by that user (ancestors searchable,
 *   the path readable, executables executable), and the slot must be that user's own directory.
 * - `ownershipProblems`: that user must own nothing the sandbox can read besides its slot; a file it
 *   owns is a file whose mode, times and xattrs it may change, which is what the uid switch prevents.
 *   The granted paths, their ancestors and the direct entries of granted directories are checked
 *   (a full walk of /usr at every start would cost seconds).
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unreachableReason, type SandboxIdentity } from './identity.js';
import type { SandboxPolicy } from './policy.js';

/** Granted paths that are the kernel's, not files anyone owns. */
const KERNEL_PATHS = /^\/(proc|dev|sys)(\/|$)/;

/**
 * Answers for granted paths, kept briefly: a fleet starts a hundred workers of one agent within a
 * second, all granted the same runtime paths, and each check is a stat per ancestor.
 */
const recent = new Map<string, { at: number; why: string | undefined }>();
const RECENT_MS = 2000;

function cachedReason(path: string, id: SandboxIdentity, exec: boolean): string | undefined {
  const key = `${id.uid}:${id.gid}:${exec ? 'x' : 'r'}:${path}`;
  const now = Date.now();
  const hit = recent.get(key);
  if (hit !== undefined && now - hit.at < RECENT_MS) return hit.why;
  const why = unreachableReason(path, id, exec);
  if (recent.size > 10_000) recent.clear();
  recent.set(key, { at: now, why });
  return why;
}

/** One sentence per path the sandbox user cannot reach; empty when all is well. */
export function reachProblems(policy: SandboxPolicy): string[] {
  const id = policy.identity;
  if (id === undefined) return [];
  const problems: string[] = [];
  const slot = unreachableReason(policy.slotDir, id);
  if (slot !== undefined) problems.push(`its slot: ${slot}`);
  else {
    const st = statSync(policy.slotDir);
    if (st.uid !== id.uid) problems.push(`its slot ${policy.slotDir} belongs to uid ${st.uid}, not to the sandbox user ${id.uid}`);
  }
  for (const path of policy.read) {
    if (KERNEL_PATHS.test(path)) continue;
    const why = cachedReason(path, id, false);
    if (why !== undefined) problems.push(why);
  }
  for (const path of policy.exec) {
    const why = cachedReason(path, id, true);
    if (why !== undefined) problems.push(why);
  }
  return problems;
}

/** The reach problems as one message a user can act on, or undefined. */
export function reachMessage(policy: SandboxPolicy): string | undefined {
  const problems = reachProblems(policy);
  if (problems.length === 0) return undefined;
  const id = policy.identity!;
  return (
    `Cannot sandbox agent "${policy.agent}" as uid ${id.uid}:${id.gid} (sandboxed code never runs as root): ${problems.join('; ')}. ` +
    'Put what it runs where that user can read it (not under a private home such as /root), or pick another user with --sandbox-user UID[:GID]'
  );
}

/** Paths the sandbox can read that its user owns (besides the slot): each a sentence. */
export function ownershipProblems(policy: SandboxPolicy, cache = new Map<string, number>()): string[] {
  const id = policy.identity;
  if (id === undefined) return [];
  const owned = new Set<string>();
  const owner = (path: string): number | undefined => {
    let uid = cache.get(path);
    if (uid === undefined) {
      try {
        uid = lstatSync(path).uid;
      } catch {
        return undefined;
      }
      cache.set(path, uid);
    }
    return uid;
  };
  const check = (path: string): void => {
    if (owner(path) === id.uid) owned.add(path);
  };
  for (const path of [...policy.read, ...policy.exec]) {
    if (KERNEL_PATHS.test(path) || path === policy.slotDir || path.startsWith(`${policy.slotDir}/`)) continue;
    for (let dir = dirname(path); dirname(dir) !== dir; dir = dirname(dir)) check(dir);
    check(path);
    let entries: string[] = [];
    try {
      if (statSync(path).isDirectory()) entries = readdirSync(path);
    } catch {
      entries = [];
    }
    for (const entry of entries) check(join(path, entry));
  }
  return [...owned].sort().map((path) => `${path} belongs to the sandbox user ${id.uid}`);
}

/** The ownership problems as one message, or undefined. */
export function ownershipMessage(policy: SandboxPolicy, cache?: Map<string, number>): string | undefined {
  const problems = ownershipProblems(policy, cache);
  if (problems.length === 0) return undefined;
  const id = policy.identity!;
  const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
  return (
    `Cannot sandbox agent "${policy.agent}" as uid ${id.uid}: that user owns files the sandbox can read, so it could change their ` +
    `mode, times or xattrs (${shown}). Give those files to another owner, or pick a user that owns nothing with --sandbox-user UID[:GID]`
  );
}

/** For tests and messages: the identity as "uid:gid". */
export function describeIdentity(id: SandboxIdentity | undefined): string {
  return id === undefined ? 'the invoking user' : `${id.uid}:${id.gid}`;
}
