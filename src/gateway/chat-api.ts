/**
 * The protocol's `model/complete` on the Chat Completions API (`POST /v1/chat/completions`), both ways:
 * the request body, and the reply, from one completion or from a stream of chunks (usage asked for with
 * `stream_options.include_usage`, which arrives in a last chunk with no choices).
 */
import type OpenAI from 'openai';
import type { ChatMessage, ToolCall } from '../protocol/services.js';
import { outputLimitParam } from './output-limit.js';
import type { FinishReason, GatewayReply, GatewayRequest, GatewayUsage } from './types.js';

type Params = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

function toMessage(m: ChatMessage): Message {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.tool_call_id, content: m.content };
  if (m.role === 'assistant') {
    return m.tool_calls === undefined
      ? { role: 'assistant', content: m.content }
      : {
          role: 'assistant',
          content: m.content === '' ? null : m.content,
          tool_calls: m.tool_calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
        };
  }
  return { role: m.role, content: m.content };
}

/** The request body (without `stream`). */
export function chatBody(request: GatewayRequest): Params {
  const body: Params = {
    model: request.model,
    messages: request.messages.map(toMessage),
    [outputLimitParam('chat', request.model)]: request.maxOutputTokens,
  };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.stop !== undefined) body.stop = [...request.stop];
  if (request.tools !== undefined) {
    body.tools = request.tools.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        parameters: t.parameters,
        ...(t.description === undefined ? {} : { description: t.description }),
        ...(t.strict === undefined ? {} : { strict: t.strict }),
      },
    }));
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice = typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', function: { name: request.toolChoice.name } };
  }
  if (request.responseFormat !== undefined) {
    const f = request.responseFormat;
    body.response_format =
      f.type === 'text'
        ? { type: 'text' }
        : { type: 'json_schema', json_schema: { name: f.name, schema: f.schema, ...(f.strict === undefined ? {} : { strict: f.strict }) } };
  }
  return body;
}

export function chatUsage(usage: OpenAI.CompletionUsage | null | undefined): GatewayUsage | undefined {
  if (!usage) return undefined;
  return {
    input_tokens: usage.prompt_tokens,
    cached_input_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    output_tokens: usage.completion_tokens,
    reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

function finishReason(reason: string | null | undefined, toolCalls: number): FinishReason {
  if (reason === 'tool_calls' || reason === 'function_call' || (toolCalls > 0 && reason !== 'length')) return 'tool_calls';
  if (reason === 'length' || reason === 'content_filter') return reason;
  return 'stop';
}

/** A non-streamed completion in the protocol's shape. */
export function fromChatCompletion(completion: OpenAI.Chat.Completions.ChatCompletion, requested: string): GatewayReply {
  const choice = completion.choices[0];
  const toolCalls: ToolCall[] = [];
  for (const call of choice?.message.tool_calls ?? []) {
    if (call.type === 'function') toolCalls.push({ id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  return {
    text: choice?.message.content ?? choice?.message.refusal ?? '',
    finishReason: finishReason(choice?.finish_reason, toolCalls.length),
    toolCalls,
    model: completion.model || requested,
    usage: chatUsage(completion.usage),
  };
}

/** Folds a stream of chunks into the reply, passing text on as it comes. */
export class ChatStreamAccumulator {
  private text = '';
  private model = '';
  private reason: string | null = null;
  private usage: GatewayUsage | undefined;
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>();

  constructor(private readonly onDelta: ((text: string) => void) | undefined) {}

  push(chunk: OpenAI.Chat.Completions.ChatCompletionChunk): void {
    if (chunk.model) this.model = chunk.model;
    if (chunk.usage) this.usage = chatUsage(chunk.usage);
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue;
      const content = choice.delta.content ?? choice.delta.refusal;
      if (content) {
        this.text += content;
        this.onDelta?.(content);
      }
      for (const call of choice.delta.tool_calls ?? []) {
        const slot = this.calls.get(call.index) ?? { id: '', name: '', arguments: '' };
        if (call.id) slot.id = call.id;
        if (call.function?.name) slot.name += call.function.name;
        if (call.function?.arguments) slot.arguments += call.function.arguments;
        this.calls.set(call.index, slot);
      }
      if (choice.finish_reason) this.reason = choice.finish_reason;
    }
  }

  /** True once a finish reason arrived (a stream cut before it is incomplete). */
  get finished(): boolean {
    return this.reason !== null;
  }

  reply(requested: string): GatewayReply {
    const toolCalls = [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
    return {
      text: this.text,
      finishReason: finishReason(this.reason, toolCalls.length),
      toolCalls,
      model: this.model || requested,
      usage: this.usage,
    };
  }
}
