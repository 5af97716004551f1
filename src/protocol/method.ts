/**
 * Methods as typed values: a method's name, direction, params schema and result schema travel together,
 * so a handler and its caller cannot disagree.
 *
 * @example
 * ```ts
 * import { Type } from '@sinclair/typebox';
 * import { defineRequest, type ParamsOf, type ResultOf } from './method.js';
 * const Add = defineRequest({
 *   method: 'math/add',
 *   direction: 'worker-to-supervisor',
 *   description: 'Adds two numbers.',
 *   params: Type.Object({ a: Type.Number(), b: Type.Number() }),
 *   result: Type.Number(),
 * });
 * const p: ParamsOf<typeof Add> = { a: 1, b: 2 };
 * const r: ResultOf<typeof Add> = 3;
 * ```
 */
import type { Static, TSchema } from '@sinclair/typebox';

/**
 * Who sends a method: on the worker protocol the supervisor, the worker, or either peer; on the control
 * API (src/control) a client or the supervisor.
 */
export type Direction =
  | 'supervisor-to-worker'
  | 'worker-to-supervisor'
  | 'both'
  | 'client-to-supervisor'
  | 'supervisor-to-client';

/**
 * A notification tied to a request: its params carry `request_id`, the id of a request still in flight
 * (the `stream` primitive). The receiver delivers it to that request's caller, in order, before
 * the request's response.
 */
export interface NotificationType<M extends string = string, P extends TSchema = TSchema> {
  readonly kind: 'notification';
  readonly method: M;
  readonly direction: Direction;
  readonly description: string;
  readonly params: P;
  /** True when the params carry `request_id` and belong to that request's stream. */
  readonly stream: boolean;
}

/** A request: its response carries either a `result` matching {@link RequestType.result} or an error. */
export interface RequestType<M extends string = string, P extends TSchema = TSchema, R extends TSchema = TSchema> {
  readonly kind: 'request';
  readonly method: M;
  readonly direction: Direction;
  readonly description: string;
  readonly params: P;
  readonly result: R;
  /** Stream notifications the receiver may send while handling this request. */
  readonly streams: readonly NotificationType[];
  /** Error codes (beyond the standard ones) this request may be answered with. */
  readonly errors: readonly number[];
}

/** Any method. */
export type MethodType = RequestType | NotificationType;

/** The params type of a request or notification. */
export type ParamsOf<T extends MethodType> = Static<T['params']>;
/** The result type of a request. */
export type ResultOf<T extends RequestType> = Static<T['result']>;
/** The params of a stream notification as its sender writes them (without `request_id`). */
export type StreamParamsOf<T extends NotificationType> = Omit<Static<T['params']>, 'request_id'>;

/**
 * Declares a request type.
 *
 * @example
 * ```ts
 * const Ping = defineRequest({ method: 'ping', direction: 'both', description: 'Liveness.',
 *   params: Type.Object({}), result: Type.Object({}) });
 * ```
 */
export function defineRequest<M extends string, P extends TSchema, R extends TSchema>(def: {
  method: M;
  direction: Direction;
  description: string;
  params: P;
  result: R;
  streams?: readonly NotificationType[];
  errors?: readonly number[];
}): RequestType<M, P, R> {
  return Object.freeze({
    kind: 'request',
    method: def.method,
    direction: def.direction,
    description: def.description,
    params: def.params,
    result: def.result,
    streams: Object.freeze([...(def.streams ?? [])]),
    errors: Object.freeze([...(def.errors ?? [])]),
  });
}

/**
 * Declares a notification type. Pass `stream: true` when its params carry `request_id`.
 *
 * @example
 * ```ts
 * const Tick = defineNotification({ method: 'tick', direction: 'both', description: 'A tick.',
 *   params: Type.Object({ n: Type.Integer() }) });
 * ```
 */
export function defineNotification<M extends string, P extends TSchema>(def: {
  method: M;
  direction: Direction;
  description: string;
  params: P;
  stream?: boolean;
}): NotificationType<M, P> {
  return Object.freeze({
    kind: 'notification',
    method: def.method,
    direction: def.direction,
    description: def.description,
    params: def.params,
    stream: def.stream ?? false,
  });
}
