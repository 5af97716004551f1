/** Which exec rule of an agent's spec, if any, allows an argv. */
import type { AgentSpec, ExecRule } from '../spec/types.js';

export function matchExecRule(agent: Pick<AgentSpec, 'exec'>, argv: readonly string[]): ExecRule | undefined {
  return agent.exec.find((rule) => {
    if (argv.length < rule.command.length) return false;
    if (!rule.command.every((part, i) => argv[i] === part)) return false;
    return rule.allow_extra_args || argv.length === rule.command.length;
  });
}

/** The rules for a message: `["npm","test"] (+args), ["node","--test"]`, or `it is empty`. */
export function describeExecRules(agent: Pick<AgentSpec, 'exec'>): string {
  if (agent.exec.length === 0) return 'it is empty';
  return agent.exec.map((r) => JSON.stringify(r.command) + (r.allow_extra_args ? ' (+args)' : '')).join(', ');
}
