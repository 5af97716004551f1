/** The Responses API: a turn as a `response` body or as its sequence of streaming events. */
import type { ModelRequest } from './request.js';
import type { SseEvent } from './sse.js';
import { argumentPieces, textPieces, type Turn } from './turn.js';
import { responsesUsage } from './usage.js';

type Item = Record<string, unknown>;

const outputText = (text: string): Item => ({ type: 'output_text', text, annotations: [], logprobs: [] });

function messageItem(turn: Turn, status: string, text?: string): Item {
  return {
    id: `msg_${turn.id}`,
    type: 'message',
    status,
    content: text === undefined ? [] : [outputText(text)],
    role: 'assistant',
  };
}

function functionCallItem(call: Turn['toolCalls'][number], status: string, args: string): Item {
  return { id: call.itemId, type: 'function_call', status, arguments: args, call_id: call.callId, name: call.name };
}

/** The finished output items: a message when there is text (or nothing else), then the function calls. */
function outputItems(turn: Turn): Item[] {
  const items: Item[] = [];
  if (turn.content !== undefined || turn.toolCalls.length === 0) items.push(messageItem(turn, 'completed', turn.content ?? ''));
  for (const call of turn.toolCalls) items.push(functionCallItem(call, 'completed', call.arguments));
  return items;
}

function incompleteReason(turn: Turn): string | undefined {
  if (turn.finishReason === 'length') return 'max_output_tokens';
  if (turn.finishReason === 'content_filter') return 'content_filter';
  return undefined;
}

/** The `response` object, echoing the request's settings as the real API does. */
function responseObject(turn: Turn, request: ModelRequest, done: boolean): Record<string, unknown> {
  const body = request.body;
  const reason = incompleteReason(turn);
  const echo = (name: string, fallback: unknown): unknown => (body[name] === undefined ? fallback : body[name]);
  return {
    id: `resp_${turn.id}`,
    object: 'response',
    created_at: turn.created,
    status: !done ? 'in_progress' : reason ? 'incomplete' : 'completed',
    background: false,
    error: null,
    incomplete_details: done && reason ? { reason } : null,
    instructions: echo('instructions', null),
    max_output_tokens: echo('max_output_tokens', null),
    max_tool_calls: null,
    model: turn.model,
    output: done ? outputItems(turn) : [],
    parallel_tool_calls: echo('parallel_tool_calls', true),
    previous_response_id: echo('previous_response_id', null),
    reasoning: echo('reasoning', { effort: null, summary: null }),
    service_tier: 'default',
    store: echo('store', true),
    temperature: echo('temperature', 1),
    text: echo('text', { format: { type: 'text' } }),
    tool_choice: echo('tool_choice', 'auto'),
    tools: echo('tools', []),
    top_p: echo('top_p', 1),
    truncation: echo('truncation', 'disabled'),
    usage: done && turn.usage ? responsesUsage(turn.usage) : null,
    user: null,
    metadata: echo('metadata', {}),
  };
}

export function responseBody(turn: Turn, request: ModelRequest): Record<string, unknown> {
  return responseObject(turn, request, true);
}

/** Every event of a streamed response, from `response.created` to `response.completed` (or `.incomplete`). */
export function responseEvents(turn: Turn, request: ModelRequest): SseEvent[] {
  const events: SseEvent[] = [];
  const emit = (type: string, fields: Record<string, unknown>): void => {
    events.push({ event: type, data: JSON.stringify({ type, sequence_number: events.length, ...fields }) });
  };
  emit('response.created', { response: responseObject(turn, request, false) });
  emit('response.in_progress', { response: responseObject(turn, request, false) });
  let outputIndex = 0;
  if (turn.content !== undefined || turn.toolCalls.length === 0) {
    const text = turn.content ?? '';
    const itemId = `msg_${turn.id}`;
    const at = { item_id: itemId, output_index: outputIndex, content_index: 0 };
    emit('response.output_item.added', { output_index: outputIndex, item: messageItem(turn, 'in_progress') });
    emit('response.content_part.added', { ...at, part: outputText('') });
    for (const piece of textPieces(text)) emit('response.output_text.delta', { ...at, delta: piece, logprobs: [] });
    emit('response.output_text.done', { ...at, text, logprobs: [] });
    emit('response.content_part.done', { ...at, part: outputText(text) });
    emit('response.output_item.done', { output_index: outputIndex, item: messageItem(turn, 'completed', text) });
    outputIndex++;
  }
  for (const call of turn.toolCalls) {
    const at = { item_id: call.itemId, output_index: outputIndex };
    emit('response.output_item.added', { output_index: outputIndex, item: functionCallItem(call, 'in_progress', '') });
    for (const piece of argumentPieces(call.arguments)) emit('response.function_call_arguments.delta', { ...at, delta: piece });
    emit('response.function_call_arguments.done', { ...at, name: call.name, arguments: call.arguments });
    emit('response.output_item.done', { output_index: outputIndex, item: functionCallItem(call, 'completed', call.arguments) });
    outputIndex++;
  }
  const final = responseObject(turn, request, true);
  emit(final['status'] === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
  return events;
}
