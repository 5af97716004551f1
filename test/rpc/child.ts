/** Helpers for tests that talk to real child processes. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Connection, type ConnectionOptions } from '../../src/rpc/connection.js';
import { StreamTransport } from '../../src/rpc/stream-transport.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** A built file under dist/ (tests need `npm run build` first; `npm test` does it). */
export function built(rel: string): string {
  const path = `${ROOT}dist/${rel}`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run "npm run build" first`);
  return path;
}

const children = new Set<ChildProcessWithoutNullStreams>();

export interface ChildPeer {
  readonly child: ChildProcessWithoutNullStreams;
  readonly conn: Connection;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stderr: () => string;
}

/** Spawns `node ARGS…` and puts a supervisor-side Connection on its stdio (not started). */
export function spawnPeer(args: string[], options: ConnectionOptions = {}): ChildPeer {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT });
  children.add(child);
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  const conn = new Connection(new StreamTransport(child.stdout, child.stdin), options);
  return { child, conn, exited, stderr: () => err };
}

/** Kills every child a test left running. */
export async function killChildren(): Promise<void> {
  const waits = [...children].map(
    (c) =>
      new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}
