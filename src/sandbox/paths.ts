/**
 * Where things live on this machine: the codex-fleet package, the runtime's loader, an executable named
 * on a command line. Used by the policy compiler to decide what a sandbox may read and execute.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The codex-fleet package root (the directory of its package.json), from source or from dist/. */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const name: unknown = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
        if (name === 'codex-fleet') return (cachedRoot = dir);
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the codex-fleet package root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** `realpath`, or undefined when the path does not exist. */
export function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function readHead(path: string, length: number, position = 0): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, position);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The ELF program interpreter (dynamic loader) of an executable, e.g. /lib64/ld-linux-x86-64.so.2. */
export function elfInterpreter(path: string): string | undefined {
  let head: Buffer;
  try {
    head = readHead(path, 64);
  } catch {
    return undefined;
  }
  // 64-bit little-endian ELF only (this launcher is x86_64).
  if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return undefined;
  const phoff = Number(head.readBigUInt64LE(32));
  const phentsize = head.readUInt16LE(54);
  const phnum = head.readUInt16LE(56);
  const table = readHead(path, phentsize * phnum, phoff);
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    if (at + 40 > table.length) break;
    if (table.readUInt32LE(at) !== 3 /* PT_INTERP */) continue;
    const offset = Number(table.readBigUInt64LE(at + 8));
    const size = Number(table.readBigUInt64LE(at + 32));
    return readHead(path, size, offset).toString('latin1').replace(/\0+$/, '');
  }
  return undefined;
}

/** The interpreter named by a `#!` line, and its first argument if any. */
export function shebang(path: string): { interpreter: string; arg?: string } | undefined {
  let head: string;
  try {
    head = readHead(path, 256).toString('latin1');
  } catch {
    return undefined;
  }
  if (!head.startsWith('#!')) return undefined;
  const [interpreter, arg] = head.slice(2).split('\n')[0]!.trim().split(/\s+/, 2);
  if (interpreter === undefined || interpreter === '') return undefined;
  return arg === undefined ? { interpreter } : { interpreter, arg };
}

/** Resolves a command name the way execvp would, against `path` (a PATH value). */
export function resolveExecutable(name: string, path: string, cwd = process.cwd()): string | undefined {
  if (name.includes('/')) {
    const full = isAbsolute(name) ? name : resolve(cwd, name);
    return existsSync(full) ? full : undefined;
  }
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const full = join(dir, name);
    try {
      if (statSync(full).isFile()) return full;
    } catch {
      // next
    }
  }
  return undefined;
}
