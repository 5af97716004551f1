/** The argv that runs an agent's worker program (inside the sandbox launcher). */
import { join } from 'node:path';
import { packageRoot } from '../sandbox/paths.js';
import type { AgentSpec } from '../spec/types.js';

/**
 * The Node runner, `scripts/agent-worker.ts`, as one bundled file (`scripts/bundle-worker.mjs`): a
 * worker starts in about half the time it takes to load the same code as separate modules.
 */
export function nodeRunnerPath(): string {
  return join(packageRoot(), 'dist', 'scripts', 'agent-worker.bundle.js');
}

/** `runner`: a staged copy of the runner bundle to run instead (see src/sandbox/stage.ts). */
export function workerArgv(spec: AgentSpec, runner = nodeRunnerPath()): readonly string[] {
  return spec.worker.kind === 'plugin'
    ? [process.execPath, runner, '--plugin', spec.worker.pluginPath]
    : spec.worker.argv;
}
