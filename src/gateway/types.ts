/**
 * The model gateway's interface: one call in the protocol's shape (`model/complete`), answered in the
 * protocol's shape, whatever API the provider speaks. The supervisor reaches providers only through
 * {@link ModelGateway}; the local implementation is the `openai` SDK (openai-gateway.ts).
 */
import type { ChatMessage, ResponseFormat, Tool, ToolCall, ToolChoice } from '../protocol/services.js';

/** Which OpenAI API a provider speaks. Local servers (Ollama, vLLM, llama.cpp) speak `chat`. */
export type ProviderApi = 'responses' | 'chat';

export interface Provider {
  readonly name: string;
  readonly api: ProviderApi;
  /** Default: the SDK's (`OPENAI_BASE_URL`, else api.openai.com). */
  readonly baseURL?: string;
  /** The key itself (read by the supervisor from the environment variable the config names). */
  readonly apiKey?: string;
  /** Retries on 429, 5xx and connection failures, each after the provider's `retry-after` or a backoff. */
  readonly maxRetries?: number;
  /** Per attempt, ms. */
  readonly timeoutMs?: number;
}

export interface GatewayRequest {
  readonly provider: Provider;
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  /** Always sent, under the parameter the API and model take, so the provider cannot exceed it. */
  readonly maxOutputTokens: number;
  readonly temperature?: number;
  readonly stop?: readonly string[];
  readonly tools?: readonly Tool[];
  readonly toolChoice?: ToolChoice;
  readonly responseFormat?: ResponseFormat;
  readonly stream: boolean;
}

export interface GatewayUsage {
  readonly input_tokens: number;
  readonly cached_input_tokens: number;
  readonly output_tokens: number;
  readonly reasoning_tokens: number;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';

export interface GatewayReply {
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly toolCalls: readonly ToolCall[];
  readonly model: string;
  /** What the provider reported; undefined when it reported nothing (a server that never sends usage). */
  readonly usage: GatewayUsage | undefined;
}

export interface CallOptions {
  /** Aborts the HTTP request (task cancelled, worker gone). */
  readonly signal?: AbortSignal;
  /** Streamed text, in order. */
  readonly onDelta?: (text: string) => void;
}

/**
 * Why a call failed. `charged` says what the ledger must do with its reservation: `none` when the
 * provider refused the request before doing any work (an HTTP error status), `unknown` when the request
 * may have been served but no usage came back (a cut stream, an abort, a lost connection): then the
 * whole reservation stays charged.
 */
export class GatewayError extends Error {
  readonly code = 'GATEWAY_ERROR';
  constructor(
    message: string,
    readonly charged: 'none' | 'unknown',
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
  }
}

export interface ModelGateway {
  complete(request: GatewayRequest, options?: CallOptions): Promise<GatewayReply>;
}
