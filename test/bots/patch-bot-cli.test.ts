/**
 * patch-bot as a user runs it: `codex fleet init` in a repository with a failing test, `codex fleet
 * start` with OPENAI_BASE_URL pointing at the local model server, then `codex fleet submit patch-bot
 * --input '{"test":"npm test"}' --wait` lands a commit that makes the test pass.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { codexBin, runFleetChild } from '../helpers/cli.js';
import { expectNoProcessesLeft, waitFor } from '../supervisor/helpers.js';
import { serveModel } from '../supervisor/model-helpers.js';
import { botReposDir, git } from './bot-fleet.js';

let root: string | undefined;
let supervisor: ChildProcess | undefined;

afterEach(async () => {
  if (supervisor && supervisor.exitCode === null && supervisor.signalCode === null) supervisor.kill('SIGKILL');
  if (root) {
    await expectNoProcessesLeft(root);
    rmSync(root, { recursive: true, force: true });
  }
  root = undefined;
  supervisor = undefined;
});

const fleet = (args: string[], cwd: string, env: NodeJS.ProcessEnv) => runFleetChild(args, { cwd, env });

describe('codex fleet submit patch-bot', () => {
  it('lands a commit that makes the failing test pass, from the sample spec that codex fleet init writes', { timeout: 240_000 }, async () => {
    const server = await serveModel({
      replies: [
        {
          match: { message: '^You are patch-bot', last_message: '5 !== 6' },
          content:
            'src/sum.js\n<<<<<<< SEARCH\n  for (let i = 1; i < numbers.length; i++) total += numbers[i];\n=======\n' +
            '  for (let i = 0; i < numbers.length; i++) total += numbers[i];\n>>>>>>> REPLACE\n',
          usage: { input_tokens: 1200, output_tokens: 80 },
        },
      ],
    });
    root = mkdtempSync(join(tmpdir(), 'cf-patch-cli-'));
    chmodSync(root, 0o711);
    const project = join(root, 'project');
    cpSync(join(botReposDir, 'sum-off-by-one'), project, { recursive: true, filter: (src) => !src.endsWith('fixture.json') });
    git(project, 'init', '-q', '-b', 'main');
    git(project, 'add', '.');
    git(project, 'commit', '-q', '-m', 'start');
    const env = {
      ...process.env,
      XDG_STATE_HOME: join(root, 'state'),
      CODEX_FLEET_STATE_DIR: '',
      CODEX_FLEET_SLOT_ROOT: join(root, 'slots'),
      OPENAI_BASE_URL: server.url,
      OPENAI_API_KEY: 'sk-local',
    };
    expect((await fleet(['init'], project, env)).status).toBe(0);

    let log = '';
    supervisor = spawn(process.execPath, [codexBin, 'fleet', 'start'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    supervisor.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
    supervisor.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
    const exited = new Promise<number | null>((resolve) => supervisor!.once('exit', (code) => resolve(code)));
    await waitFor(() => /patch-bot\[\d\] worker ready/.test(log), 'the patch-bot worker to be ready', 60_000);

    const before = git(project, 'rev-parse', 'HEAD');
    const submitted = await fleet(['submit', 'patch-bot', '--input', '{"test":"npm test"}', '--wait'], project, env);
    expect(submitted.stderr).toMatch(/^t[0-9a-z]+ queued; waiting…\n/);
    expect(submitted.status).toBe(0);
    const head = git(project, 'rev-parse', 'HEAD');
    expect(head).not.toBe(before);
    expect(JSON.parse(submitted.stdout)).toEqual({ attempts: 1, files: ['src/sum.js'], commit: { sha: head, branch: 'main' } });
    expect(readFileSync(join(project, 'src/sum.js'), 'utf8')).toContain('for (let i = 0;');
    expect(() => execFileSync('npm', ['test'], { cwd: project, stdio: 'pipe' })).not.toThrow();
    expect(server.requests().map((r) => r.outcome)).toEqual(['ok']);

    expect((await fleet(['stop'], project, env)).status).toBe(0);
    expect(await exited).toBe(0);
  });
});
