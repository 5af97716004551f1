/**
 * The model server's script: the recorded replies it serves, as a TypeBox schema (one source for the
 * type and the validation). docs/model-server.md describes every field.
 */
import { Type, type Static } from '@sinclair/typebox';

/** The phrase an error message uses for a field ("must be a whole number >= 0"). */
const expected = (phrase: string): { 'x-expected': string } => ({ 'x-expected': phrase });

const Count = (description: string) => Type.Integer({ minimum: 0, description, ...expected('a whole number >= 0') });

export const ScriptUsageSchema = Type.Object(
  {
    input_tokens: Count('Input tokens, cached ones included.'),
    cached_input_tokens: Type.Optional(Count('Of the input tokens, how many were read from the cache.')),
    output_tokens: Count('Output tokens, reasoning ones included.'),
    reasoning_tokens: Type.Optional(Count('Of the output tokens, how many were reasoning.')),
  },
  { additionalProperties: false },
);

export const ScriptMatchSchema = Type.Object(
  {
    api: Type.Optional(Type.Union([Type.Literal('chat'), Type.Literal('responses')], expected('"chat" or "responses"'))),
    model: Type.Optional(Type.String({ minLength: 1, description: 'Exact model name, or /regex/flags.' })),
    message: Type.Optional(Type.String({ description: 'Regex that must match the text of some message.' })),
    last_message: Type.Optional(Type.String({ description: 'Regex that must match the text of the last message.' })),
    tool: Type.Optional(Type.String({ minLength: 1, description: 'Name of a tool the request must offer.' })),
    stream: Type.Optional(Type.Boolean(expected('true or false'))),
  },
  { additionalProperties: false },
);

export const ScriptToolCallSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1 })),
    name: Type.String({ minLength: 1 }),
    arguments: Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown())]),
  },
  { additionalProperties: false },
);

export const ScriptErrorSchema = Type.Object(
  {
    message: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    code: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: false },
);

export const ScriptReplySchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1 })),
    match: Type.Optional(ScriptMatchSchema),
    times: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('always')], expected('a whole number >= 1 or "always"')),
    ),
    model: Type.Optional(Type.String({ minLength: 1 })),
    content: Type.Optional(Type.String()),
    tool_calls: Type.Optional(Type.Array(ScriptToolCallSchema)),
    finish_reason: Type.Optional(
      Type.Union(
        [Type.Literal('stop'), Type.Literal('length'), Type.Literal('tool_calls'), Type.Literal('content_filter')],
        expected('one of "stop", "length", "tool_calls", "content_filter"'),
      ),
    ),
    usage: Type.Optional(Type.Union([ScriptUsageSchema, Type.Null()])),
    status: Type.Optional(Type.Integer({ minimum: 200, maximum: 599, ...expected('an HTTP status from 200 to 599') })),
    headers: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Union([Type.String(), Type.Number()]))),
    error: Type.Optional(ScriptErrorSchema),
    delay_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, ...expected('a whole number of milliseconds from 0 to 600000') })),
    chunk_delay_ms: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 60_000, ...expected('a whole number of milliseconds from 0 to 60000') }),
    ),
    cut_after_chunks: Type.Optional(Type.Integer({ minimum: 0, ...expected('a whole number >= 0') })),
  },
  { additionalProperties: false },
);

export const ModelScriptSchema = Type.Object(
  {
    models: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    api_key: Type.Optional(Type.String({ minLength: 1 })),
    replies: Type.Array(ScriptReplySchema, expected('a list of replies')),
  },
  { additionalProperties: false },
);

export type ScriptUsage = Static<typeof ScriptUsageSchema>;
export type ScriptMatch = Static<typeof ScriptMatchSchema>;
export type ScriptToolCall = Static<typeof ScriptToolCallSchema>;
export type ScriptReply = Static<typeof ScriptReplySchema>;
/** A script as written (YAML or JSON), before it is checked. */
export type ModelScriptInput = Static<typeof ModelScriptSchema>;
