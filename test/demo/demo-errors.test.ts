/**
 * When the demo cannot finish, it says what did not happen and where everything is kept, and leaves no
 * process behind: here its tasks get no time at all (a deadline of 1 ms), with the real fleet running.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelSettingsFrom } from '../../src/cli/model-settings.js';
import { DemoError, runDemo } from '../../src/demo/run.js';
import { expectNoProcessesLeft, makeFleetDir, removeFleetDir, type FleetDir } from '../supervisor/helpers.js';

let dir: FleetDir;

beforeEach(() => {
  dir = makeFleetDir('cf-demo-err-');
});

afterEach(async () => {
  await expectNoProcessesLeft(dir.root);
  removeFleetDir(dir);
});

describe('codex fleet demo, when its tasks do not finish', () => {
  it('fails naming each unfinished task, keeps the repository and the logs, and stops the fleet', { timeout: 120_000 }, async () => {
    const repo = join(dir.root, 'demo-shop');
    const said: string[] = [];
    const error = await runDemo({
      dir: repo,
      stateDir: dir.stateDir,
      slotRoot: join(dir.root, 'slots'),
      version: '0.0.0-test',
      modelSettings: modelSettingsFrom,
      onEvent: () => undefined,
      say: (line) => said.push(line),
      deadlineMs: 1,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DemoError);
    const demoError = error as DemoError;
    expect(demoError.message).toMatch(/^(\S+'s task \S+ is still (queued|running)(; )?)+ after 0\.001 s \(a loaded machine\?/);
    expect(demoError.message).toContain('patch-bot\'s task');
    expect(demoError.places).toEqual({ repo, stateDir: dir.stateDir, logs: join(dir.stateDir, 'demo') });
    expect(said[0]).toBe(`a git repository with 3 commits in ${repo}; its tests fail`);
    // What was made is kept for a look: the repository, the events up to the stop, the model requests.
    expect(existsSync(join(repo, '.git'))).toBe(true);
    const events = readFileSync(join(dir.stateDir, 'demo', 'events.jsonl'), 'utf8');
    expect(events).toContain('"type":"fleet.stopped"');
    expect(existsSync(join(dir.stateDir, 'demo', 'model-requests.jsonl'))).toBe(true);
  });
});
