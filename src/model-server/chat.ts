/** Chat Completions: a turn as a `chat.completion` body or as `chat.completion.chunk` events. */
import type { ModelRequest } from './request.js';
import type { SseEvent } from './sse.js';
import { argumentPieces, textPieces, type Turn } from './turn.js';
import { chatUsage } from './usage.js';

const FINGERPRINT = 'fp_codexfleet';

export function chatCompletion(turn: Turn): Record<string, unknown> {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: turn.content ?? (turn.toolCalls.length > 0 ? null : ''),
    refusal: null,
    annotations: [],
  };
  if (turn.toolCalls.length > 0) {
    message['tool_calls'] = turn.toolCalls.map((c) => ({
      id: c.callId,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return {
    id: `chatcmpl-${turn.id}`,
    object: 'chat.completion',
    created: turn.created,
    model: turn.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: turn.finishReason }],
    ...(turn.usage && { usage: chatUsage(turn.usage) }),
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  };
}

/** The chunks of a streamed completion, `[DONE]` included; with `include_usage`, a last chunk with usage. */
export function chatChunks(turn: Turn, request: ModelRequest): SseEvent[] {
  const base = {
    id: `chatcmpl-${turn.id}`,
    object: 'chat.completion.chunk',
    created: turn.created,
    model: turn.model,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): SseEvent => ({
    data: JSON.stringify({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(request.includeUsage && { usage: null }),
    }),
  });
  const events: SseEvent[] = [chunk({ role: 'assistant', content: turn.content === undefined ? null : '', refusal: null })];
  for (const piece of textPieces(turn.content ?? '')) events.push(chunk({ content: piece }));
  turn.toolCalls.forEach((call, index) => {
    events.push(chunk({ tool_calls: [{ index, id: call.callId, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const piece of argumentPieces(call.arguments)) events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  events.push(chunk({}, turn.finishReason));
  if (request.includeUsage && turn.usage) {
    events.push({ data: JSON.stringify({ ...base, choices: [], usage: chatUsage(turn.usage) }) });
  }
  events.push({ data: '[DONE]' });
  return events;
}
