/**
 * The overlay of a metered fleet in a real terminal (tmux, 80×24): `codex fleet start` with its model
 * calls going to a local model server, so every task's spend is known to the micro-dollar. The bar
 * and the dollars move as spend grows; the agent is paused at its budget and the notification names
 * the command that continues; `b` raises the budget from the overlay and the waiting call goes on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/client.js';
import { Submit, WaitTask } from '../../src/control/methods.js';
import { codexBin, runFleet } from '../helpers/cli.js';
import { TmuxScreen } from '../helpers/tmux.js';
import { expectNoProcessesLeft, makeFleetDir, removeFleetDir, type FleetDir } from '../supervisor/helpers.js';
import { serveModel, writeModelAgent } from '../supervisor/model-helpers.js';

let dir: FleetDir;
let screen: TmuxScreen | undefined;
let client: ControlClient | undefined;

beforeEach(() => {
  dir = makeFleetDir('cf-spend-pty-');
});

afterEach(async () => {
  client?.close();
  runFleet(['stop', '--now', '--state-dir', dir.stateDir]);
  screen?.close();
  await expectNoProcessesLeft(dir.root);
  removeFleetDir(dir);
});

// gpt-4.1-mini at the catalog's $0.40 / $1.60 per million tokens: 9000 tokens in and 100 out cost
// $0.003760 a call. A 9000-character prompt bounds a call's worst case at $0.003804, so with a budget
// of $0.02 five calls fit ($0.018800 spent) and the sixth waits for budget.
const PROMPT = 'x'.repeat(9000);

describe('the overlay of a metered fleet', () => {
  it('moves the bar as spend grows, shows the pause at the budget with its resume command, and b raises the budget', { timeout: 180_000 }, async () => {
    const server = await serveModel({ replies: [{ content: 'ok', usage: { input_tokens: 9000, output_tokens: 100 }, times: 'always' }] });
    writeModelAgent(dir, 'spender', { cost_budget: 0.02, max_tokens: 100 });
    screen = TmuxScreen.start([process.execPath, codexBin, 'fleet', 'start', dir.agentsDir, '--state-dir', dir.stateDir], {
      cwd: dir.root,
      env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'sk-test' },
    });
    await screen.waitFor(/› spender\s+running\s+0\/1\s+-\s+0\/0\/0\s+░{8} \$0\.00\/\$0\.02/);
    expect(await screen.waitFor(/^codex fleet · 1 agents · spent \$0\.00 of \$0\.02/m)).toBeTruthy();
    client = await ControlClient.connect(dir.paths, 'spend-pty-test');

    const run = async (calls: number): Promise<void> => {
      const { task } = await client!.request(Submit, { agent: 'spender', input: { prompt: PROMPT, calls } });
      await client!.request(WaitTask, { id: task.id, timeout_s: 60 });
    };
    await run(1);
    let text = await screen.waitFor(/› spender\s+running\s+\S+\s+\S+\s+1\/0\/0\s+██░{6} \$0\.003760\/\$0\.02/);
    expect(text).toMatch(/spent \$0\.003760 of \$0\.02 {2}calls 1 {2}tokens 9\.1k/);
    await run(1);
    text = await screen.waitFor(/ 2\/0\/0\s+███░{5} \$0\.007520\/\$0\.02/);
    expect(text).toMatch(/calls 2 {2}tokens 18k/);

    // Four more calls: three fit, the fourth waits and the agent is paused at its budget.
    const { task } = await client.request(Submit, { agent: 'spender', input: { prompt: PROMPT, calls: 4 } });
    text = await screen.waitFor(/› spender\s+paused[\s\S]*run: codex fleet resume spender --budget \d+\.\d\d/);
    // $0.018800 is shown as $0.02, as `codex fleet status` shows it (cents from one cent up).
    expect(text).toMatch(/████████ \$0\.02\/\$0\.02/);
    expect(text).toMatch(/spent \$0\.02 of \$0\.02 {2}calls 5/);
    expect(text).toMatch(/⏸ spender: paused: budget: spender's next call \(worst case \$0\.003804\) does not/);

    screen.keys(['b']);
    await screen.waitFor("Raise spender's budget by $");
    screen.keys(['1'], true);
    screen.keys(['Enter']);
    text = await screen.waitFor(/› spender\s+running\s+\S+\s+\S+\s+3\/0\/0\s+░{8} \$0\.02\/\$1\.02/);
    const done = await client.request(WaitTask, { id: task.id, timeout_s: 60 });
    expect(done.task.state).toBe('done');
    expect(text).toContain('budget set to $1.020000');
  });
});
