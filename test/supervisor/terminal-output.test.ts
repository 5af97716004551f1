/**
 * What a worker's text does to the user's terminal, through the real CLI: `codex fleet start`'s plain
 * lines, `submit --wait`, `result` and `tasks` show control characters escaped (no escape sequence
 * reaches the terminal, no forged line appears), while `--json` stays exact.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ControlClient, NoFleetError } from '../../src/control/client.js';
import { Status } from '../../src/control/methods.js';
import { codexBin, repoRoot } from '../helpers/cli.js';
import { runFleetAsync, useFleetTest, waitFor, writeAgent } from './helpers.js';

const t = useFleetTest((dir) => writeAgent(dir, 'hostile', 'hostile-text'));

/** Any control character but LF (the line ends the CLI writes itself). */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('text from a worker on the terminal', () => {
  it('is escaped in every plain line; --json keeps it exact', async () => {
    const dir = t.dir;
    const state = ['--state-dir', dir.stateDir];
    const start = spawn(process.execPath, [codexBin, 'fleet', 'start', dir.agentsDir, ...state], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    start.stdout.setEncoding('utf8').on('data', (d: string) => (printed += d));
    const exited = new Promise<number | null>((resolve) => start.once('exit', resolve));
    try {
      await waitFor(async () => {
        try {
          const client = await ControlClient.connect(dir.paths);
          const ready = (await client.request(Status, {})).agents[0]?.worker_states[0] === 'ready';
          client.close();
          return ready;
        } catch (error) {
          if (error instanceof NoFleetError) return false;
          throw error;
        }
      }, 'the fleet to be up');

      const output = 'title \x1b]0;owned\x07 and \u009b2J\nsecond line\r';
      const submitted = await runFleetAsync(['submit', 'hostile', '--input', JSON.stringify(output), '--wait', ...state]);
      expect(submitted.status).toBe(0);
      expect(submitted.stdout).toBe('title \\x1b]0;owned\\x07 and \\x9b2J\nsecond line\\r\n');
      const id = /^(\S+) queued/.exec(submitted.stderr)?.[1];
      expect(id).toBeDefined();
      const exact = await runFleetAsync(['result', id!, '--json', ...state]);
      expect((JSON.parse(exact.stdout) as { result: { output: string } }).result.output).toBe(output);

      const failed = await runFleetAsync(['submit', 'hostile', '--input', '"fail"', '--wait', ...state]);
      expect(failed.status).toBe(1);
      expect(failed.stderr).toMatch(/^\S+ queued; waiting…\ncodex fleet: task \S+ failed: Task failed: \\x1b\[2Jcleared\\r\\x9b31mred\n$/);
      const tasks = await runFleetAsync(['tasks', ...state]);
      expect(tasks.stdout).toContain('\\x1b[2Jcleared\\r\\x9b31mred');
      expect(tasks.stdout).not.toMatch(RAW_CONTROL);

      expect((await runFleetAsync(['stop', ...state])).status).toBe(0);
      expect(await exited).toBe(0);
    } finally {
      if (start.exitCode === null) start.kill('SIGKILL');
    }
    expect(printed).not.toMatch(RAW_CONTROL);
    const lines = printed.split('\n');
    // The forgeries stay inside the worker's own lines, escaped.
    // (Two tasks ran; a log line and a stderr line arrive on different pipes, so their order may vary.)
    const forged = lines.filter((l) => l.includes('fleet fleet stopped by the user')).map((l) => l.replace(/^\d\d:\d\d:\d\d /, ''));
    expect(forged.sort()).toEqual([
      'hostile[0] info: \\x1b]52;c;aGVsbG8=\\x07copied\\n12:00:00 fleet fleet stopped by the user',
      'hostile[0] info: \\x1b]52;c;aGVsbG8=\\x07copied\\n12:00:00 fleet fleet stopped by the user',
      'hostile[0] stderr: \\x1b]0;owned title\\x07\\r12:00:00 fleet fleet stopped by the user',
      'hostile[0] stderr: \\x1b]0;owned title\\x07\\r12:00:00 fleet fleet stopped by the user',
    ]);
    expect(lines.some((l) => /^\d\d:\d\d:\d\d fleet fleet stopped$/.test(l))).toBe(true); // the real one
  }, 120_000);
});
