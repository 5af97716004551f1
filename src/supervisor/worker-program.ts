/** The argv that runs an agent's worker program (inside the sandbox launcher). */
import { join } from 'node:path';
import { packageRoot } from '../sandbox/paths.js';
import type { AgentSpec } from '../spec/types.js';

/** The compiled Node runner, `scripts/agent-worker.ts`. */
export function nodeRunnerPath(): string {
  return join(packageRoot(), 'dist', 'scripts', 'agent-worker.js');
}

export function workerArgv(spec: AgentSpec): readonly string[] {
  return spec.worker.kind === 'plugin'
    ? [process.execPath, nodeRunnerPath(), '--plugin', spec.worker.pluginPath]
    : spec.worker.argv;
}
