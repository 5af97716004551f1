/**
 * The name of the output limit parameter, per API and model family: the limit is always sent, so the
 * reservation (input bound + output limit) is a true upper bound of what the call can cost.
 *
 * - Responses API: `max_output_tokens`.
 * - Chat Completions, reasoning models (o1, o3, o4, gpt-5 families): `max_completion_tokens`
 *   (they reject `max_tokens`; the limit covers hidden reasoning tokens too).
 * - Chat Completions, every other model (also local servers): `max_tokens`.
 *
 * @example
 * ```ts
 * outputLimitParam('chat', 'o3-mini');      // 'max_completion_tokens'
 * outputLimitParam('chat', 'gpt-4.1-mini'); // 'max_tokens'
 * ```
 */
import type { ProviderApi } from './types.js';

export type OutputLimitParam = 'max_output_tokens' | 'max_completion_tokens' | 'max_tokens';

/** Model names (after an optional `provider/` prefix) of the reasoning families. */
const REASONING = /^(o\d+|gpt-5)([-.:]|$)/;

export function isReasoningModel(model: string): boolean {
  const name = model.slice(model.lastIndexOf('/') + 1);
  return REASONING.test(name);
}

export function outputLimitParam(api: ProviderApi, model: string): OutputLimitParam {
  if (api === 'responses') return 'max_output_tokens';
  return isReasoningModel(model) ? 'max_completion_tokens' : 'max_tokens';
}
