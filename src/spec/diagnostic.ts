/** One problem found in an agent spec, anchored to a file position. */
export class SpecDiagnostic {
  readonly code = 'CODEX_FLEET_SPEC_INVALID';
  constructor(
    /** Path as shown to the user (relative to the working directory when inside it). */
    readonly file: string,
    /** 1-based line; 0 when the problem concerns the whole file. */
    readonly line: number,
    /** 1-based column; 0 when the problem concerns the whole file. */
    readonly col: number,
    /** The field path, e.g. `limits.max_turns` or `allowed_syscalls[2]`; empty for the whole document. */
    readonly field: string,
    readonly message: string,
  ) {}

  /** `agents/patch-bot.yaml:7:14: "cost_budget" must be …` */
  toString(): string {
    return this.line > 0 ? `${this.file}:${this.line}:${this.col}: ${this.message}` : `${this.file}: ${this.message}`;
  }

  toJSON(): { file: string; line: number; col: number; field: string; message: string } {
    return { file: this.file, line: this.line, col: this.col, field: this.field, message: this.message };
  }
}
