/**
 * patch-bot end to end: a real supervisor on a real git repository, a sandboxed worker running the
 * built-in plugin, `npm test` through the command sandbox, model calls over real HTTP to the local model
 * server with recorded replies, and the commit queue.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResumeAgent, Submit, WaitTask, type TaskView } from '../../src/control/methods.js';
import type { ModelScriptInput } from '../../src/model-server/index.js';
import { useFleetTest, waitFor, type FleetTest } from '../supervisor/helpers.js';
import { serveModel } from '../supervisor/model-helpers.js';
import { git, lastMessageOf, makeFixtureRepo, servedMicroUsd, startBotFleet, writeBotAgent } from './bot-fleet.js';

const LOOP_LINE = '  for (let i = 1; i < numbers.length; i++) total += numbers[i];';
const WRONG_LINE = '  for (let i = 1; i <= numbers.length; i++) total += numbers[i];';
const FIXED_LINE = '  for (let i = 0; i < numbers.length; i++) total += numbers[i];';

const edit = (path: string, search: string, replace: string, prose = 'Here is the fix.') =>
  `${prose}\n\n${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;

/** The agent: patch-bot with `npm test` and `node --test` on its allow-list. */
function agentLines(extra: { land?: string; max_turns?: number; cost_budget?: number; max_tokens?: number } = {}): string[] {
  return [
    'model: gpt-4.1-mini',
    `max_tokens: ${extra.max_tokens ?? 1000}`,
    `cost_budget: ${extra.cost_budget ?? 0.5}`,
    `land: ${extra.land ?? 'commit'}`,
    'limits:',
    `  max_turns: ${extra.max_turns ?? 4}`,
    '  wall_time_s: 120',
    '  retries: 0',
    'exec:',
    '  - command: [npm, test]',
    '    allow_extra_args: true',
    '    timeout_s: 60',
    '  - command: [node, --test]',
    '    allow_extra_args: true',
    '    timeout_s: 60',
  ];
}

async function setUp(t: FleetTest, script: ModelScriptInput, lines = agentLines()) {
  const server = await serveModel(script);
  const repo = makeFixtureRepo(t.dir, 'sum-off-by-one');
  writeBotAgent(t.dir, 'patch-bot', 'patch-bot', lines);
  await startBotFleet(t, repo, server);
  return { server, repo };
}

async function submit(t: FleetTest, input: unknown): Promise<string> {
  return (await t.client!.request(Submit, { agent: 'patch-bot', input })).task.id;
}

async function waitDone(t: FleetTest, id: string): Promise<TaskView> {
  return (await t.client!.request(WaitTask, { id, timeout_s: 150 })).task;
}

const outputOf = (task: TaskView) => (task.result as { output: { attempts: number; files: string[]; commit: { sha: string; branch: string } | null } }).output;

/** `npm test` in a checkout, as a person would run it: its exit status. */
function testsPass(dir: string): boolean {
  try {
    execFileSync('node', ['--test'], { cwd: dir, stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Task worktrees left under the fleet's slots. */
function worktreesLeft(t: FleetTest): string[] {
  const slots = join(t.dir.root, 'slots');
  if (!existsSync(slots)) return [];
  return readdirSync(slots).flatMap((slot) => (existsSync(join(slots, slot, 'tasks')) ? readdirSync(join(slots, slot, 'tasks')) : []));
}

describe('patch-bot', () => {
  const t = useFleetTest();

  it('feeds the failing test output back after a wrong patch, then commits the fix onto the user\'s branch; spend is the two calls', { timeout: 200_000 }, async () => {
    const { server, repo } = await setUp(t, {
      replies: [
        {
          name: 'wrong-patch',
          match: { message: '^You are patch-bot' },
          content: edit('src/sum.js', LOOP_LINE, WRONG_LINE, 'The loop stops one short.'),
          usage: { input_tokens: 900, output_tokens: 120 },
        },
        {
          name: 'fix',
          // Served only when the request's last message carries the first attempt's failure.
          match: { message: '^You are patch-bot', last_message: 'still fails[\\s\\S]*NaN !== 6' },
          content: edit('src/sum.js', WRONG_LINE, FIXED_LINE, 'The loop must start at the first element.'),
          usage: { input_tokens: 1400, output_tokens: 90 },
        },
      ],
    });
    const before = git(repo, 'rev-parse', 'HEAD');
    expect(testsPass(repo)).toBe(false);
    const id = await submit(t, { test: 'npm test' });
    const task = await waitDone(t, id);
    expect([task.state, task.error]).toEqual(['done', null]);

    // The fix is on the user's branch, the tests pass there, and the commit holds only the fix.
    const head = git(repo, 'rev-parse', 'HEAD');
    expect(head).not.toBe(before);
    expect(outputOf(task)).toEqual({ attempts: 2, files: ['src/sum.js'], commit: { sha: head, branch: 'main' } });
    expect(git(repo, 'diff', '--name-only', `${before}..${head}`)).toBe('src/sum.js');
    expect(readFileSync(join(repo, 'src/sum.js'), 'utf8')).toContain(FIXED_LINE);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(testsPass(repo)).toBe(true);
    expect(git(repo, 'log', '-1', '--format=%B')).toBe(
      `Fix failing test: npm test\n\n\`npm test\` passes after 2 attempts by patch-bot.\n\nAgent: patch-bot\nTask: ${id}`,
    );

    // What the model was told: the first request has the failing output and the files it points at
    // (the test file and the module it imports); the second has the first attempt's failure.
    const requests = server.requests();
    expect(requests.map((r) => [r.reply, r.outcome])).toEqual([['wrong-patch', 'ok'], ['fix', 'ok']]);
    const first = lastMessageOf(requests[0]!.body);
    expect(first).toContain('`npm test` exited with code 1');
    expect(first).toContain('5 !== 6');
    expect(first).toContain(`test/sum.test.js\n\`\`\`\nimport { test } from 'node:test';`);
    expect(first).toContain(`src/sum.js\n\`\`\`\n/** The sum of the numbers in a list. */\n${'export function sum(numbers) {'}`);
    const second = lastMessageOf(requests[1]!.body);
    expect(second).toMatch(/^Your edits were applied, but the test command still fails\. `npm test` exited with code 1:/);
    expect(second).toContain('NaN !== 6');
    expect(second).toContain(WRONG_LINE);

    // The worktree is gone; the branch keeps the commit.
    expect(worktreesLeft(t)).toEqual([]);
    expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(git(repo, 'rev-parse', `fleet/patch-bot/${id}`)).toBe(head);

    // Progress through each attempt, and a summary with the result.
    const progress = t.fleet!.events.filter((e) => e.type === 'task.progress' && e.task === id).map((e) => e.message.slice(`task ${id}: `.length));
    expect(progress).toEqual([
      'running `npm test` (0%)',
      'attempt 1 of 4: asking gpt-4.1-mini for a patch (0%)',
      'attempt 1: edited src/sum.js; running `npm test` (25%)',
      'attempt 2 of 4: asking gpt-4.1-mini for a patch (25%)',
      'attempt 2: edited src/sum.js; running `npm test` (50%)',
      '`npm test` passes; committing src/sum.js (97%)',
    ]);
    expect((task.result as { summary: string }).summary).toBe(`fixed \`npm test\` in 2 attempts ($0.0013): src/sum.js; committed ${head.slice(0, 10)} on main`);

    // The agent was charged exactly the usage of the two calls: (900×0.40 + 120×1.60) + (1400×0.40 + 90×1.60) µ$.
    const status = await t.agentStatus('patch-bot');
    expect(status).toMatchObject({ calls: 2, spent_usd: 0.001256, reserved_usd: 0, input_tokens: 2300, output_tokens: 210 });
    expect(Math.round(status.spent_usd * 1e6)).toBe(servedMicroUsd(server, 'gpt-4.1-mini'));
  });

  it('a patch that does not apply is a failed attempt: the reasons and the file are fed back, nothing changes, and the next reply fixes it', { timeout: 200_000 }, async () => {
    const { server, repo } = await setUp(
      t,
      {
        replies: [
          {
            name: 'stale-search',
            content: edit('src/sum.js', '  for (let i = 1; i < list.length; i++) total += list[i];', FIXED_LINE) +
              edit('src/nowhere.js', 'x', 'y'),
          },
          {
            name: 'fix',
            match: { last_message: 'were not applied[\\s\\S]*SEARCH text was not found in src/sum\\.js' },
            content: edit('src/sum.js', LOOP_LINE, FIXED_LINE),
          },
        ],
      },
      agentLines({ land: 'branch' }),
    );
    const before = git(repo, 'rev-parse', 'HEAD');
    const id = await submit(t, { test: ['node', '--test'], files: ['src/sum.js'] });
    const task = await waitDone(t, id);
    expect([task.state, task.error]).toEqual(['done', null]);
    const out = outputOf(task);
    expect(out).toMatchObject({ attempts: 2, files: ['src/sum.js'], commit: { branch: `fleet/patch-bot/${id}` } });

    const feedback = lastMessageOf(server.requests()[1]!.body);
    expect(feedback).toContain('Your edits were not applied (no file was changed) because:');
    expect(feedback).toContain('the SEARCH text was not found in src/sum.js');
    expect(feedback).toContain('src/nowhere.js does not exist');
    expect(feedback).toContain(`src/sum.js\n\`\`\`\n/** The sum of the numbers in a list. */`);
    expect(feedback).toContain(LOOP_LINE);

    // land: branch: the fix waits on its branch; the user's branch is untouched.
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(before);
    expect(git(repo, 'rev-parse', out.commit!.branch)).toBe(out.commit!.sha);
    expect(git(repo, 'show', `${out.commit!.sha}:src/sum.js`)).toContain(FIXED_LINE);
    expect(testsPass(repo)).toBe(false);
  });

  it('refuses a patch that edits the test or package.json\'s scripts, feeds the reason back, and commits the fix to the code', { timeout: 200_000 }, async () => {
    const cheat = edit('test/sum.test.js', '  assert.equal(sum([1, 2, 3]), 6);', '  assert.equal(sum([1, 2, 3]), 5);') +
      edit('package.json', '"test": "node --test"', '"test": "true"');
    const { server, repo } = await setUp(t, {
      replies: [
        { name: 'cheat', content: cheat },
        { name: 'fix', match: { last_message: 'test/sum\\.test\\.js is a test file' }, content: edit('src/sum.js', LOOP_LINE, FIXED_LINE) },
      ],
    });
    const id = await submit(t, { test: 'npm test' });
    const task = await waitDone(t, id);
    expect([task.state, task.error]).toEqual(['done', null]);
    expect(outputOf(task)).toMatchObject({ attempts: 2, files: ['src/sum.js'] });
    const feedback = lastMessageOf(server.requests()[1]!.body);
    expect(feedback).toContain('Your edits were not applied (no file was changed) because:');
    expect(feedback).toContain('block at line 4: test/sum.test.js is a test file; patch-bot fixes the code under test');
    expect(feedback).toContain('package.json is package.json, which holds the scripts that run the tests');
    expect(git(repo, 'show', '--name-only', '--format=', 'HEAD')).toBe('src/sum.js');
    expect(git(repo, 'show', 'HEAD:test/sum.test.js')).toContain('assert.equal(sum([1, 2, 3]), 6);');
    expect(testsPass(repo)).toBe(true);
  });

  it('fails at once, asking no model, when the first run of the test command times out: a hanging test is not for a patch', { timeout: 200_000 }, async () => {
    const server = await serveModel({ replies: [] });
    const repo = makeFixtureRepo(t.dir, 'sum-off-by-one');
    writeFileSync(join(repo, 'test/hang.test.js'), "import { test } from 'node:test';\n\ntest('never ends', () => new Promise(() => setInterval(() => {}, 1000)));\n");
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'Add a test that hangs');
    const before = git(repo, 'rev-parse', 'HEAD');
    writeBotAgent(t.dir, 'patch-bot', 'patch-bot', agentLines().map((l) => l.replace('timeout_s: 60', 'timeout_s: 3')));
    await startBotFleet(t, repo, server);
    const task = await waitDone(t, await submit(t, { test: ['node', '--test', 'test/hang.test.js'] }));
    expect(task.state).toBe('failed');
    expect(task.error).toContain('patch-bot: the test command `node --test test/hang.test.js` timed out on its first run, before any change (killed after 3 s');
    expect(task.error).toContain('A test that hangs is not something a patch can fix, so no model was asked and nothing was changed.');
    expect(task.error).toContain('First run: `node --test test/hang.test.js` timed out and was killed');
    expect(server.requests()).toEqual([]);
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(before);
  });

  it('gives up after max_turns with the last test output, committing nothing; its branch is removed', { timeout: 200_000 }, async () => {
    const { repo } = await setUp(
      t,
      {
        replies: [
          { name: 'wrong', content: edit('src/sum.js', LOOP_LINE, WRONG_LINE) },
          { name: 'no-blocks', content: 'I am not sure what is wrong.' },
        ],
      },
      agentLines({ max_turns: 2 }),
    );
    const before = git(repo, 'rev-parse', 'HEAD');
    const id = await submit(t, { test: 'npm test' });
    const task = await waitDone(t, id);
    expect(task.state).toBe('failed');
    expect(task.error).toMatch(
      /^patch-bot gave up after 2 attempts \(the agent's limits\.max_turns is 2\): `npm test` still fails and nothing was committed\. Submit again with a "plan" or more "files", raise limits\.max_turns, or add --keep to inspect the worktree\.\n\nLast run: `npm test` exited with code 1:\n/,
    );
    expect(task.error).toContain('NaN !== 6');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(before);
    expect(git(repo, 'branch', '--list', 'fleet/*')).toBe('');
    expect(worktreesLeft(t)).toEqual([]);
  });

  it('keeps each request bounded: after three attempts the oldest are left out and the first message shows the files as they are', { timeout: 200_000 }, async () => {
    const { server } = await setUp(
      t,
      {
        replies: [
          { name: 'wrong', content: edit('src/sum.js', LOOP_LINE, WRONG_LINE) },
          { name: 'shrug', content: 'Let me think about it.', times: 3 },
          { name: 'fix', match: { message: '1 earlier attempt left out' }, content: edit('src/sum.js', WRONG_LINE, FIXED_LINE) },
        ],
      },
      agentLines({ max_turns: 5, land: 'branch' }),
    );
    const id = await submit(t, { test: 'npm test' });
    const task = await waitDone(t, id);
    expect([task.state, task.error]).toEqual(['done', null]);
    expect(outputOf(task).attempts).toBe(5);
    const sizes = server.requests().map((r) => (r.body as { messages: unknown[] }).messages.length);
    // system + first request + 2 per earlier attempt, at most 3 of them.
    expect(sizes).toEqual([2, 4, 6, 8, 8]);
    const last = (server.requests()[4]!.body as { messages: { content: string }[] }).messages;
    expect(last[1]!.content).toContain('(1 earlier attempt left out here; the files above are as those attempts left them.)');
    // The wrong patch of the attempt left out is visible only there: the file as it is now.
    expect(last[1]!.content).toContain(WRONG_LINE);
    expect(last[1]!.content).not.toContain(LOOP_LINE);
    expect(last.slice(2).some((m) => m.content.includes(WRONG_LINE))).toBe(false);
    expect(last.at(-1)!.content).toMatch(/^Your edits were not applied \(no file was changed\) because:\n- the reply has no edit blocks/);
  });

  it('waits paused when its budget runs out mid-task, and finishes after a resume with a new budget', { timeout: 200_000 }, async () => {
    // Call 1's worst case (≈3 kB of input bound + 1000 output tokens ≈ $0.0028) fits $0.004; it costs
    // 1000×0.40 + 900×1.60 µ$ = $0.00184, which leaves less than call 2's worst case.
    const { server, repo } = await setUp(
      t,
      {
        replies: [
          { name: 'wrong', content: edit('src/sum.js', LOOP_LINE, WRONG_LINE), usage: { input_tokens: 1000, output_tokens: 900 } },
          { name: 'fix', match: { last_message: 'NaN !== 6' }, content: edit('src/sum.js', WRONG_LINE, FIXED_LINE), usage: { input_tokens: 1500, output_tokens: 100 } },
        ],
      },
      agentLines({ cost_budget: 0.004 }),
    );
    const id = await submit(t, { test: 'npm test' });
    await waitFor(async () => {
      const s = await t.agentStatus('patch-bot');
      return s.state === 'paused' && s.waiting_calls === 1;
    }, 'patch-bot to pause for budget before its second call', 120_000);
    const paused = await t.agentStatus('patch-bot');
    expect(paused).toMatchObject({ calls: 1, spent_usd: 0.00184, running: 1, failed: 0 });
    expect(paused.reason).toMatch(/^budget: patch-bot's next call \(worst case \$0\.\d{6}\) does not fit its budget of \$0\.004000/);
    expect(server.requests()).toHaveLength(1);

    await t.client!.request(ResumeAgent, { agent: 'patch-bot', budget_usd: 0.05 });
    const task = await waitDone(t, id);
    expect([task.state, task.error]).toEqual(['done', null]);
    expect(outputOf(task)).toMatchObject({ attempts: 2, files: ['src/sum.js'], commit: { branch: 'main' } });
    expect(testsPass(repo)).toBe(true);
    const status = await t.agentStatus('patch-bot');
    expect(status).toMatchObject({ calls: 2, spent_usd: 0.0026, budget_usd: 0.05, budget_source: 'override' });
  });
});
