/** Parsing of option values shared by several commands. */
import { CliError } from './errors.js';

/** A number ≥ 0 given as `flag`'s value (a whole one if `integer`); undefined when not given. */
export function nonNegativeOption(value: string | undefined, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new CliError(`${flag} must be ${integer ? 'a whole number' : 'a number'} ≥ 0, got "${value}"`, 2);
  }
  return n;
}
