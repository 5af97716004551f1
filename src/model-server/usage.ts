/**
 * The usage a reply reports: the script's numbers, or a deterministic estimate, in each API's wire shape.
 */
import type { ModelRequest } from './request.js';
import type { CompiledReply } from './script.js';

/** Usage in one shape for both APIs; cached ⊆ input, reasoning ⊆ output, as the real APIs count them. */
export interface Usage {
  readonly input_tokens: number;
  readonly cached_input_tokens: number;
  readonly output_tokens: number;
  readonly reasoning_tokens: number;
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The output limit the request sent, under whichever name its API and model family use. */
export function outputLimit(request: ModelRequest): number | undefined {
  const names = request.api === 'chat' ? ['max_completion_tokens', 'max_tokens'] : ['max_output_tokens'];
  for (const name of names) {
    const value = request.body[name];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

/**
 * The usage to report, or null when the reply reports none. Without numbers in the script: input is the
 * UTF-8 bytes of every message text and tool definition / 4, output the bytes of the reply's text and
 * tool-call arguments / 4 (each at least 1, output at most the request's output limit).
 */
export function usageFor(reply: CompiledReply, request: ModelRequest, argumentsText: readonly string[]): Usage | null {
  if (reply.usage === null) return null;
  if (reply.usage !== undefined) {
    return {
      input_tokens: reply.usage.input_tokens,
      cached_input_tokens: reply.usage.cached_input_tokens ?? 0,
      output_tokens: reply.usage.output_tokens,
      reasoning_tokens: reply.usage.reasoning_tokens ?? 0,
    };
  }
  const inputBytes = request.texts.reduce((n, t) => n + bytes(t), 0) + bytes(JSON.stringify(request.body['tools'] ?? []));
  const outputBytes = bytes(reply.content ?? '') + reply.toolCalls.reduce((n, c, i) => n + bytes(c.name) + bytes(argumentsText[i] ?? ''), 0);
  const limit = outputLimit(request) ?? Infinity;
  return {
    input_tokens: Math.max(1, Math.ceil(inputBytes / 4)),
    cached_input_tokens: 0,
    output_tokens: Math.min(limit, Math.max(1, Math.ceil(outputBytes / 4))),
    reasoning_tokens: 0,
  };
}

/** Chat Completions' `usage` object. */
export function chatUsage(usage: Usage): Record<string, unknown> {
  return {
    prompt_tokens: usage.input_tokens,
    completion_tokens: usage.output_tokens,
    total_tokens: usage.input_tokens + usage.output_tokens,
    prompt_tokens_details: { cached_tokens: usage.cached_input_tokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoning_tokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** The Responses API's `usage` object. */
export function responsesUsage(usage: Usage): Record<string, unknown> {
  return {
    input_tokens: usage.input_tokens,
    input_tokens_details: { cached_tokens: usage.cached_input_tokens },
    output_tokens: usage.output_tokens,
    output_tokens_details: { reasoning_tokens: usage.reasoning_tokens },
    total_tokens: usage.input_tokens + usage.output_tokens,
  };
}
