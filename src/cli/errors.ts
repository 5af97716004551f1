/**
 * An error the CLI shows as-is (no stack) and exits with. Anything else that reaches the top is a bug and
 * is printed with its stack.
 */
export class CliError extends Error {
  readonly code = 'CODEX_FLEET_CLI';
  constructor(
    message: string,
    /** Process exit code; 1 for "the input was wrong", 2 for usage errors. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
