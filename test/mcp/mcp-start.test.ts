/**
 * `codex fleet mcp` without a running fleet: the error a model gets (and how to start one), and
 * `--start`, which runs the fleet for as long as the client stays.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Each test starts real processes (the MCP server, with --start a fleet and its sandboxed workers); a
// loaded 2-core machine needs far more than the default 30 s, hence 90 s per test.
import { codexBin } from '../helpers/cli.js';
import { call, connectMcp, jsonOf, makeProject, removeProject, type McpSession, type Project } from './helpers.js';

let project: Project;
let mcp: McpSession | undefined;

beforeEach(() => {
  project = makeProject();
  mcp = undefined;
});

afterEach(async () => {
  await mcp?.client.close();
  await removeProject(project);
}, 60_000);

function fleetStatus(): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [codexBin, 'fleet', 'status'], { cwd: project.dir, env: project.env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('codex fleet mcp with no fleet running', { timeout: 90_000 }, () => {
  it('answers every tool with how to start a fleet', async () => {
    mcp = await connectMcp(project);
    const answer = await call(mcp, 'list_agents');
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(
      new RegExp(
        `^No codex fleet is running for this project \\(state directory ${project.root}/state/codex-fleet/app-[0-9a-f]{8}\\)\\. ` +
          'Ask the user to start one in the project\'s directory with "npx codex fleet start" \\(it runs the agents in agents/\\), ' +
          'or to start this MCP server with "codex fleet mcp --start" so it runs the fleet itself\\. Then call the tool again\\.$',
      ),
    );
  });
});

describe('codex fleet mcp --start', { timeout: 90_000 }, () => {
  it('runs the fleet for the client (from --project) and stops it when the client disconnects', async () => {
    mcp = await connectMcp(project, ['--start', '--project', project.dir, 'echo-bot/agents'], project.root);
    const done = await call(mcp, 'submit_task', { agent: 'echo-bot', input: 'started by the server', wait: true, timeout_s: 60 });
    expect(done.isError).toBe(false);
    expect(jsonOf(done.text)).toMatchObject({ state: 'done', result: { output: 'started by the server' } });
    expect(fleetStatus().stdout).toMatch(/^fleet pid \d+/);

    const session = mcp;
    mcp = undefined;
    await session.client.close();
    expect(session.stderr()).toContain('codex fleet mcp: the client went away; stopping the fleet');
    const after = fleetStatus();
    expect(after.status).toBe(1);
    expect(after.stderr).toMatch(/^codex fleet: No fleet is running on /);
  });

  it('refuses to start a second fleet on a state directory that has one', async () => {
    mcp = await connectMcp(project, ['--start', 'echo-bot/agents']);
    await call(mcp, 'list_agents');
    const second = spawnSync(process.execPath, [codexBin, 'fleet', 'mcp', '--start', 'echo-bot/agents'], {
      cwd: project.dir,
      env: project.env,
      encoding: 'utf8',
      input: '',
      timeout: 60_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(
      /^codex fleet: Another supervisor \(pid \d+\) is already running on .*: stop it with "codex fleet stop", or give this one its own --state-dir; to use that fleet, run "codex fleet mcp" without --start\n$/,
    );
    expect(second.stdout).toBe('');
  });
});
