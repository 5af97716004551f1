/** Which exec rule of an agent's spec, if any, allows an argv. */
import type { AgentSpec, ExecRule } from '../spec/types.js';

export function matchExecRule(agent: Pick<AgentSpec, 'exec'>, argv: readonly string[]): ExecRule | undefined {
  return agent.exec.find((rule) => {
    if (argv.length < rule.command.length) return false;
    if (!rule.command.every((part, i) => argv[i] === part)) return false;
    return rule.allow_extra_args || argv.length === rule.command.length;
  });
}
