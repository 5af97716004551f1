/** Runs the CLI: parses argv, maps errors to messages and exit codes. */
import { CommanderError, type Command } from 'commander';
import { CliError } from './errors.js';
import { buildProgram } from './program.js';

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message already; help and version are not failures.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof CliError) {
      process.stderr.write(`codex fleet: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
}
