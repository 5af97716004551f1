/**
 * What the kernel offers (asked of the launcher itself, `codex-fleet-launcher --check`) and whether a
 * policy can be enforced on it. The supervisor runs this at start; `codex fleet sandbox --check` prints it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { LauncherMissingError, launcherPath } from './launcher.js';
import type { SandboxPolicy } from './policy.js';

const run = promisify(execFile);

/** The launcher's `--check` line. */
export interface KernelReport {
  readonly launcher_version: number;
  readonly arch: string;
  readonly kernel: string;
  /** What policies will use: the kernel's ABI, capped by the override. 0 = no Landlock. */
  readonly landlock_abi: number;
  readonly landlock_kernel_abi: number;
  readonly landlock_status: 'ok' | 'not-built' | 'disabled' | 'overridden';
  readonly landlock_fs: boolean;
  readonly landlock_net: boolean;
  readonly landlock_scope: boolean;
  readonly seccomp: boolean;
  readonly no_new_privs: boolean;
  readonly euid: number;
  /**
   * Whether the launcher can give a command tree its own PID namespace, which confines signals where
   * Landlock has no signal scoping (ABI < 6): as root (`privileged`), through an unprivileged user
   * namespace (`user-namespace`), or not at all. Absent from launchers that predate it.
   */
  readonly pid_namespace?: 'privileged' | 'user-namespace' | 'none';
}

/** What to do when neither Landlock signal scoping nor a PID namespace is available. */
export const PID_NAMESPACE_ADVICE =
  'run the fleet as root, or allow unprivileged user namespaces (sysctl user.max_user_namespaces > 0; ' +
  'Debian: kernel.unprivileged_userns_clone=1; Ubuntu: kernel.apparmor_restrict_unprivileged_userns=0), ' +
  'or use Linux 6.12 or newer (Landlock ABI 6)';

export interface ProbeOptions {
  readonly launcher?: string;
  /** Passed to the launcher: its real detection then sees at most this ABI. */
  readonly landlockAbiOverride?: number;
}

/** Runs `codex-fleet-launcher --check` and parses its JSON line. */
export async function probeKernel(options: ProbeOptions = {}): Promise<KernelReport> {
  const file = options.launcher ?? launcherPath();
  if (!existsSync(file)) throw new LauncherMissingError(file);
  const args = ['--check'];
  if (options.landlockAbiOverride !== undefined) args.push('--landlock-abi-override', String(options.landlockAbiOverride));
  const { stdout } = await run(file, args, { timeout: 10_000 });
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as KernelReport;
}

export interface PolicyVerdict {
  readonly ok: boolean;
  /** What is missing, each a sentence; empty when ok. */
  readonly missing: readonly string[];
  /** Layers that are absent but not required by this policy (defence in depth only). */
  readonly notes: readonly string[];
  /** What to do, when not ok. */
  readonly advice?: string;
}

/** The remedy for a kernel without (enough) Landlock, as one paragraph. */
export function landlockAdvice(report: KernelReport, needed: number): string {
  const minimum = needed >= 6 ? 'Linux 6.12' : needed >= 4 ? 'Linux 6.7' : 'Linux 5.13';
  const simulated = report.landlock_status === 'overridden' ? ' (simulated with --landlock-abi-override)' : '';
  if (report.landlock_abi === 0) {
    return (
      `Use ${minimum} or newer built with CONFIG_SECURITY_LANDLOCK=y, and enable Landlock at boot: add "landlock" ` +
      'to the lsm= kernel parameter (e.g. lsm=landlock,lockdown,yama,integrity,apparmor,bpf) and reboot. ' +
      `This kernel (${report.kernel}) reports Landlock ${report.landlock_status === 'not-built' ? 'not built in' : 'disabled at boot'}${simulated}.`
    );
  }
  return `Upgrade to ${minimum} or newer (Landlock ABI ${needed}); this kernel (${report.kernel}) has ABI ${report.landlock_abi}${simulated}.`;
}

/** Whether `policy` can be enforced on the kernel `report` describes. */
export function checkPolicy(
  report: KernelReport,
  policy: Pick<SandboxPolicy, 'kind' | 'requiredLandlockAbi' | 'requiredFor'> & Partial<Pick<SandboxPolicy, 'confineSignals'>>,
): PolicyVerdict {
  const missing: string[] = [];
  const notes: string[] = [];
  if (report.arch !== 'x86_64') missing.push(`architecture ${report.arch} is not supported (x86_64 only)`);
  if (!report.seccomp) missing.push('seccomp filters are unavailable (kernel built without CONFIG_SECCOMP_FILTER)');
  if (!report.no_new_privs) missing.push('no_new_privs is unavailable (Linux >= 3.5 needed)');
  if (report.landlock_abi < 1) missing.push('Landlock is unavailable');
  else if (report.landlock_abi < policy.requiredLandlockAbi) {
    missing.push(`Landlock ABI ${policy.requiredLandlockAbi} is needed (${policy.requiredFor}); the kernel has ${report.landlock_abi}`);
  }
  let pidNamespaceMissing = false;
  if (policy.kind === 'command' && policy.confineSignals === true && report.landlock_abi >= 1 && report.landlock_abi < 6) {
    const mode = report.pid_namespace ?? 'none';
    if (mode === 'none') {
      pidNamespaceMissing = true;
      missing.push(
        `commands may send signals and nothing can keep them inside the sandbox: Landlock ABI ${report.landlock_abi} has no ` +
          'signal scoping (needs 6) and the launcher cannot create a PID namespace',
      );
    } else {
      notes.push(`no Landlock signal scoping (ABI < 6): commands run in a PID namespace of their own (${mode})`);
    }
  }
  if (report.landlock_abi >= 1 && report.landlock_abi < 4) notes.push('no Landlock TCP rules (ABI < 4): seccomp alone refuses network sockets');
  if (report.landlock_abi >= 1 && report.landlock_abi < 6 && policy.requiredLandlockAbi < 6 && policy.kind === 'worker') {
    notes.push('no Landlock signal/abstract-socket scoping (ABI < 6): this policy sends no signals and opens no sockets');
  }
  const ok = missing.length === 0;
  return Object.freeze({
    ok,
    missing: Object.freeze(missing),
    notes: Object.freeze(notes),
    ...(ok
      ? {}
      : {
          advice:
            pidNamespaceMissing && missing.length === 1
              ? `To confine signals, ${PID_NAMESPACE_ADVICE}.`
              : landlockAdvice(report, Math.max(1, policy.requiredLandlockAbi)),
        }),
  });
}

/** One line a user can act on, e.g. for the supervisor's refusal to start an agent. */
export function refusalMessage(agent: string, kind: string, verdict: PolicyVerdict): string {
  return `Cannot sandbox agent "${agent}" (${kind} policy): ${verdict.missing.join('; ')}. ${verdict.advice ?? ''}`.trim();
}
