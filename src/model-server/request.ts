/**
 * An incoming request, reduced to what scripts match on: the API, the model, whether it streams, the text
 * of every message and the names of the tools it offers. Both APIs' request shapes map onto this one.
 */

export type Api = 'chat' | 'responses';

export interface ModelRequest {
  readonly api: Api;
  readonly model: string;
  readonly stream: boolean;
  /** Chat only: `stream_options.include_usage`. */
  readonly includeUsage: boolean;
  /** The text of each message (system/instructions included), tool calls' arguments and tool results too. */
  readonly texts: readonly string[];
  readonly tools: readonly string[];
  /** The body as received. */
  readonly body: Record<string, unknown>;
}

/** A request the server cannot read; answered with HTTP 400 in OpenAI's error shape. */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'BadRequest';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Text of a content value: a string, or a list of parts with `text` (or a tool result's `output`). */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (isRecord(part) ? (typeof part['text'] === 'string' ? part['text'] : typeof part['refusal'] === 'string' ? part['refusal'] : '') : ''))
    .filter((text) => text !== '')
    .join('\n');
}

function chatMessageText(message: Record<string, unknown>): string {
  const parts = [contentText(message['content'])];
  const calls = message['tool_calls'];
  if (Array.isArray(calls)) {
    for (const call of calls) {
      const fn = isRecord(call) && isRecord(call['function']) ? call['function'] : undefined;
      if (fn && typeof fn['arguments'] === 'string') parts.push(fn['arguments']);
    }
  }
  return parts.filter((p) => p !== '').join('\n');
}

function responsesItemText(item: unknown): string {
  if (typeof item === 'string') return item;
  if (!isRecord(item)) return '';
  if (item['type'] === 'function_call') return typeof item['arguments'] === 'string' ? item['arguments'] : '';
  if (item['type'] === 'function_call_output') return contentText(item['output']);
  return contentText(item['content']);
}

function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((tool) => {
    if (!isRecord(tool)) return [];
    if (typeof tool['name'] === 'string') return [tool['name']];
    const fn = tool['function'];
    return isRecord(fn) && typeof fn['name'] === 'string' ? [fn['name']] : [];
  });
}

/** Reads a request body for `api`; throws {@link BadRequest} naming the field that is wrong. */
export function readRequest(api: Api, body: unknown): ModelRequest {
  if (!isRecord(body)) throw new BadRequest('The request body must be a JSON object.');
  const model = body['model'];
  if (typeof model !== 'string' || model === '') throw new BadRequest("Missing required parameter: 'model'.", 'model');
  const stream = body['stream'] === true;
  let texts: string[];
  if (api === 'chat') {
    const messages = body['messages'];
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new BadRequest("'messages' must be a non-empty array of messages.", 'messages');
    }
    texts = messages.map((m) => (isRecord(m) ? chatMessageText(m) : ''));
  } else {
    const input = body['input'];
    if (typeof input !== 'string' && !Array.isArray(input)) {
      throw new BadRequest("'input' must be a string or an array of input items.", 'input');
    }
    const instructions = typeof body['instructions'] === 'string' ? [body['instructions']] : [];
    texts = [...instructions, ...(typeof input === 'string' ? [input] : input.map(responsesItemText))];
  }
  const options = body['stream_options'];
  return {
    api,
    model,
    stream,
    includeUsage: api === 'chat' && stream && isRecord(options) && options['include_usage'] === true,
    texts,
    tools: toolNames(body['tools']),
    body,
  };
}
