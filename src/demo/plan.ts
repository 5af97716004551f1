/**
 * The four tasks the demo hands the fleet, made from the fixture repository's commits. Each agent works
 * on its own files, so whichever finishes first, the outcome is the same:
 *
 * - patch-bot repairs `src/cart.js` until `npm test` passes (the fixture's cart test fails from the start);
 * - test-writer-bot writes failing scaffolds for `applyDiscount`, added by the newest commit;
 * - doc-bot documents `src/format.js`, added by the commit before;
 * - notes-bot writes a note per commit, and runs out of its tiny budget on the way.
 */
import type { FixtureRepo } from './fixture.js';

/** One task to submit. */
export interface DemoTask {
  readonly agent: string;
  readonly input: unknown;
  /** What the task is for, in the demo's narration. */
  readonly what: string;
}

export const PATCH_BOT = 'patch-bot';
export const TEST_WRITER_BOT = 'test-writer-bot';
export const DOC_BOT = 'doc-bot';
export const BUDGET_AGENT = 'notes-bot';

/** The file patch-bot repairs, and the file doc-bot documents (never the same). */
export const REPAIRED_FILE = 'src/cart.js';
export const DOCUMENTED_FILE = 'src/format.js';

/** The tasks, given the repository's commits (oldest first: the cart, the formatting, the discount). */
export function demoTasks(repo: FixtureRepo, diffs: readonly string[]): DemoTask[] {
  const [cart, format, discount] = repo.commits;
  if (!cart || !format || !discount) throw new Error(`The demo fixture needs three commits, found ${repo.commits.length}`);
  return [
    {
      agent: PATCH_BOT,
      input: { test: 'npm test', files: [REPAIRED_FILE] },
      what: `repair ${REPAIRED_FILE} until "npm test" passes`,
    },
    {
      agent: TEST_WRITER_BOT,
      input: { range: `${format.sha}..${discount.sha}` },
      what: 'failing test scaffolds for the newest commit',
    },
    {
      agent: DOC_BOT,
      input: { range: `${cart.sha}..${format.sha}`, files: [DOCUMENTED_FILE] },
      what: `doc comments for ${DOCUMENTED_FILE}`,
    },
    {
      agent: BUDGET_AGENT,
      input: { commits: repo.commits.map((c, i) => ({ subject: c.subject, diff: diffs[i] ?? '' })) },
      what: 'a release note per commit (its budget runs out)',
    },
  ];
}
