/** `read_paths`: what a spec may add to its worker's readable files, and what it never may. */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compilePolicy } from '../../src/sandbox/policy.js';
import { loadAgentSpecs } from '../../src/spec/load.js';

let dir: string;
let agents: string;
beforeEach(() => {
  // A repository with a tools folder and the agents folder inside it.
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'fleet-read-paths-')));
  mkdirSync(join(dir, '.git'));
  mkdirSync(join(dir, 'tools', 'perl-lib'), { recursive: true });
  mkdirSync(join(dir, 'tools', 'keys', '.ssh'), { recursive: true });
  mkdirSync(join(dir, 'tools', 'with-env'), { recursive: true });
  writeFileSync(join(dir, 'tools', 'with-env', '.env'), 'API_KEY=1\n');
  agents = join(dir, 'agents');
  mkdirSync(agents);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function load(readPaths: string) {
  writeFileSync(
    join(agents, 'bot.yaml'),
    `name: bot\nrole: Test agent.\nmodel: gpt-4.1-mini\ncommand: [/usr/bin/perl, -e, "1"]\nread_paths: ${readPaths}\n`,
  );
  const result = await loadAgentSpecs([agents], { cwd: dir });
  return { agent: result.agents[0], messages: result.diagnostics.map(String) };
}

describe('read_paths', () => {
  it('accepts a folder of the repository that holds no secrets, and the worker policy reads it', async () => {
    const { agent, messages } = await load('[../tools/perl-lib]');
    expect(messages).toEqual([]);
    expect(agent!.read_paths).toEqual([join(dir, 'tools', 'perl-lib')]);
    const policy = compilePolicy(agent!, { kind: 'worker', slotDir: join(dir, 'slot') });
    expect(policy.read).toContain(join(dir, 'tools', 'perl-lib'));
  });

  it('refuses your home directory, with file:line, whether written ~ (YAML null) or "~"', async () => {
    const bare = await load('[~]');
    expect(bare.agent).toBeUndefined();
    expect(bare.messages).toEqual([
      'agents/bot.yaml:5:14: "read_paths[0]" must be a path (a bare ~ is YAML for nothing, and your home directory is never readable), got nothing',
    ]);
    const quoted = await load('["~", "~/"]');
    expect(quoted.agent).toBeUndefined();
    expect(quoted.messages).toEqual([
      `agents/bot.yaml:5:14: "read_paths[0]" "~" is your home directory: name only the folders the worker needs`,
      `agents/bot.yaml:5:19: "read_paths[1]" "~/" is your home directory: name only the folders the worker needs`,
    ]);
    expect(realpathSync(homedir())).not.toBe(dir);
  });

  it('refuses the repository root and anything containing it', async () => {
    const { agent, messages } = await load('[.., /]');
    expect(agent).toBeUndefined();
    expect(messages).toEqual([
      `agents/bot.yaml:5:14: "read_paths[0]" ".." is the repository root: name only the folders the worker needs`,
      `agents/bot.yaml:5:18: "read_paths[1]" "/" contains the repository root: name only the folders the worker needs`,
    ]);
  });

  it('refuses places that hold secrets and the fleet state directory', async () => {
    const { messages } = await load('[/etc, /etc/ssl/private, ../tools/keys/.ssh, ../tools/with-env, /proc/1, ~/.local/state/codex-fleet]');
    expect(messages).toEqual([
      `agents/bot.yaml:5:14: "read_paths[0]" "/etc" contains /etc/shadow, which holds secrets: name only the folders the worker needs`,
      `agents/bot.yaml:5:20: "read_paths[1]" "/etc/ssl/private" is /etc/ssl/private, which holds secrets: name only the folders the worker needs`,
      `agents/bot.yaml:5:38: "read_paths[2]" "../tools/keys/.ssh" goes through ".ssh", which holds credentials`,
      `agents/bot.yaml:5:58: "read_paths[3]" "../tools/with-env" holds ".env" (a project or a place for secrets): name a folder without it`,
      `agents/bot.yaml:5:77: "read_paths[4]" "/proc/1" lies inside /proc, which the sandbox never shows a worker`,
      expect.stringMatching(/^agents\/bot\.yaml:5:86: "read_paths\[5\]" "~\/\.local\/state\/codex-fleet" (does not exist|is the fleet state directory)/),
    ]);
  });

  it('refuses a path that does not exist, saying relative to what', async () => {
    const { messages } = await load('[../no-such-dir]');
    expect(messages).toEqual([
      `agents/bot.yaml:5:14: "read_paths[0]" "../no-such-dir" does not exist (${join(dir, 'no-such-dir')}; relative paths are relative to the spec file)`,
    ]);
  });
});
