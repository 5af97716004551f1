/** Runs the CLI: parses argv, maps errors to one readable line and an exit code. */
import type { Command } from 'commander';
import { reportError } from './error-format.js';
import { buildProgram } from './program.js';

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  // `--debug` works with every command: it only decides whether an error shows its stack.
  const args = argv.filter((a, i) => i < 2 || a !== '--debug');
  try {
    await program.parseAsync(args);
  } catch (error) {
    process.exitCode = reportError(error, argv, (text) => process.stderr.write(text));
  }
}
