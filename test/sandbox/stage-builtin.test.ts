/**
 * A built-in bot whose package the sandbox user cannot read (codex fleet installed under /root, run as
 * root): the staged copy holds the runner, the bot, the modules it imports and the TypeScript compiler,
 * and the bot runs from it under its real worker sandbox, as 65534, parsing TypeScript.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initializeParams } from '../../src/conformance/checks.js';
import { Session } from '../../src/conformance/session.js';
import { Initialize } from '../../src/protocol/lifecycle.js';
import { TaskRun } from '../../src/protocol/task.js';
import { buildSandboxedSpawn } from '../../src/sandbox/launcher.js';
import { compilePolicy } from '../../src/sandbox/policy.js';
import { stageProgram } from '../../src/sandbox/stage.js';
import { workerArgv } from '../../src/supervisor/worker-program.js';
import { repoRoot } from '../helpers/cli.js';
import { spec } from './helpers.js';

const identity = { uid: 65534, gid: 65534 };
let root: string | undefined;
let session: Session | undefined;

afterEach(async () => {
  await session?.dispose();
  session = undefined;
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A codex-fleet package in a folder only root may enter, like an install under /root. */
function privatePackage(base: string): string {
  const home = join(base, 'home');
  mkdirSync(home, { mode: 0o700 });
  const pkg = join(home, 'codex-fleet');
  mkdirSync(join(pkg, 'dist', 'scripts'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{"name":"codex-fleet","type":"module"}\n');
  cpSync(join(repoRoot, 'dist', 'src', 'bots'), join(pkg, 'dist', 'src', 'bots'), { recursive: true });
  cpSync(join(repoRoot, 'dist', 'scripts', 'agent-worker.bundle.js'), join(pkg, 'dist', 'scripts', 'agent-worker.bundle.js'));
  mkdirSync(join(pkg, 'node_modules'));
  symlinkSync(join(repoRoot, 'node_modules', 'typescript'), join(pkg, 'node_modules', 'typescript'));
  return pkg;
}

describe('staging a built-in bot for the sandbox user', () => {
  it('copies the runner, the bot, what it imports and typescript; the bot runs from the copy in its sandbox', async () => {
    expect(process.geteuid?.()).toBe(0);
    root = mkdtempSync(join(tmpdir(), 'cf-stage-builtin-'));
    chmodSync(root, 0o711);
    const pkg = privatePackage(root);
    const programs = join(root, 'programs');
    mkdirSync(programs, { mode: 0o711 });
    const plugin = join(pkg, 'dist', 'src', 'bots', 'doc-bot.js');
    const agent = spec({ name: 'doc-bot', worker: { kind: 'plugin', plugin: 'builtin:doc-bot', pluginPath: plugin } });

    const staged = stageProgram(agent, identity, programs, join(pkg, 'dist', 'scripts', 'agent-worker.bundle.js'));
    const runnerDir = join(programs, '.runner');
    const copy = join(runnerDir, 'dist', 'src', 'bots', 'doc-bot.js');
    expect(staged.runner).toBe(join(runnerDir, 'agent-worker.bundle.js'));
    expect(staged.spec.worker).toEqual({ kind: 'plugin', plugin: 'builtin:doc-bot', pluginPath: copy });
    expect(staged.copies).toEqual([`${join(pkg, 'dist', 'scripts', 'agent-worker.bundle.js')} → ${staged.runner}`, `${plugin} → ${copy}`]);
    // The modules doc-bot imports, and no other bot.
    for (const module of ['doc-bot', 'edit-blocks', 'comment-free-ast', 'ts-exports', 'typescript', 'range-input']) {
      expect(existsSync(join(runnerDir, 'dist', 'src', 'bots', `${module}.js`))).toBe(true);
    }
    expect(existsSync(join(runnerDir, 'dist', 'src', 'bots', 'test-writer-bot.js'))).toBe(false);
    for (const file of ['package.json', 'lib/typescript.js', 'LICENSE.txt']) {
      const st = statSync(join(runnerDir, 'node_modules', 'typescript', file));
      expect({ file, uid: st.uid, mode: st.mode & 0o777 }).toEqual({ file, uid: 0, mode: 0o644 });
    }

    const slot = join(root, 'slot');
    const policy = compilePolicy(staged.spec, { kind: 'worker', slotDir: slot, identity, ...(staged.runner ? { runner: staged.runner } : {}) });
    expect(policy.read.filter((p) => p.startsWith(pkg))).toEqual([]);
    const argv = workerArgv(staged.spec, staged.runner);
    const launch = buildSandboxedSpawn(policy, argv);
    const workdir = join(slot, 'wt');
    mkdirSync(workdir);
    writeFileSync(join(workdir, 'a.ts'), '/** One. */\nexport const one = 1;\n');
    session = await Session.spawn(argv, launch);
    await session.conn.request(Initialize, initializeParams(slot));
    // A TypeScript file whose symbols are documented: parsed with the compiler API, nothing to ask.
    const result = await session.conn.request(TaskRun, { task: { id: 't1', kind: 'docs', input: { files: ['a.ts'] }, workdir } });
    expect(result.output).toEqual({ files: [], documented: [], undocumented: [], declined: [], turns: 0, rejected: [], commit: null });
  });
});
