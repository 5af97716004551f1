/**
 * One list of never-allowed syscalls: the catalog's. The spec validator and the policy compiler refuse
 * what it names, and the filter the launcher really installs (read back from a running sandboxed
 * process with PTRACE_SECCOMP_GET_FILTER and evaluated here) refuses exactly that list too.
 */
import { spawn } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy, SandboxPolicyError } from '../../src/sandbox/policy.js';
import { loadAgentSpecs } from '../../src/spec/load.js';
import { ALWAYS_REFUSED_SYSCALLS, FORBIDDEN_SYSCALLS, WORKER_REFUSED_SYSCALLS } from '../../src/spec/syscalls/catalog.js';
import { X86_64_SYSCALLS } from '../../src/spec/syscalls/table-x86_64.js';
import { buildFixture, cleanupTempDirs, ensureLauncher, spec, tempDir } from './helpers.js';

let launcher: string;
let dump: string;
beforeAll(() => {
  launcher = ensureLauncher();
  dump = buildFixture('seccomp-dump', tempDir('cf-bin-'));
});
afterAll(cleanupTempDirs);

interface Insn {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

const AUDIT_ARCH_X86_64 = 0xc000003e;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
const EPERM = 1;
const ENOSYS = 38;

/** Runs a classic BPF seccomp program on `seccomp_data` {nr, arch x86_64, ip 0, args all 0}. */
function evaluate(prog: readonly Insn[], nr: number): number {
  const word = (off: number): number => (off === 0 ? nr : off === 4 ? AUDIT_ARCH_X86_64 : 0);
  let a = 0;
  let x = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc]!;
    const src = code & 0x08 ? x : k;
    switch (code & 0x07) {
      case 0x00: // LD
        a = (code & 0xe0) === 0x20 ? word(k) : k; // ABS or IMM
        break;
      case 0x01: // LDX
        x = k;
        break;
      case 0x04: // ALU
        switch (code & 0xf0) {
          case 0x00: a = (a + src) >>> 0; break;
          case 0x10: a = (a - src) >>> 0; break;
          case 0x50: a = (a & src) >>> 0; break;
          case 0x40: a = (a | src) >>> 0; break;
          case 0x60: a = (a << src) >>> 0; break;
          case 0x70: a = a >>> src; break;
          default: throw new Error(`unexpected ALU op ${code}`);
        }
        break;
      case 0x05: { // JMP
        const op = code & 0xf0;
        if (op === 0x00) { pc += k; break; }
        const taken = op === 0x10 ? a === src : op === 0x20 ? a > src : op === 0x30 ? a >= src : op === 0x40 ? (a & src) !== 0 : undefined;
        if (taken === undefined) throw new Error(`unexpected JMP op ${code}`);
        pc += taken ? jt : jf;
        break;
      }
      case 0x06: // RET
        return (code & 0x18) === 0x10 ? a : k;
      case 0x07: // MISC
        if (code & 0x80) a = x; else x = a;
        break;
      default:
        throw new Error(`unexpected instruction class ${code}`);
    }
  }
  throw new Error('the filter ran off its end');
}

/** The filter the launcher installs for a worker allowed every syscall number it may name. */
async function installedWorkerFilter(): Promise<Insn[]> {
  const allowAll = Array.from({ length: 512 }, (_, i) => i).join(',');
  const child = spawn(launcher, ['--policy', 'worker', '--exec', '/', '--allow', allowAll, '--', dump, 'wait'], { stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`the sandboxed process exited (${code})`)));
    });
    const r = spawnSync(dump, ['dump', String(child.pid)], { encoding: 'utf8' });
    expect(r.stdout).not.toMatch(/^ERR/);
    return r.stdout.trim().split('\n').map((line) => {
      const [code, jt, jf, k] = line.split(' ').map(Number);
      return { code: code!, jt: jt!, jf: jf!, k: k! };
    });
  } finally {
    child.stdin.end();
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  }
}

describe('the never-allowed syscalls', () => {
  it('are exactly what the launcher refuses with EPERM even when --allow names every syscall', async () => {
    const prog = await installedWorkerFilter();
    const byNumber = new Map(Object.entries(X86_64_SYSCALLS).map(([name, nr]) => [nr, name]));
    const refused: string[] = [];
    const enosys: string[] = [];
    for (const [nr, name] of byNumber) {
      const action = evaluate(prog, nr);
      if (action === (SECCOMP_RET_ERRNO | EPERM)) refused.push(name);
      else if (action === (SECCOMP_RET_ERRNO | ENOSYS)) enosys.push(name);
      // fchmod, when allowed, is answered by the launcher's checking handler, never passed through plainly.
      else if (name === 'fchmod') expect(action).toBe(SECCOMP_RET_USER_NOTIF);
      else expect([name, action]).toEqual([name, SECCOMP_RET_ALLOW]);
    }
    // Workers also lose process creation and sockets; `clone` here is a process (flags 0), not a thread.
    const expected = [...Object.keys(ALWAYS_REFUSED_SYSCALLS), ...Object.keys(WORKER_REFUSED_SYSCALLS).filter((n) => n !== 'clone3'), 'clone'];
    expect(refused.sort()).toEqual(expected.sort());
    expect(enosys).toEqual(['clone3']);
  });

  it('include userfaultfd and open_by_handle_at, which the validator once accepted', async () => {
    const dir = tempDir('cf-spec-');
    writeFileSync(
      join(dir, 'a.yaml'),
      'name: a\nrole: Test agent.\nmodel: gpt-4.1-mini\nplugin: builtin:doc-bot\nallowed_syscalls: [userfaultfd, open_by_handle_at]\n',
    );
    const { diagnostics } = await loadAgentSpecs([dir], { cwd: dir });
    expect(diagnostics.map(String)).toEqual([
      `a.yaml:5:20: "allowed_syscalls[0]" asks for "userfaultfd", which can never be allowed: ${FORBIDDEN_SYSCALLS['userfaultfd']}`,
      `a.yaml:5:33: "allowed_syscalls[1]" asks for "open_by_handle_at", which can never be allowed: ${FORBIDDEN_SYSCALLS['open_by_handle_at']}`,
    ]);
    const refused = (() => {
      try {
        compilePolicy(spec({ allowed_syscalls: ['userfaultfd', 'open_by_handle_at'] }), { kind: 'worker', slotDir: dir });
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(SandboxPolicyError);
    expect((refused as SandboxPolicyError).forbidden.map((f) => f.name)).toEqual(['userfaultfd', 'open_by_handle_at']);
  });
});
