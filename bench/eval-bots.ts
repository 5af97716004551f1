/**
 * `npm run eval:bots`: the built-in bots against a real model on small fixture repairs, so prompts are
 * judged on real models rather than on recorded replies. Opt-in: without `OPENAI_API_KEY` it prints
 * "skipped: …" and exits 0.
 *
 * Each folder of test/fixtures/bot-repos/ is a tiny dependency-free `node --test` project with one bug
 * and a `fixture.json` naming the bot and its task input. For each, the project is committed into a
 * fresh git repository, a real fleet (sandboxed workers, the commit queue, metered calls) runs the
 * bot's sample spec from agents/ on it, and the bot's judge says whether it succeeded. A bot is
 * evaluated when it has a judge below and fixtures that name it: add both to evaluate another.
 *
 * Environment: OPENAI_API_KEY (required), OPENAI_BASE_URL (another OpenAI-compatible server),
 * EVAL_MODEL (instead of each spec's model), EVAL_API (`responses` or `chat`; default `responses` for
 * api.openai.com, `chat` elsewhere), EVAL_FIXTURES (comma-separated folder names), EVAL_TIMEOUT_S
 * (per task, default 900). Prints progress to stderr and, last, one JSON document on stdout:
 * {model, api, base_url, bots: {<bot>: {runs, successes, success_rate, mean_turns, usd, usd_per_success,
 * fixtures: [{fixture, success, why, state, turns, usd, seconds}]}}}.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskView } from '../src/control/methods.js';
import { builtInProvider } from '../src/fleet-config/providers.js';
import type { ProviderApi } from '../src/gateway/types.js';
import { resolvePrice } from '../src/pricing/index.js';
import { packageRoot } from '../src/sandbox/paths.js';
import { isBuiltinPlugin, type BuiltinPlugin } from '../src/spec/builtins.js';
import { loadAgentSpecs } from '../src/spec/load.js';
import { pricingOf } from '../src/supervisor/model-meter.js';
import { Supervisor } from '../src/utils/agent/supervisor.js';

const IDENTITY = ['-c', 'user.name=codex fleet eval', '-c', 'user.email=eval@localhost'];

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, '-C', repo, ...args], { encoding: 'utf8' }).trim();
}

/** What a judge sees after a task: the repository, its HEAD before the task, and the task. */
interface Outcome {
  readonly repo: string;
  readonly before: string;
  readonly task: TaskView;
}

interface Verdict {
  readonly success: boolean;
  readonly why: string;
}

type Judge = (outcome: Outcome) => Verdict;

function output(task: TaskView): Record<string, unknown> {
  return ((task.result as { output?: unknown } | null)?.output ?? {}) as Record<string, unknown>;
}

/** Whether `node --test` passes in `dir`. */
function testsPass(dir: string): boolean {
  try {
    execFileSync(process.execPath, ['--test'], { cwd: dir, stdio: 'ignore', timeout: 120_000 });
    return true;
  } catch {
    return false;
  }
}

/** Success, per bot. To evaluate another bot, add its judge here and fixtures that name it. */
const JUDGES: Partial<Record<BuiltinPlugin, Judge>> = {
  'patch-bot': ({ repo, before, task }) => {
    if (task.state !== 'done') return { success: false, why: `task ${task.state}: ${(task.error ?? '').split('\n')[0]}` };
    const commit = output(task)['commit'] as { sha?: string } | null;
    if (!commit?.sha) return { success: false, why: 'done without a commit' };
    if (git(repo, 'rev-parse', 'HEAD') === before) return { success: false, why: 'the commit did not land on the branch' };
    return testsPass(repo) ? { success: true, why: 'the fix landed and node --test passes' } : { success: false, why: 'the fix landed but node --test fails' };
  },
  'test-writer-bot': ({ repo, task }) => {
    if (task.state !== 'done') return { success: false, why: `task ${task.state}: ${(task.error ?? '').split('\n')[0]}` };
    const commit = output(task)['commit'] as { sha?: string; branch?: string } | null;
    if (!commit?.sha || !commit.branch) return { success: false, why: 'done without a commit' };
    const files = git(repo, 'show', '--name-only', '--format=', commit.sha).split('\n').filter(Boolean);
    return files.length > 0 ? { success: true, why: `scaffolds committed on ${commit.branch}: ${files.join(', ')}` } : { success: false, why: 'empty commit' };
  },
  'doc-bot': ({ repo, before, task }) => {
    if (task.state !== 'done') return { success: false, why: `task ${task.state}: ${(task.error ?? '').split('\n')[0]}` };
    const commit = output(task)['commit'] as { sha?: string } | null;
    if (!commit?.sha) return { success: false, why: 'done without a commit' };
    return testsPass(repo) && git(repo, 'rev-parse', 'HEAD') !== before
      ? { success: true, why: 'comments landed and node --test still passes' }
      : { success: false, why: 'nothing landed, or the tests broke' };
  },
};

interface Fixture {
  readonly name: string;
  readonly dir: string;
  readonly bot: BuiltinPlugin;
  readonly input: unknown;
}

function fixtures(root: string, only: readonly string[] | undefined): Fixture[] {
  const base = join(root, 'test', 'fixtures', 'bot-repos');
  const found: Fixture[] = [];
  for (const name of readdirSync(base).sort()) {
    const file = join(base, name, 'fixture.json');
    if (!existsSync(file) || (only && !only.includes(name))) continue;
    const { bot, input } = JSON.parse(readFileSync(file, 'utf8')) as { bot: string; input: unknown };
    if (!isBuiltinPlugin(bot)) throw new Error(`${file}: "bot" must name a built-in bot, got ${JSON.stringify(bot)}`);
    if (JUDGES[bot]) found.push({ name, dir: join(base, name), bot, input });
  }
  return found;
}

interface Run {
  readonly fixture: string;
  readonly success: boolean;
  readonly why: string;
  readonly state: string;
  readonly turns: number;
  readonly usd: number;
  readonly seconds: number;
}

async function runFixture(root: string, fixture: Fixture, settings: { model: string | undefined; api: ProviderApi; baseURL: string; apiKey: string }): Promise<Run> {
  const work = mkdtempSync(join(tmpdir(), `cf-eval-${fixture.name}-`));
  chmodSync(work, 0o711); // sandboxed workers (another user when this runs as root) pass through to their slots
  const started = Date.now();
  let supervisor: Supervisor | undefined;
  try {
    const repo = join(work, 'repo');
    cpSync(fixture.dir, repo, { recursive: true, filter: (src) => !src.endsWith('fixture.json') });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'start');
    const before = git(repo, 'rev-parse', 'HEAD');
    const agentsDir = join(work, 'agents');
    mkdirSync(agentsDir);
    let spec = readFileSync(join(root, 'agents', `${fixture.bot}.yaml`), 'utf8').replace(/^# yaml-language-server:.*\n/, '');
    if (settings.model) spec = spec.replace(/^model: .*$/m, `model: ${settings.model}`);
    writeFileSync(join(agentsDir, `${fixture.bot}.yaml`), spec);
    const loaded = await loadAgentSpecs([agentsDir]);
    if (loaded.diagnostics.length > 0) throw new Error(loaded.diagnostics.map(String).join('\n'));
    const model = loaded.agents[0]!.model;
    supervisor = await Supervisor.start({
      agents: loaded.agents,
      stateDir: join(work, 'state'),
      projectDir: repo,
      slotRoot: join(work, 'slots'),
      models: {
        provider: () => ({ name: 'eval', api: settings.api, baseURL: settings.baseURL, apiKey: settings.apiKey }),
        // A model the catalog does not know (a local one) is free.
        pricing: (m) => pricingOf(resolvePrice(m) ?? resolvePrice(m, { [m]: { input: 0, output: 0 } })!),
      },
    });
    const { task } = await supervisor.submit(fixture.bot, fixture.input);
    const timeout = Number(process.env['EVAL_TIMEOUT_S'] ?? 900) * 1000;
    const done = await supervisor.waitTask(task.id, timeout, new AbortController().signal);
    const agent = supervisor.status().agents.find((a) => a.name === fixture.bot)!;
    const verdict = JUDGES[fixture.bot]!({ repo, before, task: done });
    process.stderr.write(`eval:bots: ${fixture.bot} on ${fixture.name} (${model}): ${verdict.success ? 'solved' : 'not solved'}: ${verdict.why}\n`);
    return { fixture: fixture.name, ...verdict, state: done.state, turns: agent.calls, usd: agent.spent_usd, seconds: Math.round((Date.now() - started) / 100) / 10 };
  } finally {
    await supervisor?.stop(true);
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const apiKey = process.env['OPENAI_API_KEY'];
  if (!apiKey) {
    process.stdout.write(
      'eval:bots skipped: set OPENAI_API_KEY to run the built-in bots against a real model ' +
        '(and OPENAI_BASE_URL for another OpenAI-compatible server, EVAL_MODEL for another model)\n',
    );
    return;
  }
  const root = packageRoot();
  const provider = builtInProvider(process.env);
  const api = (process.env['EVAL_API'] as ProviderApi | undefined) ?? provider.api;
  if (api !== 'responses' && api !== 'chat') throw new Error(`EVAL_API must be "responses" or "chat", got "${String(api)}"`);
  const only = process.env['EVAL_FIXTURES']?.split(',').map((s) => s.trim()).filter(Boolean);
  const model = process.env['EVAL_MODEL'] || undefined;
  const runs = new Map<BuiltinPlugin, Run[]>();
  for (const fixture of fixtures(root, only)) {
    const run = await runFixture(root, fixture, { model, api, baseURL: provider.base_url, apiKey });
    runs.set(fixture.bot, [...(runs.get(fixture.bot) ?? []), run]);
  }
  const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
  const bots = Object.fromEntries(
    [...runs].map(([bot, list]) => {
      const successes = list.filter((r) => r.success);
      const usd = list.reduce((sum, r) => sum + r.usd, 0);
      return [
        bot,
        {
          runs: list.length,
          successes: successes.length,
          success_rate: round(successes.length / list.length, 3),
          mean_turns: round(list.reduce((sum, r) => sum + r.turns, 0) / list.length, 2),
          usd: round(usd, 6),
          usd_per_success: successes.length === 0 ? null : round(usd / successes.length, 6),
          fixtures: list,
        },
      ];
    }),
  );
  process.stdout.write(`${JSON.stringify({ model: model ?? 'from each spec', api, base_url: provider.base_url, bots }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`eval:bots: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
