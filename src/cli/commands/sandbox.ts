/**
 * `codex fleet sandbox --check [DIR]`: what the kernel offers and whether each agent can be sandboxed.
 * `codex fleet sandbox --agent NAME [--workspace DIR] [--command-policy] -- CMD ARGS…`: runs CMD under
 * exactly the policy that agent's workers (or its commands) get; the exit status is passed through.
 * With `--explain` (worker policy), every refused syscall is then listed with the `allowed_syscalls`
 * entry that would allow it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { constants } from 'node:os';
import type { Command } from 'commander';
import { loadAgentSpecs } from '../../spec/load.js';
import type { AgentSpec } from '../../spec/types.js';
import { checkPolicy, probeKernel, refusalMessage, type KernelReport } from '../../sandbox/check.js';
import { formatExplain, parseExplain } from '../../sandbox/explain.js';
import { sandboxEnv } from '../../sandbox/env.js';
import { buildSandboxedSpawn, LauncherMissingError } from '../../sandbox/launcher.js';
import { compilePolicy, SandboxPolicyError, type SandboxKind } from '../../sandbox/policy.js';
import { CliError } from '../errors.js';

interface SandboxOptions {
  check?: boolean;
  agent?: string;
  agentsDir: string;
  workspace?: string;
  commandPolicy?: boolean;
  explain?: boolean;
  landlockAbiOverride?: string;
}

function parseOverride(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`--landlock-abi-override must be a whole number >= 0, got "${value}"`, 2);
  return n;
}

async function probe(override: number | undefined): Promise<KernelReport> {
  try {
    return await probeKernel(override === undefined ? {} : { landlockAbiOverride: override });
  } catch (error) {
    if (error instanceof LauncherMissingError) throw new CliError(error.message);
    throw error;
  }
}

async function loadAgents(dir: string): Promise<readonly AgentSpec[]> {
  const result = await loadAgentSpecs([dir]);
  if (result.diagnostics.length > 0) {
    throw new CliError(`Invalid agent specs (run "codex fleet validate ${dir}"):\n${result.diagnostics.map(String).join('\n')}`);
  }
  return result.agents;
}

function compile(agent: AgentSpec, kind: SandboxKind, slotDir: string, program?: readonly string[]) {
  try {
    return compilePolicy(agent, {
      kind,
      slotDir,
      ...(program !== undefined ? { program, path: sandboxEnv({ kind, slotDir, agent: agent.name }).PATH! } : {}),
    });
  } catch (error) {
    if (error instanceof SandboxPolicyError) throw new CliError(error.message);
    throw error;
  }
}

async function runCheck(dir: string | undefined, options: SandboxOptions): Promise<void> {
  const report = await probe(parseOverride(options.landlockAbiOverride));
  const out = process.stdout;
  out.write(
    `kernel ${report.kernel} (${report.arch}): Landlock ABI ${report.landlock_abi}` +
      `${report.landlock_status === 'ok' ? '' : ` (${report.landlock_status})`}, ` +
      `seccomp ${report.seccomp ? 'yes' : 'no'}, no_new_privs ${report.no_new_privs ? 'yes' : 'no'}\n` +
      `  filesystem rules ${report.landlock_fs ? 'yes' : 'no'}, TCP rules ${report.landlock_net ? 'yes' : 'no (ABI < 4)'}, ` +
      `signal/abstract-socket scoping ${report.landlock_scope ? 'yes' : 'no (ABI < 6)'}, ` +
      `PID namespace for commands ${report.pid_namespace === undefined || report.pid_namespace === 'none' ? 'no' : `yes (${report.pid_namespace})`}\n`,
  );
  const agentsDir = dir ?? options.agentsDir;
  const agents = existsSync(agentsDir) ? await loadAgents(agentsDir) : [];
  if (agents.length === 0) out.write(`no agent specs in ${agentsDir}\n`);
  const failures: string[] = [];
  const slot = join(tmpdir(), 'codex-fleet-check-slot');
  for (const agent of agents) {
    const kinds: SandboxKind[] = agent.exec.length > 0 ? ['worker', 'command'] : ['worker'];
    for (const kind of kinds) {
      const policy = compile(agent, kind, slot);
      const verdict = checkPolicy(report, policy);
      out.write(
        `${verdict.ok ? 'ok  ' : 'FAIL'} ${agent.name} ${kind} policy (needs Landlock ABI >= ${policy.requiredLandlockAbi}, ` +
          `${policy.syscalls.length} syscalls)${verdict.notes.length ? `: ${verdict.notes.join('; ')}` : ''}\n`,
      );
      if (!verdict.ok) failures.push(refusalMessage(agent.name, kind, verdict));
    }
  }
  // Without agents, the minimum any worker needs.
  if (agents.length === 0) {
    const verdict = checkPolicy(report, { kind: 'worker', requiredLandlockAbi: 1, requiredFor: 'filesystem rules' });
    if (!verdict.ok) failures.push(refusalMessage('*', 'worker', verdict));
  }
  if (failures.length > 0) throw new CliError(failures.join('\n'));
}

async function runUnder(agentName: string, command: readonly string[], options: SandboxOptions): Promise<void> {
  if (command.length === 0) throw new CliError('Give the command to run after "--", e.g. codex fleet sandbox --agent patch-bot -- node -v', 2);
  const agents = await loadAgents(options.agentsDir);
  const agent = agents.find((a) => a.name === agentName);
  if (agent === undefined) {
    throw new CliError(
      `No agent "${agentName}" in ${options.agentsDir}: known agents are ${agents.map((a) => `"${a.name}"`).join(', ') || 'none'}`,
    );
  }
  const temporary = options.workspace === undefined;
  const workspace = temporary ? mkdtempSync(join(tmpdir(), 'codex-fleet-sandbox-')) : resolve(options.workspace!);
  if (!temporary) mkdirSync(workspace, { recursive: true });
  const kind: SandboxKind = options.commandPolicy === true ? 'command' : 'worker';
  if (options.explain === true && kind === 'command') {
    throw new CliError('--explain covers the worker policy only; run without --command-policy to see what a worker is refused', 2);
  }
  const policy = compile(agent, kind, workspace, command);
  const override = parseOverride(options.landlockAbiOverride);
  const explainDir = options.explain === true ? mkdtempSync(join(tmpdir(), 'codex-fleet-explain-')) : undefined;
  const explainFile = explainDir === undefined ? undefined : join(explainDir, 'refusals');
  let spawnSpec;
  try {
    spawnSpec = buildSandboxedSpawn(policy, command, {
      cwd: workspace,
      ...(override !== undefined ? { landlockAbiOverride: override } : {}),
      ...(explainFile !== undefined ? { explainFile } : {}),
    });
  } catch (error) {
    if (error instanceof LauncherMissingError) throw new CliError(error.message);
    throw error;
  }
  if (temporary) process.stderr.write(`codex fleet: workspace ${workspace} (removed afterwards; --workspace DIR to keep one)\n`);
  const child = spawn(spawnSpec.file, spawnSpec.args, { cwd: spawnSpec.cwd, env: spawnSpec.env, stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  const status = await new Promise<number>((done, fail) => {
    child.on('error', fail);
    child.on('exit', (code, signal) => done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  }).finally(() => {
    for (const [s, h] of handlers) process.off(s, h);
    if (temporary) rmSync(workspace, { recursive: true, force: true });
  });
  if (explainDir !== undefined) {
    try {
      const text = existsSync(explainFile!) ? readFileSync(explainFile!, 'utf8') : '';
      const report = await probe(override);
      for (const line of formatExplain(parseExplain(text), report.landlock_abi)) {
        process.stderr.write(line.startsWith(' ') ? `${line}\n` : `codex fleet ${line}\n`);
      }
    } finally {
      rmSync(explainDir, { recursive: true, force: true });
    }
  }
  process.exitCode = status;
}

export function registerSandboxCommand(fleet: Command): void {
  fleet
    .command('sandbox')
    .description("Check the kernel's sandbox support, or run a command under an agent's sandbox policy.")
    .argument('[args...]', 'with --check: the agents directory; with --agent: the command to run (after --)')
    .option('--check', "report what the kernel offers and whether each agent's policy can be enforced")
    .option('--agent <name>', "run the command under this agent's worker policy")
    .option('--agents-dir <dir>', 'directory of agent specs', 'agents')
    .option('--workspace <dir>', 'the slot directory: the only place the command may write (default: a temporary one)')
    .option('--command-policy', "use the exec service's command policy (processes and socketpairs; no socket(), no network)")
    .option('--explain', 'afterwards, list every refused syscall and the allowed_syscalls entry that would allow it (worker policy)')
    .option('--landlock-abi-override <n>', 'make the launcher see at most this Landlock ABI (to test the refusal path)')
    .addHelpText(
      'after',
      '\nExit status: --check exits 1 if a policy cannot be enforced (with what to do); --agent passes the\n' +
        "command's exit status through (the launcher's own failures are 111-127, see native/launcher/README.md).\n\n" +
        'Examples:\n' +
        '  $ codex fleet sandbox --check\n' +
        '  $ codex fleet sandbox --check examples/echo-bot/agents\n' +
        '  $ codex fleet sandbox --agent patch-bot -- node -e "require(\'child_process\').execSync(\'id\')"   # EPERM\n' +
        '  $ codex fleet sandbox --agent patch-bot --explain -- python3 -c "import os; os.fork()"   # names fork and why\n' +
        '  $ codex fleet sandbox --agent patch-bot --workspace /tmp/slot -- node -e "require(\'fs\').writeFileSync(\'x\', \'y\')"\n' +
        '  $ codex fleet sandbox --agent patch-bot --command-policy --workspace /tmp/slot -- npm test',
    )
    .action(async (args: string[], options: SandboxOptions) => {
      if (options.check === true && options.agent !== undefined) throw new CliError('Use either --check or --agent, not both', 2);
      if (options.check === true) {
        if (args.length > 1) throw new CliError(`--check takes at most one directory, got ${args.length} arguments`, 2);
        await runCheck(args[0], options);
        return;
      }
      if (options.agent !== undefined) {
        await runUnder(options.agent, args, options);
        return;
      }
      throw new CliError('Give --check or --agent NAME (see "codex fleet sandbox --help")', 2);
    });
}
