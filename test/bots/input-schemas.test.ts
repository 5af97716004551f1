/**
 * The bots' input schemas, checked at submit: through the checker on real specs, and end to end through
 * the control API and `codex fleet submit` (the MCP server sends the same `tasks/submit`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { BOT_INPUT_SCHEMAS, botInputSchemaFile } from '../../src/bots/input-schemas.js';
import { ListTasks, Submit } from '../../src/control/methods.js';
import { ErrorCodes } from '../../src/protocol/error-codes.js';
import { RpcError } from '../../src/rpc/errors.js';
import { loadAgentSpecs } from '../../src/spec/load.js';
import type { AgentSpec } from '../../src/spec/types.js';
import { checkBotInput } from '../../src/supervisor/bot-input.js';
import { repoRoot } from '../helpers/cli.js';
import { connect, loadAgents, makeFleetDir, removeFleetDir, runFleetAsync, useFleetTest } from '../supervisor/helpers.js';
import { Supervisor } from '../../src/utils/agent/supervisor.js';
import { writeBotAgent } from './bot-fleet.js';

const EXEC = ['exec:', '  - command: [npm, test]', '    allow_extra_args: true', '  - command: [node, --test]', '  - command: [npx, vitest, run]', '    allow_extra_args: true'];

async function specs(): Promise<Record<string, AgentSpec>> {
  const dir = makeFleetDir('cf-bot-input-');
  try {
    writeBotAgent(dir, 'fixer', 'patch-bot', ['model: gpt-4.1-mini', ...EXEC]);
    writeBotAgent(dir, 'tester', 'test-writer-bot', ['model: gpt-4.1-mini', ...EXEC]);
    writeBotAgent(dir, 'documenter', 'doc-bot', ['model: gpt-4.1-mini']);
    const loaded = await loadAgentSpecs([dir.agentsDir]);
    expect(loaded.diagnostics.map(String)).toEqual([]);
    return Object.fromEntries(loaded.agents.map((a) => [a.name, a]));
  } finally {
    removeFleetDir(dir);
  }
}

function refusal(spec: AgentSpec, input: unknown): { message: string; data: unknown } | undefined {
  try {
    checkBotInput(spec, input);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(ErrorCodes.InvalidParams);
    return { message: (error as RpcError).message, data: (error as RpcError).data };
  }
}

describe('bot input schemas', () => {
  it('are published under docs/bots/ as generated, and accept their own examples', () => {
    const ajv = new Ajv2020({ strict: true, strictRequired: false });
    ajv.addVocabulary(['x-expected']);
    for (const [bot, schema] of Object.entries(BOT_INPUT_SCHEMAS)) {
      const file = botInputSchemaFile(bot as keyof typeof BOT_INPUT_SCHEMAS);
      const published = JSON.parse(readFileSync(join(repoRoot, file), 'utf8')) as { examples: unknown[]; $id: string };
      expect(published).toEqual(JSON.parse(JSON.stringify(schema)));
      expect(published.$id).toBe(`urn:codex-fleet:bots:1:${bot}.input`);
      const validate = ajv.compile(published);
      for (const example of published.examples) expect([bot, example, validate(example)]).toEqual([bot, example, true]);
    }
  });

  it('accept good inputs and refuse bad ones naming the field, the schema file and what to do', async () => {
    const { fixer, tester, documenter } = await specs();
    for (const good of [{ test: 'npm test' }, { test: 'npm  test -- test/a.test.js' }, { test: ['node', '--test'] }, { test: 'npm test', plan: 'p', files: ['src/a.js'] }]) {
      expect(refusal(fixer!, good)).toBeUndefined();
    }
    expect(refusal(fixer!, { test: 42 })).toEqual({
      message:
        'Invalid input for agent "fixer" (builtin:patch-bot): "test" must be a command: a string such as "npm test" or a list such as ' +
        '["node", "--test", "test/add.test.js"], got 42. The input must match docs/bots/patch-bot.input.schema.json, e.g. ' +
        '{"test":["node","--test","test/sum.test.js"],"plan":"sum() skips the first element","files":["src/sum.js"]}',
      data: {
        path: '/params/input/test',
        schema: 'docs/bots/patch-bot.input.schema.json',
        message: '"test" must be a command: a string such as "npm test" or a list such as ["node", "--test", "test/add.test.js"], got 42',
      },
    });
    expect(refusal(fixer!, null)?.message).toMatch(/^Invalid input for agent "fixer" \(builtin:patch-bot\): the input must be an object, got null\. The input must match docs\/bots\/patch-bot\.input\.schema\.json/);
    expect(refusal(fixer!, {})?.message).toMatch(/: "test" is missing: it must be a command: a string such as "npm test"/);
    expect(refusal(fixer!, { test: '   ' })?.message).toMatch(/: "test" must be a command: .*, got " {3}"\./);
    expect(refusal(fixer!, { tests: 'npm test', test: 'npm test' })?.message).toMatch(/: unknown field "tests" \(the fields are "test", "plan", "files"\)\./);
    expect(refusal(fixer!, { test: 'npm test', files: ['a.js', 3] })?.message).toMatch(/: "files\/1" must be a list of paths relative to the repository root, such as \["src\/add\.js"\], got 3\./);
    expect(refusal(fixer!, { test: 'make test' })).toEqual({
      message:
        'Invalid input for agent "fixer" (builtin:patch-bot): the test command ["make","test"] is not allowed: fixer\'s exec allow-list ' +
        `(the "exec" field of ${fixer!.file}) has ["npm","test"] (+args), ["node","--test"], ["npx","vitest","run"] (+args). ` +
        'Give a command one of those rules allows, or add an exec rule for it to the spec',
      data: expect.objectContaining({ path: '/params/input/test', schema: 'docs/bots/patch-bot.input.schema.json' }),
    });
    // ["node", "--test"] allows no more arguments.
    expect(refusal(fixer!, { test: 'node --test test/a.test.js' })?.message).toContain('the test command ["node","--test","test/a.test.js"] is not allowed');

    expect(refusal(tester!, {})).toBeUndefined();
    expect(refusal(tester!, { range: 'main..HEAD', test: ['npx', 'vitest', 'run'] })).toBeUndefined();
    expect(refusal(tester!, { range: '--output=/etc/passwd' })?.message).toMatch(/"range" must be a commit range such as "HEAD~1\.\.HEAD" or "main\.\.HEAD" \(no spaces, not starting with "-"\), got "--output=\/etc\/passwd"\. The input must match docs\/bots\/test-writer-bot\.input\.schema\.json/);
    expect(refusal(tester!, { test: ['node', '--test'] })?.message).toContain('the command prefix ["node","--test"] followed by a test file is not allowed');

    expect(refusal(documenter!, { files: ['src/a.ts'] })).toBeUndefined();
    expect(refusal(documenter!, { range: 'HEAD~2..HEAD', extra: 1 })?.message).toContain('unknown field "extra" (the fields are "range", "files")');
  });
});

describe('bot inputs at submit', () => {
  const t = useFleetTest();

  it('a bad input is refused by the control API and by codex fleet submit, and nothing is queued', { timeout: 120_000 }, async () => {
    writeBotAgent(t.dir, 'patch-bot', 'patch-bot', ['model: gpt-4.1-mini', 'exec:', '  - command: [npm, test]']);
    const supervisor = await Supervisor.start({
      agents: await loadAgents(t.dir),
      stateDir: t.dir.stateDir,
      projectDir: repoRoot,
      slotRoot: join(t.dir.root, 'slots'),
    });
    t.fleet = { supervisor, events: [] };
    t.client = await connect(t.dir);
    const refused = await t.client.request(Submit, { agent: 'patch-bot', input: { test: ['npm', 'run', 'lint'] } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RpcError);
    expect((refused as RpcError).code).toBe(ErrorCodes.InvalidParams);
    expect((refused as RpcError).message).toMatch(/^Invalid input for agent "patch-bot" \(builtin:patch-bot\): the test command \["npm","run","lint"\] is not allowed: /);

    const cli = await runFleetAsync(['submit', 'patch-bot', '--input', '{"test": 7}', '--state-dir', t.dir.stateDir]);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain('Invalid input for agent "patch-bot" (builtin:patch-bot): "test" must be a command: a string such as "npm test"');
    expect(cli.stderr).toContain('The input must match docs/bots/patch-bot.input.schema.json');
    expect((await t.client.request(ListTasks, {})).tasks).toEqual([]);
  });
});
