/**
 * Where the demo's shipped files are: the package's `demo/` folder (the fixture project, the recorded
 * model replies and the demo-only agent), found from the source tree or from `dist/`.
 */
import { join } from 'node:path';
import { packageRoot } from '../sandbox/paths.js';

/** An absolute path under the package's `demo/` folder. */
export function demoAsset(...parts: string[]): string {
  return join(packageRoot(), 'demo', ...parts);
}

/** The agent specs the demo runs: the three sample bots from `agents/` and the demo-only agent. */
export function demoAgentSpecs(): string[] {
  const root = packageRoot();
  return [
    join(root, 'agents', 'patch-bot.yaml'),
    join(root, 'agents', 'test-writer-bot.yaml'),
    join(root, 'agents', 'doc-bot.yaml'),
    demoAsset('agents', 'notes-bot.yaml'),
  ];
}

/** The recorded model replies the demo's local model server answers from. */
export function demoReplies(): string {
  return demoAsset('replies.yaml');
}
