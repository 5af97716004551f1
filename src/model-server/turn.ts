/**
 * A reply resolved against its request: ids, the model to echo, tool calls with JSON argument text,
 * the finish reason and the usage. The chat and responses encoders both start from this.
 */
import type { ModelRequest } from './request.js';
import type { CompiledReply } from './script.js';
import { usageFor, type Usage } from './usage.js';

export interface TurnToolCall {
  /** `call_…`: what the model's next request refers to. */
  readonly callId: string;
  /** `fc_…`: the Responses API's output item id. */
  readonly itemId: string;
  readonly name: string;
  readonly arguments: string;
}

export interface Turn {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly content?: string;
  readonly toolCalls: readonly TurnToolCall[];
  readonly finishReason: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  readonly usage: Usage | null;
}

export function resolveTurn(reply: CompiledReply, request: ModelRequest, seq: number, now: number): Turn {
  const toolCalls = reply.toolCalls.map((call, i) => ({
    callId: call.id ?? `call_${seq}_${i}`,
    itemId: `fc_${seq}_${i}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
  }));
  return {
    id: String(seq),
    created: Math.floor(now / 1000),
    model: reply.model ?? request.model,
    ...(reply.content !== undefined && { content: reply.content }),
    toolCalls,
    finishReason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: usageFor(reply, request, toolCalls.map((c) => c.arguments)),
  };
}

/** Text as a model streams it: word by word, each piece with its leading spaces. */
export function textPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** Tool-call argument text in small pieces (whole code points), as models stream JSON. */
export function argumentPieces(text: string, size = 16): string[] {
  const points = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size).join(''));
  return out;
}
