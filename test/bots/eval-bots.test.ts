/**
 * `npm run eval:bots` (dist/bench/eval-bots.js): skipped without a key; with one, a real fleet per
 * fixture and a JSON report. Here the "real model" is the local model server over HTTP, which proves the
 * harness (fixtures, fleet, judging, dollars), not the prompts.
 */
import { describe, expect, it } from 'vitest';
import { runCaptured } from '../helpers/cli.js';
import { built } from '../rpc/child.js';
import { serveModel } from '../supervisor/model-helpers.js';

function runEval(env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OPENAI_') && !k.startsWith('EVAL_')));
  return runCaptured(process.execPath, [built('bench/eval-bots.js')], { env: { ...clean, ...env } });
}

const FIX = [
  'src/sum.js',
  '<<<<<<< SEARCH',
  '  for (let i = 1; i < numbers.length; i++) total += numbers[i];',
  '=======',
  '  for (let i = 0; i < numbers.length; i++) total += numbers[i];',
  '>>>>>>> REPLACE',
].join('\n');

describe('npm run eval:bots', () => {
  it('is skipped, exit 0, without OPENAI_API_KEY', async () => {
    const result = await runEval({});
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toBe(
      'eval:bots skipped: set OPENAI_API_KEY to run the built-in bots against a real model ' +
        '(and OPENAI_BASE_URL for another OpenAI-compatible server, EVAL_MODEL for another model)\n',
    );
  });

  it('runs patch-bot on each fixture in a real fleet and reports success rate, turns and dollars per success', { timeout: 300_000 }, async () => {
    const server = await serveModel({
      replies: [
        { name: 'sum-fix', match: { message: '^You are patch-bot', last_message: 'src/sum\\.js' }, content: FIX, usage: { input_tokens: 1000, output_tokens: 100 } },
        { name: 'slug-shrug', match: { message: 'slugify' }, content: 'No idea.', usage: { input_tokens: 100, output_tokens: 10 }, times: 'always' },
      ],
    });
    const result = await runEval({
      OPENAI_API_KEY: 'sk-local',
      OPENAI_BASE_URL: server.url,
      EVAL_MODEL: 'gpt-4.1-mini',
      EVAL_FIXTURES: 'sum-off-by-one,slugify-case',
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('eval:bots: patch-bot on sum-off-by-one (gpt-4.1-mini): solved: the fix landed and node --test passes\n');
    expect(result.stderr).toContain('eval:bots: patch-bot on slugify-case (gpt-4.1-mini): not solved: task failed: patch-bot gave up after 8 attempts');
    const report = JSON.parse(result.stdout) as { model: string; api: string; bots: Record<string, Record<string, unknown>> };
    expect(report).toMatchObject({ model: 'gpt-4.1-mini', api: 'chat' });
    // sum: 1000×0.40 + 100×1.60 µ$; slugify: 8 × (100×0.40 + 10×1.60) µ$.
    expect(report.bots['patch-bot']).toMatchObject({
      runs: 2,
      successes: 1,
      success_rate: 0.5,
      mean_turns: 4.5,
      usd: 0.001008,
      usd_per_success: 0.001008,
      fixtures: [
        expect.objectContaining({ fixture: 'slugify-case', success: false, state: 'failed', turns: 8, usd: 0.000448 }),
        expect.objectContaining({ fixture: 'sum-off-by-one', success: true, state: 'done', turns: 1, usd: 0.00056 }),
      ],
    });
    expect(server.requests()).toHaveLength(9);
  });
});
