/**
 * The JSON-RPC 2.0 envelope: request, notification, response and error objects, as schemas and types.
 *
 * codex fleet narrows the specification in one place: a request's `id` is a string or an integer (the
 * specification also allows `null` and fractions, which it discourages); a request with another id is
 * an invalid request.
 *
 * @example
 * ```ts
 * import type { JsonRpcRequest } from './jsonrpc.js';
 * const req: JsonRpcRequest = { jsonrpc: '2.0', id: 1, method: 'ping', params: {} };
 * ```
 */
import { Type, type Static } from '@sinclair/typebox';

/** A request id. */
export const RequestIdSchema = Type.Union([Type.String(), Type.Integer()], {
  title: 'Request id',
  description: 'A string or an integer, chosen by the sender, unique among its requests in flight.',
});
export type RequestId = Static<typeof RequestIdSchema>;

const Params = Type.Union([Type.Array(Type.Unknown()), Type.Object({}, { additionalProperties: true })], {
  description: 'Named (object) or positional (array) params. codex fleet methods all take named params.',
});

export const JsonRpcRequestSchema = Type.Object(
  {
    jsonrpc: Type.Literal('2.0'),
    id: RequestIdSchema,
    method: Type.String(),
    params: Type.Optional(Params),
  },
  { title: 'Request', additionalProperties: false },
);
export type JsonRpcRequest = Static<typeof JsonRpcRequestSchema>;

export const JsonRpcNotificationSchema = Type.Object(
  {
    jsonrpc: Type.Literal('2.0'),
    method: Type.String(),
    params: Type.Optional(Params),
  },
  { title: 'Notification', additionalProperties: false },
);
export type JsonRpcNotification = Static<typeof JsonRpcNotificationSchema>;

export const JsonRpcErrorObjectSchema = Type.Object(
  {
    code: Type.Integer(),
    message: Type.String(),
    data: Type.Optional(Type.Unknown()),
  },
  { title: 'Error object', additionalProperties: false },
);
export type JsonRpcErrorObject = Static<typeof JsonRpcErrorObjectSchema>;

export const JsonRpcSuccessSchema = Type.Object(
  {
    jsonrpc: Type.Literal('2.0'),
    id: RequestIdSchema,
    result: Type.Unknown(),
  },
  { title: 'Success response', additionalProperties: false, required: ['jsonrpc', 'id', 'result'] },
);
export type JsonRpcSuccess = { jsonrpc: '2.0'; id: RequestId; result: unknown };

export const JsonRpcFailureSchema = Type.Object(
  {
    jsonrpc: Type.Literal('2.0'),
    id: Type.Union([RequestIdSchema, Type.Null()]),
    error: JsonRpcErrorObjectSchema,
  },
  { title: 'Error response', additionalProperties: false },
);
export type JsonRpcFailure = Static<typeof JsonRpcFailureSchema>;

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/** Any single message. */
export const JsonRpcMessageSchema = Type.Union(
  [JsonRpcRequestSchema, JsonRpcNotificationSchema, JsonRpcSuccessSchema, JsonRpcFailureSchema],
  { title: 'Message' },
);

/** One line of the wire: a message or a non-empty batch of messages. */
export const JsonRpcLineSchema = Type.Union(
  [JsonRpcMessageSchema, Type.Array(JsonRpcMessageSchema, { minItems: 1 })],
  { title: 'Line', description: 'One line: a single message, or a non-empty array of messages (a batch).' },
);
