/** Error codes: a control client gets the worker protocol's codes and the control API's own; no number may mean two things. */
import { describe, expect, it } from 'vitest';
import { CONTROL_ERROR_MEANINGS, ControlErrorCodes } from '../../src/control/methods.js';
import { ERROR_CODE_MEANINGS, ErrorCodes, errorCodeName } from '../../src/protocol/error-codes.js';

describe('error codes', () => {
  it('never gives one number to a protocol code and a control code', () => {
    const protocol = new Set<number>(Object.values(ErrorCodes));
    const control = Object.values(ControlErrorCodes);
    expect(control.filter((code) => protocol.has(code))).toEqual([]);
    expect(new Set(control).size).toBe(control.length);
    expect(protocol.size).toBe(Object.keys(ErrorCodes).length);
  });

  it('keeps the control API in -32050..-32059 and the protocol out of it', () => {
    for (const code of Object.values(ControlErrorCodes)) expect(code >= -32059 && code <= -32050).toBe(true);
    for (const code of Object.values(ErrorCodes)) expect(code >= -32059 && code <= -32050).toBe(false);
    expect(errorCodeName(ErrorCodes.RepoError)).toBe('RepoError');
    expect(Object.keys(ERROR_CODE_MEANINGS).sort()).toEqual(Object.keys(ErrorCodes).sort());
    expect(Object.keys(CONTROL_ERROR_MEANINGS).sort()).toEqual(Object.keys(ControlErrorCodes).sort());
  });
});
