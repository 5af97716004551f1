/**
 * The MCP tests' pieces: a git project holding a copy of examples/echo-bot (plus an agent that
 * crash-loops), a real fleet started with `codex fleet start` as its own process, and the MCP SDK's
 * client talking to `codex fleet mcp` over real stdio.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { codexBin, repoRoot } from '../helpers/cli.js';
import { expectNoProcessesLeft, fixturesDir, waitFor } from '../supervisor/helpers.js';

export interface Project {
  /** Unique root: every process of the test carries it (cwd, argv or environment). */
  readonly root: string;
  readonly dir: string;
  readonly env: Record<string, string>;
}

/** A git repository with echo-bot/agents/{echo-bot,looper}.yaml and a private XDG state home. */
export function makeProject(): Project {
  const root = mkdtempSync(join(tmpdir(), 'cf-mcp-'));
  const dir = join(root, 'app');
  mkdirSync(dir);
  spawnSync('git', ['init', '-q', dir]);
  cpSync(join(repoRoot, 'examples/echo-bot'), join(dir, 'echo-bot'), { recursive: true });
  copyFileSync(join(fixturesDir, 'crash-loop.mjs'), join(dir, 'echo-bot', 'looper.mjs'));
  writeFileSync(
    join(dir, 'echo-bot', 'agents', 'looper.yaml'),
    'name: looper\nrole: Crashes at every start.\nmodel: gpt-4.1-nano\ncost_budget: 0.01\nplugin: ../looper.mjs\nrestart:\n  max_restarts: 0\n',
  );
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env['XDG_STATE_HOME'] = join(root, 'state');
  env['CODEX_FLEET_STATE_DIR'] = '';
  return { root, dir, env };
}

/**
 * Adds `echo-bot/agents/<name>.yaml`: an agent on the model-call fixture (each task makes `input.calls`
 * model calls) with the given budget, its calls going to the provider in the fleet's environment.
 */
export function addModelAgent(project: Project, name: string, budgetUsd: number): void {
  // Output at $1.6 per million tokens, input free: a call of 100 output tokens costs exactly $0.00016.
  writeFileSync(join(project.dir, 'codex-fleet.yaml'), 'models:\n  gpt-4.1-mini:\n    price: { input: 0, output: 1.6 }\n');
  copyFileSync(join(fixturesDir, 'model-call.mjs'), join(project.dir, 'echo-bot', `${name}.mjs`));
  writeFileSync(
    join(project.dir, 'echo-bot', 'agents', `${name}.yaml`),
    `name: ${name}\nrole: Makes the model calls its task asks for.\nmodel: gpt-4.1-mini\nmax_tokens: 100\ncost_budget: ${budgetUsd}\nplugin: ../${name}.mjs\n`,
  );
}

/** `codex fleet start echo-bot/agents` in the project, once both echo-bot workers are ready. */
export async function startFleet(project: Project): Promise<ChildProcess> {
  let log = '';
  const child = spawn(process.execPath, [codexBin, 'fleet', 'start', 'echo-bot/agents'], { cwd: project.dir, env: project.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  try {
    await waitFor(() => (log.match(/echo-bot\[\d\] worker ready/g) ?? []).length === 2, 'both echo-bot workers to be ready');
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}; the fleet said:\n${log}`);
  }
  return child;
}

export interface McpSession {
  readonly client: Client;
  readonly transport: StdioClientTransport;
  /** What the server wrote to stderr. */
  stderr(): string;
}

/** The MCP SDK's client over stdio to `node dist/src/cli/bin/codex.js fleet mcp ARGS…` in the project. */
export async function connectMcp(project: Project, args: readonly string[] = [], cwd = project.dir): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [codexBin, 'fleet', 'mcp', ...args],
    cwd,
    env: project.env,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer | string) => (stderr += d.toString()));
  const client = new Client({ name: 'codex-fleet-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

/** A tool's answer: its text and whether it is an error. */
export async function call(session: McpSession, name: string, args: Record<string, unknown> = {}): Promise<{ text: string; isError: boolean }> {
  const result = await session.client.callTool({ name, arguments: args });
  const content = result.content as { type: string; text?: string }[];
  return { text: content.map((c) => c.text ?? '').join('\n'), isError: result.isError === true };
}

/** The JSON document that ends a tool's text (after its summary lines). */
export function jsonOf(text: string): Record<string, unknown> {
  return JSON.parse(text.slice(text.indexOf('\n{') + 1 || 0)) as Record<string, unknown>;
}

export async function stopFleet(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export async function removeProject(project: Project): Promise<void> {
  await expectNoProcessesLeft(project.root);
  rmSync(project.root, { recursive: true, force: true });
}
