import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEditReply, parseEditBlocks } from '../../src/bots/edit-blocks.js';

const reply = (path: string, search: string, replace: string) =>
  `${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;

async function repo(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'edit-blocks-'));
  for (const [p, c] of Object.entries(files)) await writeFile(join(dir, p), c);
  return dir;
}

describe('edit blocks', () => {
  it('finds blocks among prose and code fences, naming the file on the line before', () => {
    const text = `I will fix it.\n\n\`src/a.js\`\n\`\`\`js\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE\n\`\`\`\nDone.`;
    const { blocks, problems } = parseEditBlocks(text);
    expect(problems).toEqual([]);
    expect(blocks).toEqual([{ path: 'src/a.js', search: 'old', replace: 'new', line: 5 }]);
  });

  it('reports an unclosed block and a reply without blocks', () => {
    expect(parseEditBlocks('a.js\n<<<<<<< SEARCH\nx\n=======\ny\n').problems[0]).toMatch(/line 2: the block is not closed/);
    expect(parseEditBlocks('no edits here').problems[0]).toMatch(/no edit blocks/);
  });

  it('applies all blocks, tolerating indentation drift, and creates files from an empty SEARCH', async () => {
    const dir = await repo({ 'a.js': 'function f() {\n    return 1;\n}\n' });
    const result = await applyEditReply(dir, reply('a.js', '  return 1;', '    return 2;') + reply('b.js', '', 'export {};'));
    expect(result).toEqual({ ok: true, files: ['a.js', 'b.js'], created: ['b.js'] });
    expect(await readFile(join(dir, 'a.js'), 'utf8')).toBe('function f() {\n    return 2;\n}\n');
    expect(await readFile(join(dir, 'b.js'), 'utf8')).toBe('export {};\n');
  });

  it('writes nothing when any block fails, and says why for each', async () => {
    const dir = await repo({ 'a.js': 'x = 1;\nx = 1;\n', 'b.js': 'y = 2;\n' });
    const result = await applyEditReply(
      dir,
      reply('b.js', 'y = 2;', 'y = 3;') + reply('a.js', 'x = 1;', 'x = 2;') + reply('c.js', 'z', 'w') + reply('../etc/passwd', 'root', 'me') + reply('b.js', '', 'new'),
    );
    expect(result.ok).toBe(false);
    const problems = (result as { problems: readonly string[] }).problems;
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/occurs 2 times in a\.js/);
    expect(problems[1]).toMatch(/c\.js does not exist/);
    expect(problems[2]).toMatch(/leaves the repository/);
    expect(problems[3]).toMatch(/b\.js already exists/);
    expect(await readFile(join(dir, 'b.js'), 'utf8')).toBe('y = 2;\n');
  });

  it('points at the nearest line when the SEARCH text differs', async () => {
    const dir = await repo({ 'a.js': 'const a = 1;\nconst b = 2;\n' });
    const result = await applyEditReply(dir, reply('a.js', 'const a = 1;\nconst b = 3;', 'x'));
    expect(result).toEqual({ ok: false, problems: [expect.stringMatching(/not found in a\.js \(its first line matches line 1/)] });
  });
});

describe('edit blocks: paths and line endings', () => {
  it('keeps CRLF line endings in a CRLF file', async () => {
    const dir = await repo({ 'a.js': 'one\r\nreturn a - b;\r\nthree\r\n' });
    const result = await applyEditReply(dir, reply('a.js', 'one\nreturn a - b;', 'one\nreturn a + b;\n// added'));
    expect(result.ok).toBe(true);
    expect(await readFile(join(dir, 'a.js'), 'utf8')).toBe('one\r\nreturn a + b;\r\n// added\r\nthree\r\n');
  });

  it('treats ./a.js and a.js as one file, so later blocks see earlier ones', async () => {
    const dir = await repo({ 'a.js': 'x = 1;\n' });
    const result = await applyEditReply(dir, reply('./a.js', 'x = 1;', 'x = 2;') + reply('a.js', 'x = 2;', 'x = 3;'));
    expect(result).toEqual({ ok: true, files: ['a.js'], created: [] });
    expect(await readFile(join(dir, 'a.js'), 'utf8')).toBe('x = 3;\n');
  });

  it('reports a folder, a path under a file and a path through a symbolic link instead of throwing', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'edit-blocks-outside-'));
    const dir = await repo({ 'a.js': 'x = 1;\n' });
    await mkdir(join(dir, 'src'));
    await symlink(outside, join(dir, 'out'));
    const result = await applyEditReply(dir, reply('src', 'x', 'y') + reply('a.js/b.js', '', 'y') + reply('out/c.js', '', 'pwned'));
    expect(result).toEqual({
      ok: false,
      problems: [
        'block at line 2: src is a folder; name a file',
        'block at line 8: a.js/b.js is under a.js, which is a file, not a folder',
        'block at line 14: out/c.js is under out, which is a symbolic link; edit the file it points to instead',
      ],
    });
    expect(await readdir(outside)).toEqual([]);
  });
});

describe('edit blocks: the line before a new file', () => {
  it('refuses prose before a new file block as its name, and says where the path goes', async () => {
    const dir = await repo({});
    const result = await applyEditReply(dir, 'Here is the new test:\n```js\n<<<<<<< SEARCH\n=======\nexport {};\n>>>>>>> REPLACE\n```\n');
    expect(result).toEqual({
      ok: false,
      problems: ['block at line 3: "Here is the new test" is not a file name (new files may not have spaces in their names); put the file\'s path alone on the line before "<<<<<<< SEARCH"'],
    });
    expect(await readdir(dir)).toEqual([]);
  });
});
