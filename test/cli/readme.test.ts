/**
 * The README stays true: every `codex fleet …` command it shows exists with the flags it shows; the
 * tour's agent (spec and plugin) validates and runs on the local model server exactly as shown, with the
 * output shown; its Ollama config validates; the troubleshooting entries quote messages the CLI really
 * prints (triggered here where that is cheap, found in the sources otherwise); and the overlay capture
 * is the demo's. The demo itself is run by test/demo/demo.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codexBin, repoRoot, runFleet } from '../helpers/cli.js';
import { expectNoProcessesLeft, makeFleetDir, removeFleetDir, runFleetAsync, waitFor, type FleetDir } from '../supervisor/helpers.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

interface Block {
  readonly lang: string;
  readonly text: string;
}

/** The README's fenced code blocks (``` only; four-backtick fences are not used). */
function blocks(): Block[] {
  return [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

/** The block whose first line is `first` (a file name in a comment), without that line. */
function fileBlock(first: string): string {
  const block = blocks().find((b) => b.text.split('\n')[0] === first);
  if (!block) throw new Error(`README has no code block starting with ${first}`);
  return block.text.split('\n').slice(1).join('\n');
}

/** Words of a shell command line, with single and double quotes honoured (enough for the README). */
function words(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  let started = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) out.push(current);
  return out;
}

/** Every `codex fleet SUB …` / `codex-fleet SUB …` the README shows: in shell blocks and in inline code. */
function invocations(): string[][] {
  const lines: string[] = [];
  for (const block of blocks().filter((b) => b.lang === 'sh')) {
    for (const line of block.text.split('\n')) lines.push(line.replace(/\s+#\s.*$/, ''));
  }
  for (const m of readme.matchAll(/`(codex(?:-| )fleet [^`]+)`/g)) lines.push(m[1]!);
  const found: string[][] = [];
  for (const line of lines) {
    for (const segment of line.split(/&&|\|\||[|;&]/)) {
      const w = words(segment);
      const at = w.findIndex((x, i) => (x === 'codex' && w[i + 1] === 'fleet') || x === 'codex-fleet');
      if (at < 0) continue;
      found.push(w.slice(w[at] === 'codex' ? at + 2 : at + 1));
    }
  }
  return found;
}

// The built CLI (npm test builds it first): its version comes from the package's package.json.
const { buildProgram } = (await import(join(repoRoot, 'dist/src/cli/program.js'))) as { buildProgram: () => Command };

function subcommand(name: string): Command | undefined {
  const fleet = buildProgram().commands.find((c) => c.name() === 'fleet')!;
  return fleet.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

describe('README.md', () => {
  it('shows only codex fleet commands and flags that exist', () => {
    const calls = invocations();
    expect(calls.length).toBeGreaterThan(30);
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const args of calls) {
      const [name, ...rest] = args;
      if (name === undefined || name.startsWith('<') || name === '…') continue;
      const command = subcommand(name);
      if (!command) {
        problems.push(`codex fleet ${name}: no such command`);
        continue;
      }
      seen.add(name);
      const flags = new Set(['--help', '--debug', ...command.options.map((o) => o.long!)]);
      for (const word of rest) {
        if (word === '--') break; // the rest is another program's command line
        const flag = word.split('=')[0]!;
        if (flag.startsWith('--') && !flags.has(flag)) problems.push(`codex fleet ${name} ${flag}: no such option (it has ${[...flags].join(' ')})`);
      }
    }
    expect(problems).toEqual([]);
    // The commands the first screen and the tour rest on are all there.
    for (const name of ['demo', 'init', 'validate', 'serve-model', 'start', 'submit', 'stop', 'status', 'tasks', 'result', 'branches', 'land', 'discard', 'resume', 'pause', 'cost', 'watch', 'sandbox', 'conformance', 'mcp']) {
      expect(seen, name).toContain(name);
    }
  });

  it('opens with the two commands, then the overlay as the demo shows it', () => {
    const first = blocks()[0]!;
    expect(first.text.split('\n').map((l) => l.replace(/\s+#.*$/, '')).filter(Boolean)).toEqual(['npm install && npx codex fleet demo', 'npm test']);
    const overlay = blocks()[1]!.text;
    expect(overlay).toMatch(/^codex fleet · 4 agents · spent \$0\.\d+ of \$\d+\.\d\d {2}calls \d+ {2}tokens /);
    const rows = overlay.split('\n').filter((l) => /^[› ] \S+\s+(running|paused)\s/.test(l)).map((l) => l.slice(2).split(/\s+/)[0]);
    expect(rows).toEqual(['patch-bot', 'test-writer…', 'doc-bot', 'notes-bot']);
    expect(overlay).toContain('⏸ notes-bot: paused: budget: notes-bot\'s next call');
    expect(overlay).toContain('run: codex fleet resume notes-bot --budget');
    expect(Math.max(...overlay.split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(80);
    // The summary it shows has the shape test/demo/demo.test.ts asserts of a real run.
    const summary = blocks()[2]!.text.split('\n');
    expect(summary[0]).toMatch(/^codex fleet demo: all 5 checks passed in \d+\.\d s$/);
    expect(summary[2]).toBe('  agent            tasks   spend      calls  commits');
    expect(summary.slice(3, 8).map((l) => l.trim().split(/\s+/)[0])).toEqual(['patch-bot', 'test-writer-bot', 'doc-bot', 'notes-bot', 'fleet']);
    expect(summary[6]).toMatch(/^ {2}notes-bot {8}1 done {2}\$0\.01 {6}4 {6}none; budget \$0\.01, raised to \$0\.02$/);
  });

  describe('the tour', () => {
    let dir: FleetDir;
    const children: ChildProcess[] = [];

    beforeEach(() => {
      dir = makeFleetDir('cf-readme-');
    });

    afterEach(async () => {
      runFleet(['stop', '--now', '--state-dir', dir.stateDir]);
      for (const child of children.splice(0)) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await once(child, 'exit');
        }
      }
      await expectNoProcessesLeft(dir.root);
      removeFleetDir(dir);
    });

    /** `codex fleet ARGS…` left running in `cwd`; resolves with it and a function reading its stdout so far. */
    function background(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; out: () => string } {
      const child = spawn(process.execPath, [codexBin, 'fleet', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
      return { child, out: () => out };
    }

    /** The README's shell line that runs `codex fleet SUB`, as words after the subcommand. */
    function shown(sub: string): string[] {
      const call = invocations().find((w) => w[0] === sub && w.includes('explain-bot'));
      if (!call) throw new Error(`README shows no "codex fleet ${sub} explain-bot …"`);
      return call.slice(1);
    }

    it('runs the agent it writes on the local model server and prints what it shows', { timeout: 180_000 }, async () => {
      const project = join(dir.root, 'project');
      mkdirSync(join(project, 'agents'), { recursive: true });
      writeFileSync(join(project, 'agents', 'explain-bot.yaml'), fileBlock('# agents/explain-bot.yaml'));
      writeFileSync(join(project, 'agents', 'explain-bot.js'), fileBlock('// agents/explain-bot.js'));
      writeFileSync(join(project, 'replies.yaml'), fileBlock('# replies.yaml'));

      const validate = await runFleetAsync(['validate'], { cwd: project });
      expect(validate.stdout).toContain('ok explain-bot (./explain-bot.js, model gpt-4.1-nano, budget $0.05)');
      expect(validate.status).toBe(0);

      // serve-model as shown, on a free port instead of 8931.
      const serveArgs = invocations().find((w) => w[0] === 'serve-model')!;
      expect(serveArgs).toEqual(['serve-model', '--script', 'replies.yaml', '--port', '8931']);
      const server = background(['serve-model', '--script', 'replies.yaml', '--port', '0'], project);
      await waitFor(() => /^OPENAI_BASE_URL=(http:\S+)$/m.test(server.out()), 'the model server to print its URL');
      const url = /^OPENAI_BASE_URL=(http:\S+)$/m.exec(server.out())![1]!;
      expect(readme).toContain('OPENAI_BASE_URL=http://127.0.0.1:8931/v1 npx codex fleet start --no-tui &');

      const fleet = background(['start', '--no-tui', '--state-dir', dir.stateDir], project, { OPENAI_BASE_URL: url, CODEX_FLEET_SLOT_ROOT: join(dir.root, 'slots') });
      await waitFor(() => /explain-bot\[0\] worker ready/.test(fleet.out()), 'explain-bot\'s worker to be ready', 30_000);

      // A second fleet on the same state directory is refused as the troubleshooting section says.
      const second = await runFleetAsync(['start', '--no-tui', '--state-dir', dir.stateDir], { cwd: project });
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(/Another supervisor \(pid \d+\) is already running on .*: stop it with "codex fleet stop", or give this one its own --state-dir/);

      const submit = await runFleetAsync(['submit', ...shown('submit'), '--state-dir', dir.stateDir], { cwd: project });
      const output = blocks().find((b) => b.lang === 'json' && b.text.includes('"explanation"'))!.text;
      expect(submit.stdout).toBe(output);
      expect(submit.status).toBe(0);

      const stop = await runFleetAsync(['stop', '--state-dir', dir.stateDir], { cwd: project });
      expect(stop.status).toBe(0);
      if (fleet.child.exitCode === null) await once(fleet.child, 'exit');
      expect(fleet.child.exitCode).toBe(0);
    });

    it('validates its Ollama config with the agent on that model', async () => {
      const project = join(dir.root, 'project');
      mkdirSync(join(project, 'agents'), { recursive: true });
      const spec = fileBlock('# agents/explain-bot.yaml').replace(/^model: .*$/m, 'model: qwen2.5-coder:7b');
      writeFileSync(join(project, 'agents', 'explain-bot.yaml'), spec);
      writeFileSync(join(project, 'agents', 'explain-bot.js'), fileBlock('// agents/explain-bot.js'));
      writeFileSync(join(project, 'codex-fleet.yaml'), fileBlock('# codex-fleet.yaml'));
      const result = await runFleetAsync(['validate'], { cwd: project });
      expect(result.stdout).toContain('ok explain-bot (./explain-bot.js, model qwen2.5-coder:7b');
      expect(result.status).toBe(0);
    });
  });

  describe('troubleshooting', () => {
    let dir: FleetDir;
    beforeEach(() => {
      dir = makeFleetDir('cf-readme-trouble-');
    });
    afterEach(() => removeFleetDir(dir));

    const section = readme.slice(readme.indexOf('## Troubleshooting'), readme.indexOf('\n## ', readme.indexOf('## Troubleshooting') + 5));
    /** The message each entry quotes (its bold code span). */
    const quoted = [...section.matchAll(/^- \*\*`([^`]+)`\*\*/gm)].map((m) => m[1]!);

    function sources(): string {
      const files: string[] = [];
      const walk = (d: string): void => {
        for (const name of readdirSync(d)) {
          const path = join(d, name);
          if (statSync(path).isDirectory()) walk(path);
          else if (/\.(ts|mjs)$/.test(name)) files.push(path);
        }
      };
      walk(join(repoRoot, 'src'));
      walk(join(repoRoot, 'scripts'));
      return files.map((f) => readFileSync(f, 'utf8')).join('\n');
    }

    it('quotes messages the CLI prints: triggered where cheap', async () => {
      expect(quoted.length).toBeGreaterThanOrEqual(10);
      const entry = (start: string): string => quoted.find((q) => q.startsWith(start)) ?? `(README has no entry starting "${start}")`;

      const empty = join(dir.root, 'empty');
      mkdirSync(join(empty, 'agents'), { recursive: true });
      const noSpecs = await runFleetAsync(['start', '--no-tui', '--state-dir', dir.stateDir], { cwd: empty });
      expect(noSpecs.stderr).toContain(entry('No agent specs'));

      const noFleet = await runFleetAsync(['status', '--state-dir', dir.stateDir]);
      const [before, after] = entry('No fleet is running on').split('…');
      expect(noFleet.stderr).toContain(`${before}${dir.stateDir}${after}`);

      const priced = join(dir.root, 'priced');
      mkdirSync(join(priced, 'agents'), { recursive: true });
      writeFileSync(join(priced, 'agents', 'x.yaml'), 'name: x\nrole: r\nmodel: my-own-model\ncost_budget: 1\nplugin: ./x.js\n');
      writeFileSync(join(priced, 'agents', 'x.js'), 'export default { onTask: () => null };\n');
      const noPrice = await runFleetAsync(['validate'], { cwd: priced });
      expect(noPrice.stdout + noPrice.stderr).toContain(entry('No price is known for model').replace('"…"', '"my-own-model"'));
    });

    it('quotes messages the CLI prints: the rest found in the sources, piece by piece', () => {
      const text = sources();
      // Triggered above, in the tour (a second supervisor) or by test/demo/demo.test.ts (the pause, a refused --dir).
      const elsewhere = ['No agent specs', 'No fleet is running', 'Another supervisor', 'No price is known', 'paused: budget', 'The demo failed'];
      const pieces = (q: string): string[] =>
        q
          .split(/…|"[^"]*"|\b\d+\b|\): |: /)
          .map((p) => p.replace(/^[\s():.,;]+|[\s():.,;]+$/g, ''))
          .filter((p) => p.length >= 12);
      const missing: string[] = [];
      const checked: string[] = [];
      for (const q of quoted.filter((q) => !elsewhere.some((e) => q.startsWith(e)))) {
        checked.push(q);
        for (const piece of pieces(q)) if (!text.includes(piece)) missing.push(`${piece}   (from: ${q})`);
      }
      expect(missing).toEqual([]);
      expect(checked.length).toBeGreaterThanOrEqual(6);
    });
  });
});
