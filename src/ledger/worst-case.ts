/**
 * The input side of a model call's worst case, the amount the ledger reserves before the call is sent.
 *
 * Input: a tokenizer's count is an estimate, not a bound, so the bound is the UTF-8 size of everything
 * sent (messages, tool calls, tool definitions, the output schema): every token a byte-level BPE
 * tokenizer makes covers at least one byte. On top of that, a fixed allowance per message and per
 * request for the role markers and separators the provider's chat template adds.
 * Output: the output limit, which the gateway always sends, so the provider cannot exceed it. The price
 * module turns the two bounds into money (`worstCaseMicroUsd`: no cache discount, the dearest rate).
 *
 * @example
 * ```ts
 * inputTokenBound({ messages: [{ role: 'user', content: 'Hi' }] }); // 2 + 1*16 + 64
 * ```
 */
import type { ModelCompleteParams } from '../protocol/services.js';

/** Tokens the chat template may add per message (role markers, separators, a tool call's framing). */
export const PER_MESSAGE_OVERHEAD_TOKENS = 16;
/** Tokens the template may add per request (priming, the tool and schema preambles). */
export const PER_REQUEST_OVERHEAD_TOKENS = 64;

type Sent = Pick<ModelCompleteParams, 'messages' | 'tools' | 'tool_choice' | 'response_format' | 'stop'>;

/** An upper bound on the input tokens of a request. */
export function inputTokenBound(request: Sent): number {
  let bytes = 0;
  let items = 0;
  for (const message of request.messages) {
    bytes += Buffer.byteLength(JSON.stringify(message), 'utf8');
    items += 1 + ('tool_calls' in message && message.tool_calls ? message.tool_calls.length : 0);
  }
  for (const tool of request.tools ?? []) {
    bytes += Buffer.byteLength(JSON.stringify(tool), 'utf8');
    items += 1;
  }
  if (request.tool_choice !== undefined) bytes += Buffer.byteLength(JSON.stringify(request.tool_choice), 'utf8');
  if (request.response_format !== undefined) bytes += Buffer.byteLength(JSON.stringify(request.response_format), 'utf8');
  return bytes + items * PER_MESSAGE_OVERHEAD_TOKENS + PER_REQUEST_OVERHEAD_TOKENS;
}
