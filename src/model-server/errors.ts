/** Error bodies in the OpenAI APIs' shape: `{ "error": { message, type, param, code } }`. */

export interface ApiError {
  readonly message: string;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
}

export function errorBody(error: ApiError): { error: ApiError } {
  return { error };
}

/** The error a scripted reply with status >= 400 sends when the script does not spell it out. */
export function scriptedError(status: number, label: string, given?: { message?: string; type?: string; code?: string | null }): ApiError {
  const fallback: Omit<ApiError, 'param'> =
    status === 429
      ? { message: `Rate limit reached (scripted reply ${label}).`, type: 'requests', code: 'rate_limit_exceeded' }
      : status >= 500
        ? { message: `The server had an error while processing your request (scripted reply ${label}).`, type: 'server_error', code: null }
        : { message: `Scripted error ${status} (reply ${label}).`, type: 'invalid_request_error', code: null };
  return {
    message: given?.message ?? fallback.message,
    type: given?.type ?? fallback.type,
    param: null,
    code: given?.code !== undefined ? given.code : fallback.code,
  };
}
