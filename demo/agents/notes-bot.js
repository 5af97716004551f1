// notes-bot: the demo's fourth agent, a role plugin in plain JavaScript.
// Input:  { "commits": [{ "subject": "Add applyDiscount", "diff": "diff --git …" }, …] }
// Output: { "notes": ["### Promotion codes …", …], "headline": "…" }
// One model call per commit, then one for the headline. A call the agent cannot afford waits (the agent
// is paused, and you are told) until its budget is raised; the plugin needs no code for that.

const SYSTEM = `You are notes-bot. You write the release notes of a JavaScript library for the
people who use it, not for the people who wrote it.

How to write a note:
- Start with a level-3 heading (###) that names the feature or the fix in at most six words.
- Then one short paragraph: what a user of the library can now do, or what was wrong and is now right.
  Name the exported functions involved, in backticks, and show one call with its result when it helps.
- Then at most three bullets with the details a user needs: accepted inputs, units (prices are in
  cents), errors thrown and when, and anything that behaves differently from before.
- Leave out tests, refactoring, file names, commit hashes and the names of the people involved.
- Plain words. No marketing ("exciting", "powerful"), no exclamation marks, no emoji.
- If the change is internal and a user cannot notice it, answer with the single word: skip.

Examples of good headings: "### Totals count every item", "### Readable prices on receipts".
Examples of good bullets: "- Amounts are in cents: 1400 is 14.00 EUR.",
"- An unknown promotion code throws a RangeError that names the code."

When you are asked for a headline instead, answer with one sentence of at most 20 words that says what
the release brings, drawn only from the notes you are given.`;

/** @type {import('codex-fleet/plugin').WorkerPlugin} */
const plugin = {
  name: 'notes-bot',
  version: '1.0.0',

  async onTask(task, ctx) {
    const commits = task.input?.commits;
    if (!Array.isArray(commits) || commits.length === 0) {
      throw new Error('notes-bot\'s input needs "commits": a list of {"subject", "diff"}');
    }
    const ask = async (content) =>
      (await ctx.model.complete({ messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content }] }).text()).trim();
    const notes = [];
    for (const [i, commit] of commits.entries()) {
      await ctx.progress(`note ${i + 1} of ${commits.length}: ${commit.subject}`, i / (commits.length + 1));
      const note = await ask(`Commit: ${commit.subject}\n\n${commit.diff ?? ''}`);
      if (note !== 'skip') notes.push(note);
    }
    await ctx.progress('the headline', commits.length / (commits.length + 1));
    const headline = await ask(`Headline for these notes:\n\n${notes.join('\n\n')}`);
    ctx.setSummary(`${notes.length} release notes: ${headline}`);
    return { notes, headline };
  },
};

export default plugin;
