/**
 * Every CLI error is one readable line (a JSON object with --json), with a stack trace only when asked
 * for with --debug or CODEX_FLEET_DEBUG=1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeError } from '../../src/cli/error-format.js';
import { repoRoot, runFleet } from '../helpers/cli.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cf-cli-errors-'));
  file = join(dir, 'not-a-dir');
  writeFileSync(file, 'x');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const notADir = (path: string): string => `Refusing the state directory ${path}: it is not a directory; remove it or give another --state-dir`;

describe('CLI errors', () => {
  it('--state-dir naming a file: one line for start and for the commands that talk to a fleet, exit 1', () => {
    const agents = join(repoRoot, 'examples/echo-bot/agents');
    const start = runFleet(['start', agents, '--state-dir', file]);
    expect(start).toEqual({ status: 1, stdout: '', stderr: `codex fleet: ${notADir(file)}\n` });
    const status = runFleet(['status', '--state-dir', file]);
    expect(status).toEqual({ status: 1, stdout: '', stderr: `codex fleet: ${notADir(file)}\n` });
  });

  it('--json: the error is one JSON object', () => {
    const r = runFleet(['status', '--json', '--state-dir', file]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'CODEX_FLEET_UNSAFE_STATE_DIR', message: notADir(file) } });
  });

  it('--debug or CODEX_FLEET_DEBUG=1 adds the stack trace', () => {
    const r = runFleet(['status', '--debug', '--state-dir', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^codex fleet: Refusing the state directory [^\\n]+\\nUnsafeStateDirError: [^\\n]+\\n\\s+at `));
  });

  it('a bad --file names the file in one line', () => {
    const bad = join(dir, 'task.json');
    writeFileSync(bad, '{"text": ');
    const r = runFleet(['submit', 'echo-bot', '--file', bad, '--state-dir', join(dir, 'state')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^codex fleet: ${bad} is not valid JSON: [^\\n]+\\n$`));
  });
});

describe('describeError', () => {
  it('keeps an unexpected error to one line that says how to see its stack', () => {
    expect(describeError(new TypeError('cannot read "x"\n  of undefined'))).toEqual({
      code: 'TypeError',
      message: 'cannot read "x" | of undefined (TypeError; run again with --debug or CODEX_FLEET_DEBUG=1 for the stack trace)',
      exitCode: 1,
      unexpected: true,
    });
  });
});
