import { describe, expect, it } from 'vitest';
import { BotInputError, readRange, readStringList, requireWorkdir } from '../../src/bots/range-input.js';

describe('the range bots\' task input', () => {
  it('defaults the range to the last commit and accepts ranges and lists', () => {
    expect(readRange('doc-bot', null)).toBe('HEAD~1..HEAD');
    expect(readRange('doc-bot', {})).toBe('HEAD~1..HEAD');
    expect(readRange('doc-bot', { range: ' main..HEAD ' })).toBe('main..HEAD');
    expect(readStringList('doc-bot', {}, 'files', '["a.ts"]')).toBeUndefined();
    expect(readStringList('doc-bot', { files: ['a.ts', 'b.js'] }, 'files', '["a.ts"]')).toEqual(['a.ts', 'b.js']);
  });

  it('refuses what it cannot use, naming the field, the value and an example', () => {
    expect(() => readRange('doc-bot', 'HEAD~1..HEAD')).toThrow(new BotInputError('doc-bot: the task input must be a JSON object such as {"range": "HEAD~1..HEAD"}, got "HEAD~1..HEAD"'));
    expect(() => readRange('doc-bot', { range: '--output=x' })).toThrow('doc-bot: "range" must be a commit range such as "HEAD~1..HEAD" or "main..HEAD", got "--output=x"');
    expect(() => readRange('doc-bot', { range: 3 })).toThrow('doc-bot: "range" must be a commit range such as "HEAD~1..HEAD" or "main..HEAD", got 3');
    expect(() => readStringList('test-writer-bot', { test: 'npm test' }, 'test', '["npm", "test", "--"]')).toThrow(
      'test-writer-bot: "test" must be a non-empty list of strings such as ["npm", "test", "--"], got "npm test"',
    );
    expect(() => readStringList('doc-bot', { files: [] }, 'files', '["a.ts"]')).toThrow('doc-bot: "files" must be a non-empty list of strings such as ["a.ts"], got []');
    expect(() => requireWorkdir('doc-bot', { id: 't1', kind: 'docs', input: null })).toThrow(
      'doc-bot: the task has no git worktree; set "worktree: true" in the agent\'s spec (agents/doc-bot.yaml) and start the fleet inside a git repository',
    );
  });
});
