/** `--sandbox-user UID[:GID]`, shared by `start`, `sandbox` and `conformance`. */
import type { Command } from 'commander';
import { parseSandboxUser, resolveSandboxIdentity, SandboxUserError, type SandboxIdentity } from '../sandbox/identity.js';
import { CliError } from './errors.js';

export interface SandboxUserOption {
  sandboxUser?: string;
}

export function addSandboxUserOption(command: Command): Command {
  return command.option(
    '--sandbox-user <uid[:gid]>',
    'when run as root: the unprivileged user sandboxed code runs as (default 65534:65534; it must own nothing the sandbox can read)',
  );
}

/** The requested identity (undefined: the default), as a usage error when malformed. */
export function requestedSandboxUser(options: SandboxUserOption): SandboxIdentity | undefined {
  if (options.sandboxUser === undefined) return undefined;
  try {
    return parseSandboxUser(options.sandboxUser);
  } catch (error) {
    if (error instanceof SandboxUserError) throw new CliError(error.message, 2);
    throw error;
  }
}

/**
 * Who sandboxed code will run as (undefined: as the invoking user, who is not root). The flag wins over
 * `configured` (the `sandbox` section of codex-fleet.yaml).
 */
export function sandboxIdentity(options: SandboxUserOption, configured?: SandboxIdentity): SandboxIdentity | undefined {
  try {
    return resolveSandboxIdentity(requestedSandboxUser(options) ?? configured);
  } catch (error) {
    if (error instanceof SandboxUserError) throw new CliError(error.message, 2);
    throw error;
  }
}
