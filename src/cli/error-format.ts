/**
 * How an error reaches the user: one readable line on stderr (a JSON object with `--json`), never a
 * stack trace unless asked for with `--debug` or `CODEX_FLEET_DEBUG=1`.
 */
import { CommanderError } from 'commander';
import { RpcError } from '../rpc/errors.js';
import { CliError } from './errors.js';

/** Whether the user asked for stack traces. */
export function debugWanted(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env['CODEX_FLEET_DEBUG'];
  return argv.includes('--debug') || (flag !== undefined && flag !== '' && flag !== '0');
}

/** Whether the command prints JSON (its errors are then JSON too). */
export function jsonWanted(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

export interface FormattedError {
  /** Stable string code for programs, e.g. `CODEX_FLEET_CLI`, `CODEX_FLEET_JOURNAL_DAMAGED`. */
  readonly code: string;
  /** One line. */
  readonly message: string;
  readonly exitCode: number;
  /** An error nobody planned for (no code of its own): the message says how to see its stack. */
  readonly unexpected: boolean;
}

/** Puts any error into one line a user can read. */
export function describeError(error: unknown, debug = false): FormattedError {
  if (error instanceof CliError) return { code: error.code, message: oneLine(error.message), exitCode: error.exitCode, unexpected: false };
  if (error instanceof RpcError) return { code: `RPC_${error.code}`, message: oneLine(error.message), exitCode: 1, unexpected: false };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return { code, message: oneLine(error.message || error.name), exitCode: 1, unexpected: false };
    const hint = debug ? error.name : `${error.name}; run again with --debug or CODEX_FLEET_DEBUG=1 for the stack trace`;
    return { code: error.name, message: `${oneLine(error.message || error.name)} (${hint})`, exitCode: 1, unexpected: true };
  }
  return { code: 'CODEX_FLEET_UNKNOWN', message: oneLine(String(error)), exitCode: 1, unexpected: true };
}

/** Newlines folded into " | ", so one error stays one line. */
function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' | ');
}

/** Writes the error the way the user asked for; returns the exit code. */
export function reportError(error: unknown, argv: readonly string[], write: (text: string) => void, env: NodeJS.ProcessEnv = process.env): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander printed it
  const debug = debugWanted(argv, env);
  const formatted = describeError(error, debug);
  if (jsonWanted(argv)) write(`${JSON.stringify({ error: { code: formatted.code, message: formatted.message } })}\n`);
  else write(`codex fleet: ${formatted.message}\n`);
  if (debug && error instanceof Error && error.stack) write(`${error.stack}\n`);
  return formatted.exitCode;
}
