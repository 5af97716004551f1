/** Starts a model server for one test and gives it a real `openai` client. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach } from 'vitest';
import { startModelServer, type ModelServer, type ModelServerOptions } from '../../src/model-server/index.js';

const servers: ModelServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'codex-fleet-model-server-'));
}

export async function serve(
  script: ModelServerOptions['script'],
  options: Omit<ModelServerOptions, 'script'> & { maxRetries?: number } = {},
): Promise<{ server: ModelServer; client: OpenAI }> {
  const { maxRetries, ...rest } = options;
  const server = await startModelServer({ script, ...rest });
  servers.push(server);
  const client = new OpenAI({ baseURL: server.url, apiKey: 'sk-test', maxRetries: maxRetries ?? 0 });
  return { server, client };
}
