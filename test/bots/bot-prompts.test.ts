/**
 * The first messages of test-writer-bot and doc-bot: source that holds code fences of its own (doc
 * comments with ``` examples) stays inside one fence, and a long diff is cut with a note.
 */
import { describe, expect, it } from 'vitest';
import { userPrompt as docPrompt } from '../../src/bots/doc-bot.js';
import { detectFramework } from '../../src/bots/test-framework.js';
import { userPrompt as testPrompt } from '../../src/bots/test-writer-bot.js';

const source = '/**\n * @example\n * ```ts\n * add(1, 2);\n * ```\n */\nexport function add(a: number, b: number) {\n  return a + b;\n}\nexport function sub(a: number, b: number) {\n  return a - b;\n}\n';
const sub = { name: 'sub', kind: 'function' as const, line: 10, endLine: 12, hasDoc: false, text: 'export function sub(a: number, b: number) {\n  return a - b;\n}' };

describe('bot prompts', () => {
  it('doc-bot fences a file that holds ``` with a longer fence', () => {
    const prompt = docPrompt([{ file: 'src/math.ts', text: source, missing: [sub] }]);
    expect(prompt).toContain('src/math.ts\n````\n   1  /**\n');
    expect(prompt).toContain('  13  \n````');
  });

  it('test-writer-bot fences symbols and the diff with a longer fence, and cuts a long diff with a note', () => {
    const framework = detectFramework('{"scripts":{"test":"node --test"}}')!.framework;
    const withFence = { ...sub, text: 'export const doc = `\n```\n`;' };
    const diff = `diff --git a/src/math.ts b/src/math.ts\n+${'x'.repeat(20_000)}\n+\`\`\`\n`;
    const prompt = testPrompt('HEAD~1..HEAD', framework, [{ file: 'src/math.ts', symbols: [withFence] }], diff);
    expect(prompt).toContain('function sub:\n````\nexport const doc = `\n```\n`;\n````');
    expect(prompt).toContain('The diff of HEAD~1..HEAD:\n````diff\ndiff --git a/src/math.ts b/src/math.ts\n');
    expect(prompt).toMatch(/\[… \d+ characters left out …\]/);
    expect(prompt.length).toBeLessThan(14_000);
  });
});
