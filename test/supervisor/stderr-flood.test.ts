/**
 * The end of a stderr flood: lines past the per-second budget are held back, and their count is
 * reported when that second is over even though no further line comes.
 */
import { describe, expect, it } from 'vitest';
import { Submit, WaitTask } from '../../src/control/methods.js';
import { STDERR_LINES_PER_SECOND } from '../../src/supervisor/agent-pool.js';
import { connect, startFleet, useFleetTest, waitFor, writeAgent } from './helpers.js';

const t = useFleetTest();

describe('a burst of stderr lines that then stops', () => {
  it('shows the budget, and reports the count of the rest once its second is over', async () => {
    writeAgent(t.dir, 'burst', 'stderr-burst');
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const lines = STDERR_LINES_PER_SECOND * 4;
    const { task } = await t.client.request(Submit, { agent: 'burst', input: { lines } });
    await t.client.request(WaitTask, { id: task.id, timeout_s: 60 });
    const stderrEvents = (): string[] => t.fleet!.events.filter((e) => e.type === 'log' && e.agent === 'burst').map((e) => e.message);
    await waitFor(() => stderrEvents().some((m) => m.includes('more stderr lines not shown')), 'the count of held-back lines', 10_000);
    const shown = stderrEvents().filter((m) => m.startsWith('stderr: burst line '));
    const counts = stderrEvents()
      .map((m) => /^\((\d+) more stderr lines not shown/.exec(m)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    // Every line is either shown or counted, none twice; the worker wrote nothing after the burst.
    expect(shown.length).toBeGreaterThanOrEqual(STDERR_LINES_PER_SECOND);
    expect(shown.length + counts.reduce((a, b) => a + b, 0)).toBe(lines);
  }, 60_000);
});
