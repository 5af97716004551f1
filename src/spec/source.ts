/**
 * Stage 1 of loading: a spec file parsed as YAML, keeping positions so that later stages can point at
 * the line and column of any field.
 */
import { open } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isPair, isScalar, visit, type Document, type Node } from 'yaml';
import { SpecDiagnostic } from './diagnostic.js';

export type FieldPath = readonly (string | number)[];

/**
 * Largest spec file read, in bytes (1 MiB). Real specs are a few hundred bytes; reading and parsing a
 * 100 MB one took half a minute and gigabytes of memory.
 */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** Alias (`*name`) uses a spec may expand: enough for any hand-written spec, far too few for a "billion laughs". */
export const MAX_SPEC_ALIASES = 100;

/** The file's text, or why it cannot be read; never reads more than `MAX_SPEC_BYTES` + 1 bytes. */
async function readCapped(path: string): Promise<{ text: string } | { error: string }> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    return { error: `Cannot read the file: ${(error as Error).message}` };
  }
  try {
    const buffer = Buffer.alloc(MAX_SPEC_BYTES + 1);
    let size = 0;
    while (size < buffer.length) {
      const { bytesRead } = await file.read(buffer, size, buffer.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
    }
    if (size > MAX_SPEC_BYTES) {
      return { error: `The file is larger than ${MAX_SPEC_BYTES / 1024 / 1024} MiB, the most a spec may be: is it the right file?` };
    }
    return { text: buffer.toString('utf8', 0, size) };
  } catch (error) {
    return { error: `Cannot read the file: ${(error as Error).message}` };
  } finally {
    await file.close();
  }
}

export class SpecSource {
  private constructor(
    /** Absolute path. */
    readonly path: string,
    /** Path shown to the user. */
    readonly displayPath: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly value: unknown,
  ) {}

  /** Parses `path`; returns the source, or the diagnostics that stop this file at stage 1. */
  static async read(path: string, displayPath: string): Promise<SpecSource | SpecDiagnostic[]> {
    const read = await readCapped(path);
    if ('error' in read) return [new SpecDiagnostic(displayPath, 0, 0, '', read.error)];
    const text = read.text;
    return SpecSource.parse(text, path, displayPath);
  }

  /** Parses YAML (or JSON) text as if read from `path`. */
  static parse(text: string, path: string, displayPath: string): SpecSource | SpecDiagnostic[] {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      return doc.errors.map((error) => {
        const pos = lines.linePos(error.pos[0]);
        const detail = error.message.split('\n')[0] ?? error.message;
        return new SpecDiagnostic(displayPath, pos.line, pos.col, '', `Invalid YAML: ${detail}`);
      });
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_SPEC_ALIASES });
    } catch (error) {
      // The yaml library stops an alias bomb with a ReferenceError that has no position: point at the
      // first alias, the start of the expansion.
      let offset = 0;
      visit(doc, {
        Alias(_key, node) {
          offset = node.range?.[0] ?? 0;
          return visit.BREAK;
        },
      });
      const pos = lines.linePos(offset);
      const why = /alias/i.test((error as Error).message)
        ? `its aliases (*name) expand to too much data (more than ${MAX_SPEC_ALIASES} uses of an alias, counted as expanded): write the values out instead`
        : (error as Error).message;
      return [new SpecDiagnostic(displayPath, pos.line, pos.col, '', `Invalid YAML: ${why}`)];
    }
    return new SpecSource(path, displayPath, doc, lines, value);
  }

  /** The document as plain data. */
  data(): unknown {
    return this.value;
  }

  /** A diagnostic at the value of `path` (or the nearest enclosing node that exists). */
  at(path: FieldPath, message: string): SpecDiagnostic {
    return this.diagnostic(path, this.valueOffset(path), message);
  }

  /** A diagnostic at the key of `path` (for unknown fields). */
  atKey(path: FieldPath, message: string): SpecDiagnostic {
    const parent = this.nodeAt(path.slice(0, -1));
    const key = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return this.diagnostic(path, keyNode.range[0], message);
    }
    return this.at(path, message);
  }

  private diagnostic(path: FieldPath, offset: number, message: string): SpecDiagnostic {
    const pos = this.lines.linePos(offset);
    return new SpecDiagnostic(this.displayPath, pos.line, pos.col, formatFieldPath(path), message);
  }

  private nodeAt(path: FieldPath): unknown {
    if (path.length === 0) return this.doc.contents;
    try {
      return this.doc.getIn(path, true);
    } catch {
      return undefined; // a path through a scalar: no such node
    }
  }

  private valueOffset(path: FieldPath): number {
    for (let n = path.length; n >= 0; n--) {
      const node = this.nodeAt(path.slice(0, n)) as Node | undefined;
      if (node?.range) return node.range[0];
    }
    return 0;
  }
}

/** `['exec', 0, 'command']` → `exec[0].command` */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}
