/**
 * The real runner entry (dist/scripts/agent-worker.js) as a child process, its one-file bundle (what the
 * supervisor starts), and the module-graph rule.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { initializeParams } from '../../src/conformance/checks.js';
import { serveStub } from '../../src/conformance/stub.js';
import { Exit, Initialize, Ping, Shutdown } from '../../src/protocol/lifecycle.js';
import { TaskRun } from '../../src/protocol/task.js';
import { ROOT, built, fixture, killChildren, spawnPeer } from '../rpc/child.js';

afterEach(killChildren);

const echoBot = `${ROOT}examples/echo-bot/plugin.js`;

async function driveEchoBot(
  nodeArgs: string[],
  env?: NodeJS.ProcessEnv,
  entry = 'scripts/agent-worker.js',
): Promise<{ output: unknown; exit: { code: number | null } }> {
  const saved = { ...process.env };
  if (env) Object.assign(process.env, env);
  const peer = spawnPeer([...nodeArgs, built(entry), '--plugin', echoBot]);
  process.env = saved;
  serveStub(peer.conn);
  await peer.conn.start();
  await peer.conn.request(Initialize, initializeParams('/tmp'));
  const result = await peer.conn.request(TaskRun, { task: { id: 't1', kind: 'echo', input: { hello: ['wörld', 1] } } });
  await expect(peer.conn.request(Shutdown, {})).resolves.toBeNull();
  await peer.conn.notify(Exit, {});
  return { output: result.output, exit: await peer.exited };
}

describe('scripts/agent-worker.ts', () => {
  it('runs the echo-bot plugin through a whole lifecycle and exits 0', async () => {
    const { output, exit } = await driveEchoBot([]);
    expect(output).toEqual({ hello: ['wörld', 1] });
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('runs the same way as one bundled file, and the bundle imports only Node built-ins the worker may use', async () => {
    const { output, exit } = await driveEchoBot([], undefined, 'scripts/agent-worker.bundle.js');
    expect(output).toEqual({ hello: ['wörld', 1] });
    expect(exit).toEqual({ code: 0, signal: null });
    const bundle = readFileSync(built('scripts/agent-worker.bundle.js'), 'utf8');
    const imported = [...bundle.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    const forbidden = ['child_process', 'net', 'http', 'https', 'dgram', 'tls', 'better-sqlite3', 'openai', 'ink', 'react'];
    expect(imported.filter((name) => forbidden.some((f) => name === f || name === `node:${f}`))).toEqual([]);
  });

  it('exits with status 143 on SIGTERM, also while a task runs (docs/protocol.md §4)', async () => {
    const peer = spawnPeer([built('scripts/agent-worker.js'), '--plugin', echoBot]);
    serveStub(peer.conn);
    await peer.conn.start();
    await peer.conn.request(Initialize, initializeParams('/tmp'));
    void peer.conn.request(TaskRun, { task: { id: 't1', kind: 'conformance.block', input: null } }).catch(() => undefined);
    await peer.conn.request(Ping, {}); // the task is running and the worker still reads
    peer.child.kill('SIGTERM');
    expect(await peer.exited).toEqual({ code: 143, signal: null });
  });

  it('exits 2 with a usage message on a bad argument', async () => {
    const peer = spawnPeer([built('scripts/agent-worker.js'), '--bogus']);
    await peer.conn.start();
    expect((await peer.exited).code).toBe(2);
    expect(peer.stderr()).toContain("agent-worker: Unknown option '--bogus'");
  });

  it('loads nothing from the supervisor, the sandbox, the CLI or the UI, and no process or network module', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codex-fleet-imports-'));
    const log = join(dir, 'imports.log');
    try {
      await driveEchoBot(['--import', pathToFileURL(fixture('worker/register-hooks.mjs')).href], { IMPORT_LOG: log });
      const urls = [...new Set(readFileSync(log, 'utf8').trim().split('\n'))];
      const files = urls.filter((u) => u.startsWith('file:')).map((u) => u.slice(pathToFileURL(ROOT).href.length));
      const builtins = urls.filter((u) => u.startsWith('node:')).map((u) => u.slice(5));
      // Sanity: the hook saw the runner and the plugin.
      expect(files).toContain('dist/scripts/agent-worker.js');
      expect(files).toContain('examples/echo-bot/plugin.js');
      const allowed = /^(dist\/scripts\/agent-worker\.js|dist\/src\/(protocol|rpc|worker)\/[\w-]+\.js|examples\/echo-bot\/plugin\.js|node_modules\/@sinclair\/typebox\/.+|test\/fixtures\/worker\/.+)$/;
      expect(files.filter((f) => !allowed.test(f))).toEqual([]);
      const forbidden = ['child_process', 'net', 'http', 'https', 'http2', 'dgram', 'tls', 'cluster', 'worker_threads', 'inspector'];
      expect(builtins.filter((b) => forbidden.includes(b))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a built-in bot loads only its own modules at start, and the TypeScript compiler API only when a task needs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codex-fleet-imports-'));
    const log = join(dir, 'imports.log');
    writeFileSync(join(dir, 'notes.md'), '# notes\n');
    writeFileSync(join(dir, 'a.ts'), '/** One. */\nexport const one = 1;\n');
    const files = () => [...new Set(readFileSync(log, 'utf8').trim().split('\n'))].filter((u) => u.startsWith('file:')).map((u) => u.slice(pathToFileURL(ROOT).href.length));
    try {
      const saved = { ...process.env };
      process.env['IMPORT_LOG'] = log;
      const peer = spawnPeer(['--import', pathToFileURL(fixture('worker/register-hooks.mjs')).href, built('scripts/agent-worker.js'), '--plugin', built('src/bots/doc-bot.js')]);
      process.env = saved;
      serveStub(peer.conn);
      await peer.conn.start();
      await peer.conn.request(Initialize, initializeParams('/tmp'));
      // A task about a file doc-bot does not read: no compiler needed.
      const declined = await peer.conn.request(TaskRun, { task: { id: 't1', kind: 'docs', input: { files: ['notes.md'] }, workdir: dir } });
      expect((declined.output as { declined: unknown[] }).declined).toHaveLength(1);
      expect(files()).toContain('dist/src/bots/doc-bot.js');
      expect(files().filter((f) => f.startsWith('node_modules/typescript/'))).toEqual([]);
      // A TypeScript file: the compiler API is loaded now.
      const documented = await peer.conn.request(TaskRun, { task: { id: 't2', kind: 'docs', input: { files: ['a.ts'] }, workdir: dir } });
      expect((documented.output as { commit: unknown }).commit).toBeNull();
      expect(files()).toContain('node_modules/typescript/lib/typescript.js');
      const allowed = /^(dist\/scripts\/agent-worker\.js|dist\/src\/(protocol|rpc|worker|bots)\/[\w-]+\.js|node_modules\/@sinclair\/typebox\/.+|node_modules\/typescript\/(package\.json|lib\/typescript\.js)|test\/fixtures\/worker\/.+)$/;
      expect(files().filter((f) => !allowed.test(f))).toEqual([]);
      await peer.conn.request(Shutdown, {});
      await peer.conn.notify(Exit, {});
      expect(await peer.exited).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
