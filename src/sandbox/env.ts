/**
 * The environment a sandboxed worker or command gets: built from an allow-list, never inherited
 * wholesale, so API keys and tokens in the supervisor's environment never reach a sandbox.
 * The list is documented in README.md beside this file; this is the one place it is written in code.
 */
import { dirname, join } from 'node:path';
import type { SandboxKind } from './policy.js';

/** Variables copied from the supervisor's environment when set and well-formed. */
export const PASSED_THROUGH_ENV: readonly string[] = Object.freeze(['LANG', 'LC_ALL', 'LC_CTYPE', 'TZ']);

/** Also passed through for commands (test runners colour their output by it). */
export const PASSED_THROUGH_COMMAND_ENV: readonly string[] = Object.freeze(['TERM']);

/** Names that look like secrets; the allow-list can never contain one (checked at load). */
export const SECRET_NAME = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION/i;

for (const name of [...PASSED_THROUGH_ENV, ...PASSED_THROUGH_COMMAND_ENV]) {
  if (SECRET_NAME.test(name)) throw new Error(`Sandbox env allow-list contains a secret-looking name: ${name}`);
}

const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface SandboxEnvOptions {
  readonly kind: SandboxKind;
  readonly slotDir: string;
  readonly agent: string;
  /** Source of the pass-through variables. Default: process.env. */
  readonly from?: NodeJS.ProcessEnv;
  /** Directory of the Node binary, put first on PATH. Default: the running Node's. */
  readonly nodeBinDir?: string;
}

/** Home and temp directories inside the slot (the caller creates them). */
export function slotDirs(slotDir: string): { home: string; tmp: string } {
  return { home: join(slotDir, '.home'), tmp: join(slotDir, '.tmp') };
}

/**
 * Builds the environment: PATH, HOME and TMPDIR inside the slot, CODEX_FLEET_AGENT, CODEX_FLEET_SLOT,
 * and the pass-through variables. Nothing else, whatever the supervisor's environment holds.
 */
export function sandboxEnv(options: SandboxEnvOptions): Record<string, string> {
  const from = options.from ?? process.env;
  const { home, tmp } = slotDirs(options.slotDir);
  const nodeBin = options.nodeBinDir ?? dirname(process.execPath);
  const env: Record<string, string> = {
    PATH: SYSTEM_PATH.split(':').includes(nodeBin) ? SYSTEM_PATH : `${nodeBin}:${SYSTEM_PATH}`,
    HOME: home,
    TMPDIR: tmp,
    CODEX_FLEET_AGENT: options.agent,
    CODEX_FLEET_SLOT: options.slotDir,
  };
  const names = options.kind === 'command' ? [...PASSED_THROUGH_ENV, ...PASSED_THROUGH_COMMAND_ENV] : PASSED_THROUGH_ENV;
  for (const name of names) {
    const value = from[name];
    // Locale and zone names only: no paths outside what the sandbox can read anyway, no control chars.
    if (value !== undefined && /^[A-Za-z0-9_.@:/+-]{1,128}$/.test(value)) env[name] = value;
  }
  if (env['LANG'] === undefined) env['LANG'] = 'C.UTF-8';
  return env;
}
