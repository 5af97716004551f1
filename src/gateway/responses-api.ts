/**
 * The protocol's `model/complete` on the Responses API (`POST /v1/responses`), both ways. Requests are
 * sent with `store: false` and never with `previous_response_id`: everything the model reads is in the
 * request, so the ledger's input bound holds.
 */
import type OpenAI from 'openai';
import type { ChatMessage, ToolCall } from '../protocol/services.js';
import type { FinishReason, GatewayReply, GatewayRequest, GatewayUsage } from './types.js';

type Params = OpenAI.Responses.ResponseCreateParamsNonStreaming;
type InputItem = OpenAI.Responses.ResponseInputItem;

function toItems(m: ChatMessage): InputItem[] {
  if (m.role === 'tool') return [{ type: 'function_call_output', call_id: m.tool_call_id, output: m.content }];
  if (m.role === 'assistant') {
    const items: InputItem[] = [];
    if (m.content !== '' || m.tool_calls === undefined) items.push({ role: 'assistant', content: m.content });
    for (const c of m.tool_calls ?? []) items.push({ type: 'function_call', call_id: c.id, name: c.name, arguments: c.arguments });
    return items;
  }
  return [{ role: m.role, content: m.content }];
}

/** The request body (without `stream`). */
export function responsesBody(request: GatewayRequest): Params {
  const body: Params = {
    model: request.model,
    input: request.messages.flatMap(toItems),
    max_output_tokens: request.maxOutputTokens,
    store: false,
  };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.tools !== undefined) {
    body.tools = request.tools.map((t) => ({
      type: 'function',
      name: t.name,
      parameters: t.parameters,
      strict: t.strict ?? false,
      ...(t.description === undefined ? {} : { description: t.description }),
    }));
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice = typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', name: request.toolChoice.name };
  }
  if (request.responseFormat !== undefined) {
    const f = request.responseFormat;
    body.text = {
      format:
        f.type === 'text'
          ? { type: 'text' }
          : { type: 'json_schema', name: f.name, schema: f.schema, ...(f.strict === undefined ? {} : { strict: f.strict }) },
    };
  }
  return body;
}

export function responsesUsage(usage: OpenAI.Responses.ResponseUsage | null | undefined): GatewayUsage | undefined {
  if (!usage) return undefined;
  return {
    input_tokens: usage.input_tokens,
    cached_input_tokens: usage.input_tokens_details?.cached_tokens ?? 0,
    output_tokens: usage.output_tokens,
    reasoning_tokens: usage.output_tokens_details?.reasoning_tokens ?? 0,
  };
}

/** A finished (or incomplete) response in the protocol's shape. */
export function fromResponse(response: OpenAI.Responses.Response, requested: string): GatewayReply {
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const item of response.output ?? []) {
    if (item.type === 'message') {
      for (const part of item.content) {
        if (part.type === 'output_text') text += part.text;
        else if (part.type === 'refusal') text += part.refusal;
      }
    } else if (item.type === 'function_call') {
      toolCalls.push({ id: item.call_id, name: item.name, arguments: item.arguments });
    }
  }
  let finishReason: FinishReason = toolCalls.length > 0 ? 'tool_calls' : 'stop';
  if (response.status === 'incomplete') {
    finishReason = response.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
  }
  return { text, finishReason, toolCalls, model: response.model || requested, usage: responsesUsage(response.usage) };
}
