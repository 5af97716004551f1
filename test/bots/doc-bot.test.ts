/**
 * doc-bot end to end: real git, the real sandboxed worker running builtin:doc-bot with its shipped spec
 * (land: commit), and recorded replies from the local model server over HTTP. An edit that changes code
 * is rejected and fed back; the comment-only edit lands on the user's branch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../supervisor/helpers.js';
import { commitFiles, git, outputOf, startBotFleet } from './shipped-bot-fleet.js';

const SOURCE = `/** Squares a number. */
export function square(x: number): number {
  return x * x;
}

export function area(width: number, height: number): number {
  return width * height;
}

export class Rect {
  constructor(readonly width: number, readonly height: number) {}
}
`;

const edit = (search: string, replace: string) => `src/geometry.ts\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;

const AREA_DOC = '/**\n * The area of a rectangle.\n * @param width - its width\n * @param height - its height\n * @returns width times height\n */';
const RECT_DOC = '/** A rectangle of a given width and height. */';

/** Documents both symbols but also "fixes" the code: must be rejected. */
const SNEAKY = `I documented the symbols and made area safer.\n\n${edit(
  'export function area(width: number, height: number): number {\n  return width * height;',
  `${AREA_DOC}\nexport function area(width: number, height: number): number {\n  return Math.abs(width * height);`,
)}\n${edit('export class Rect {', `${RECT_DOC}\nexport class Rect {`)}`;

const GOOD = `${edit('export function area(width: number, height: number): number {', `${AREA_DOC}\nexport function area(width: number, height: number): number {`)}\n${edit(
  'export class Rect {',
  `${RECT_DOC}\nexport class Rect {`,
)}`;

function makeRepo(repo: string): void {
  commitFiles(repo, 'start', { 'package.json': '{"name":"shapes","version":"1.0.0","private":true}\n', 'src/geometry.ts': '/** Squares a number. */\nexport function square(x: number): number {\n  return x * x;\n}\n' });
  commitFiles(repo, 'Add area and Rect', { 'src/geometry.ts': SOURCE, 'notes.md': '# notes\n' });
}

describe('doc-bot', () => {
  it('rejects an edit that also changes code, feeds the reason back, and lands the comment-only edit on the user\'s branch', async () => {
    const f = await startBotFleet('doc-bot', makeRepo, {
      replies: [
        { name: 'sneaky', match: { message: '^You are doc-bot', last_message: 'function area \\(line 6\\), class Rect \\(line 10\\)' }, content: SNEAKY, usage: { input_tokens: 700, output_tokens: 120 } },
        { name: 'comments-only', match: { last_message: 'the edit changes code, not only comments' }, content: GOOD, usage: { input_tokens: 950, output_tokens: 110 } },
      ],
    });
    const before = git(f.repo, 'rev-parse', 'main');
    const done = await f.run({});
    expect(done.state, JSON.stringify(done)).toBe('done');
    const out = outputOf(done);
    expect(out.files).toEqual(['src/geometry.ts']);
    expect(out.documented).toEqual([
      { file: 'src/geometry.ts', name: 'area', kind: 'function' },
      { file: 'src/geometry.ts', name: 'Rect', kind: 'class' },
    ]);
    expect(out.undocumented).toEqual([]);
    expect(out.declined).toEqual([{ file: 'notes.md', reason: 'is not TypeScript or JavaScript (.ts, .tsx, .mts, .cts, .js, .jsx, .mjs, .cjs); doc-bot documents only those' }]);
    expect(out.turns).toBe(2);
    const reason = 'src/geometry.ts: the edit changes code, not only comments: at line 13 (`Math.abs(width * height);`), where the original has line 7 (`width * height;`)';
    expect(out.rejected).toEqual([reason]);

    // The reason was fed back: the second request's last message carries it.
    const requests = f.server.requests();
    expect(requests.map((r) => r.reply)).toEqual(['sneaky', 'comments-only']);
    const second = (requests[1]!.body as { messages: { role: string; content: string }[] }).messages;
    expect(second[0]!.content.startsWith('You are doc-bot')).toBe(true);
    expect(second.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(second[2]!.content).toBe(SNEAKY);
    expect(second[3]!.content).toContain(reason);

    // land: commit: one commit on main, only comment lines added, nothing removed; the file is as reviewed.
    expect(out.commit).toEqual({ sha: git(f.repo, 'rev-parse', 'main'), branch: 'main' });
    expect(git(f.repo, 'rev-parse', 'main~1')).toBe(before);
    expect(git(f.repo, 'log', '-1', '--format=%s', 'main')).toBe('Document area, Rect');
    const diff = git(f.repo, 'diff', '--unified=0', 'main~1', 'main').split('\n');
    const changed = diff.filter((l) => /^[+-](?![+-]{2} )/.test(l));
    expect(changed.length).toBe(7);
    expect(changed.every((l) => /^\+\s*(\/\*\*|\*)/.test(l))).toBe(true);
    const expected = SOURCE.replace('export function area', `${AREA_DOC}\nexport function area`).replace('export class Rect', `${RECT_DOC}\nexport class Rect`);
    expect(git(f.repo, 'show', 'main:src/geometry.ts')).toBe(expected.trimEnd());
    expect(readFileSync(join(f.repo, 'src/geometry.ts'), 'utf8')).toBe(expected);
    expect(git(f.repo, 'status', '--porcelain')).toBe('');
    expect(git(f.repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);

    // The agent paid for exactly the two calls: gpt-4.1-nano, $0.10 in and $0.40 out per million tokens.
    expect(f.status()).toMatchObject({ calls: 2, input_tokens: 1650, output_tokens: 230, spent_usd: 0.000257, reserved_usd: 0 });
  });

  it('waits paused when its budget runs out between two calls, and finishes after a resume with more budget', { timeout: 120_000 }, async () => {
    // max_tokens 500: a call's worst case is $0.0002 of output plus its input. The first call fits $0.0006;
    // after it ($0.00052 spent) the second cannot.
    const f = await startBotFleet(
      'doc-bot',
      makeRepo,
      {
        replies: [
          { name: 'sneaky', content: SNEAKY, usage: { input_tokens: 4000, output_tokens: 300 } },
          { name: 'comments-only', match: { last_message: 'the edit changes code, not only comments' }, content: GOOD, usage: { input_tokens: 900, output_tokens: 100 } },
        ],
      },
      (yaml) => yaml.replace(/^max_tokens: .*$/m, 'max_tokens: 500').replace(/^cost_budget: .*$/m, 'cost_budget: 0.0006'),
    );
    const { task } = await f.sup.submit('doc-bot', {});
    await waitFor(() => f.status().waiting_calls === 1, 'the second call to wait for budget', 60_000);
    expect(f.status()).toMatchObject({ state: 'paused', running: 1, calls: 1, spent_usd: 0.00052 });
    expect(f.server.requests()).toHaveLength(1);
    f.sup.resume('doc-bot', { budget_usd: 0.01 });
    const done = await f.sup.waitTask(task.id, 60_000, new AbortController().signal);
    expect(done.state, JSON.stringify(done)).toBe('done');
    expect(outputOf(done)).toMatchObject({ turns: 2, files: ['src/geometry.ts'], commit: { branch: 'main' } });
    expect(f.server.requests().map((r) => r.reply)).toEqual(['sneaky', 'comments-only']);
    expect(f.status()).toMatchObject({ state: 'running', calls: 2, spent_usd: 0.00065, reserved_usd: 0 });
  });

  it('fails after limits.max_turns rejected edits, naming the last reason; nothing is committed', async () => {
    const f = await startBotFleet('doc-bot', makeRepo, { replies: [{ name: 'sneaky', content: SNEAKY, times: 'always' }] });
    const before = git(f.repo, 'rev-parse', 'main');
    const done = await f.run({ files: ['src/geometry.ts'] });
    expect(done.state).toBe('failed');
    expect(JSON.stringify(done.error)).toContain('doc-bot: no acceptable edit in 4 model replies (limits.max_turns); the last was rejected because: src/geometry.ts: the edit changes code, not only comments');
    expect(f.server.requests()).toHaveLength(4);
    expect(git(f.repo, 'rev-parse', 'main')).toBe(before);
    expect(readFileSync(join(f.repo, 'src/geometry.ts'), 'utf8')).toBe(SOURCE);
  });

  it('declines a file the range changed that a later commit deleted, and still refuses a missing file named in "files"', async () => {
    const f = await startBotFleet(
      'doc-bot',
      (repo) => {
        makeRepo(repo);
        commitFiles(repo, 'Add wrap', { 'src/wrap.ts': 'export function wrap(value: number, size: number): number {\n  return ((value % size) + size) % size;\n}\n' });
        git(repo, 'rm', '-q', 'src/wrap.ts');
        git(repo, 'commit', '-q', '-m', 'Remove wrap');
      },
      { replies: [] },
    );
    const done = await f.run({ range: 'HEAD~2..HEAD~1' });
    expect(done.state, JSON.stringify(done)).toBe('done');
    expect(outputOf(done).declined).toEqual([
      { file: 'src/wrap.ts', reason: "is not in the task's worktree: a later commit deleted or renamed it; the bot reads files as they are at HEAD" },
    ]);
    const given = await f.run({ files: ['src/wrap.ts'] });
    expect(given.state).toBe('failed');
    expect(JSON.stringify(given.error)).toContain(`doc-bot: src/wrap.ts does not exist in the task's worktree; check the task's \\"files\\" input`);
    expect(f.server.requests()).toEqual([]);
  });
});
