/**
 * The local ModelGateway: the official `openai` SDK (major 6), one client per provider. The SDK does the
 * retries: on 429, 408, 409, 5xx and connection failures, up to `maxRetries` times, waiting what the
 * provider's `retry-after` / `retry-after-ms` says, else an exponential backoff with jitter. A stream is
 * never retried once it has begun (its tokens may already be billed).
 */
import OpenAI from 'openai';
import { ChatStreamAccumulator, chatBody, fromChatCompletion } from './chat-api.js';
import { fromResponse, responsesBody } from './responses-api.js';
import { GatewayError, type CallOptions, type GatewayReply, type GatewayRequest, type ModelGateway, type Provider } from './types.js';
import { unseenInput } from './unseen-input.js';

/** Default retries per call (so at most 4 attempts). */
export const DEFAULT_MAX_RETRIES = 3;
/** Default time per attempt. */
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export interface OpenAiGatewayOptions {
  /** Testing or embedding: the `fetch` the SDK uses. */
  readonly fetch?: typeof fetch;
}

export class OpenAiGateway implements ModelGateway {
  /**
   * One SDK client (and so one pool of kept-alive connections) per provider, keyed by what the client is
   * made of: callers build a fresh Provider object for every call, and a client per call would cost its
   * construction and a new connection each time, and would never be freed.
   */
  private readonly clients = new Map<string, OpenAI>();

  constructor(private readonly options: OpenAiGatewayOptions = {}) {}

  /** How many SDK clients the gateway holds: one per distinct provider settings. */
  get clientCount(): number {
    return this.clients.size;
  }

  private client(provider: Provider): OpenAI {
    const key = JSON.stringify([provider.name, provider.api, provider.baseURL, provider.apiKey, provider.maxRetries, provider.timeoutMs]);
    let client = this.clients.get(key);
    if (!client) {
      client = new OpenAI({
        // A local server needs no key; the SDK insists on one, so say so plainly.
        apiKey: provider.apiKey ?? 'no-key-configured',
        ...(provider.baseURL === undefined ? {} : { baseURL: provider.baseURL }),
        maxRetries: provider.maxRetries ?? DEFAULT_MAX_RETRIES,
        timeout: provider.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        ...(this.options.fetch === undefined ? {} : { fetch: this.options.fetch }),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  async complete(request: GatewayRequest, options: CallOptions = {}): Promise<GatewayReply> {
    const client = this.client(request.provider);
    const requestOptions = options.signal === undefined ? {} : { signal: options.signal };
    let began = false;
    try {
      if (request.provider.api === 'chat') {
        const body = chatBody(request);
        refuseUnseen(body as unknown as Record<string, unknown>);
        if (!request.stream) return fromChatCompletion(await client.chat.completions.create(body, requestOptions), request.model);
        const stream = await client.chat.completions.create(
          { ...body, stream: true, stream_options: { include_usage: true } },
          requestOptions,
        );
        began = true;
        const acc = new ChatStreamAccumulator(options.onDelta);
        for await (const chunk of stream) acc.push(chunk);
        if (!acc.finished) throw new GatewayError('the stream ended before the reply was complete', 'unknown');
        return acc.reply(request.model);
      }
      const body = responsesBody(request);
      refuseUnseen(body as unknown as Record<string, unknown>);
      if (!request.stream) return fromResponse(await client.responses.create(body, requestOptions), request.model);
      const stream = await client.responses.create({ ...body, stream: true }, requestOptions);
      began = true;
      for await (const event of stream) {
        if (event.type === 'response.output_text.delta') options.onDelta?.(event.delta);
        else if (event.type === 'response.completed' || event.type === 'response.incomplete') return fromResponse(event.response, request.model);
        else if (event.type === 'response.failed') {
          throw new GatewayError(`the provider failed the response: ${event.response.error?.message ?? 'no reason given'}`, 'unknown');
        } else if (event.type === 'error') throw new GatewayError(`the provider reported an error: ${event.message}`, 'unknown');
      }
      throw new GatewayError('the stream ended before the reply was complete', 'unknown');
    } catch (error) {
      throw toGatewayError(error, began);
    }
  }
}

function refuseUnseen(body: Record<string, unknown>): void {
  const why = unseenInput(body);
  if (why !== undefined) throw new GatewayError(`Refused to send the request: ${why}`, 'none');
}

function toGatewayError(error: unknown, began: boolean): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof OpenAI.APIUserAbortError) return new GatewayError('the call was cancelled', 'unknown', undefined, { cause: error });
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new GatewayError('the provider did not answer in time', 'unknown', undefined, { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    // Refused or unresolvable: the request never reached the provider. Anything else (a reset) may have
    // been served.
    const unreached = !began && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(causeText(error));
    return new GatewayError(`cannot reach the provider: ${causeText(error)}`, unreached ? 'none' : 'unknown', undefined, { cause: error });
  }
  if (error instanceof OpenAI.APIError && error.status !== undefined && !began) {
    return new GatewayError(`the provider answered HTTP ${error.status}: ${error.message}`, 'none', error.status, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GatewayError(began ? `the stream broke off: ${message}` : message, began ? 'unknown' : 'none', undefined, { cause: error });
}

function causeText(error: Error): string {
  let cause = error.cause as { code?: string; message?: string; cause?: unknown } | undefined;
  while (cause?.cause !== undefined && cause.code === undefined) cause = cause.cause as typeof cause;
  return cause?.code ?? cause?.message ?? error.message;
}
