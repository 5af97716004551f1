/** The last lines a worker wrote to stderr, bounded in lines and bytes, for crash reports. */
export class StderrTail {
  private lines: string[] = [];
  private partial = '';

  constructor(
    private readonly maxLines = 20,
    private readonly maxLineChars = 500,
  ) {}

  /** Adds a chunk; returns the complete lines it finished. */
  push(chunk: string): string[] {
    const parts = (this.partial + chunk).split('\n');
    this.partial = (parts.pop() ?? '').slice(-this.maxLineChars);
    const done = parts.map((line) => (line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line));
    this.lines.push(...done);
    if (this.lines.length > this.maxLines) this.lines = this.lines.slice(-this.maxLines);
    return done;
  }

  /** The last lines, the unterminated one included. */
  text(): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].join('\n');
  }
}
