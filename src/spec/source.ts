/**
 * Stage 1 of loading: a spec file parsed as YAML, keeping positions so that later stages can point at
 * the line and column of any field.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document, type Node } from 'yaml';
import { SpecDiagnostic } from './diagnostic.js';

export type FieldPath = readonly (string | number)[];

export class SpecSource {
  private constructor(
    /** Absolute path. */
    readonly path: string,
    /** Path shown to the user. */
    readonly displayPath: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `path`; returns the source, or the diagnostics that stop this file at stage 1. */
  static async read(path: string, displayPath: string): Promise<SpecSource | SpecDiagnostic[]> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      return [new SpecDiagnostic(displayPath, 0, 0, '', `Cannot read the file: ${(error as Error).message}`)];
    }
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
    return new SpecSource(path, displayPath, doc, lines);
  }

  /** The document as plain data. */
  data(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
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
