import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAgentSpecs } from '../../src/spec/load.js';
import { Supervisor } from '../../src/utils/agent/supervisor.js';
import type { FleetEvent } from '../../src/supervisor/events.js';
import { repoRoot } from '../helpers/cli.js';

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'fleet-refusal-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

describe('start-up on a kernel without Landlock', () => {
  it('refuses to start the agent, says what is missing and what to do, and never runs it unsandboxed', async () => {
    const { agents } = await loadAgentSpecs([join(repoRoot, 'examples/echo-bot/agents')]);
    const events: FleetEvent[] = [];
    // The launcher's own detection sees ABI 0: the real check path, not a switch in TypeScript.
    const supervisor = await Supervisor.start({
      agents,
      stateDir,
      projectDir: repoRoot,
      landlockAbiOverride: 0,
      onEvent: (event) => events.push(event),
    });
    try {
      const [agent] = supervisor.status().agents;
      expect(agent).toMatchObject({ name: 'echo-bot', state: 'errored', workers: 0 });
      // The kernel's version is the one varying part of the message.
      expect(agent?.reason?.replace(/\(\d+\.\d+[^)]*\)/, '(KERNEL)')).toBe(
        'Cannot sandbox agent "echo-bot" (worker policy): Landlock is unavailable. Use Linux 5.13 or newer built with ' +
          'CONFIG_SECURITY_LANDLOCK=y, and enable Landlock at boot: add "landlock" to the lsm= kernel parameter ' +
          '(e.g. lsm=landlock,lockdown,yama,integrity,apparmor,bpf) and reboot. This kernel (KERNEL) reports Landlock ' +
          'disabled at boot (simulated with --landlock-abi-override).',
      );
      expect(events.some((e) => e.type === 'worker.state')).toBe(false);
      // A task for it is refused with the reason, instead of waiting for ever.
      const refused = await supervisor.submit('echo-bot', { text: 'hi' }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: -32055 });
      expect((refused as Error).message).toMatch(
        /^Agent "echo-bot" cannot run on this machine: Cannot sandbox agent "echo-bot" \(worker policy\): Landlock is unavailable\. .*\(simulated with --landlock-abi-override\)\. Fix its spec or the machine, then start the fleet again$/,
      );
      expect(supervisor.status().agents[0]).toMatchObject({ queued: 0, running: 0 });
    } finally {
      await supervisor.stop(true);
    }
  });
});
