import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, test } from 'vitest';
import { codexBin, runFleet } from '../helpers/cli.js';
import { tempDir } from './helpers.js';

describe('codex fleet serve-model', () => {
  test('serves a YAML script until SIGTERM and logs what it served', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'replies.yaml'),
      ['models: [gpt-4.1-mini]', 'replies:', '  - match: { message: hello }', '    content: hi from the script', '    usage: { input_tokens: 9, output_tokens: 4 }', ''].join('\n'),
    );
    const child = spawn(process.execPath, [codexBin, 'fleet', 'serve-model', '--script', 'replies.yaml', '--log', 'requests.jsonl'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    while (!stdout.includes('\n')) {
      if (child.exitCode !== null) throw new Error(`serve-model exited early: ${stdout}`);
      await once(child.stdout, 'data');
    }
    const url = /^OPENAI_BASE_URL=(\S+)\n/.exec(stdout)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const client = new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0]?.message.content).toBe('hi from the script');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
    expect(stdout).toContain('Serving 1 reply from replies.yaml (models: gpt-4.1-mini); logging requests to requests.jsonl');
    expect(stdout).toContain('Stopped after 1 request\n');
    const logged = readFileSync(join(dir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { usage: unknown });
    expect(logged).toHaveLength(1);
    expect(logged[0]?.usage).toEqual({ input_tokens: 9, cached_input_tokens: 0, output_tokens: 4, reasoning_tokens: 0 });
  });

  test('a bad script is refused with file:line:col and exit status 1', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.yaml'), 'replies:\n  - delay_ms: -5\n');
    const result = runFleet(['serve-model', '--script', 'bad.yaml'], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'bad.yaml:2:15: "replies[0].delay_ms" must be a whole number of milliseconds from 0 to 600000, got -5\n' +
        'codex fleet: Not serving: fix the script above (1 problem)\n',
    );
  });

  test('a missing script file is named', () => {
    const result = runFleet(['serve-model', '--script', '/nonexistent/replies.yaml']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('/nonexistent/replies.yaml: Cannot read the file: ENOENT');
  });
});
