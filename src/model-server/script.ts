/**
 * Loading a model script (YAML or JSON) in stages: parse keeping positions → check against the schema →
 * compile the patterns → freeze. Every problem is reported at once, each as file:line:col.
 */
import { relative, resolve } from 'node:path';
import { SpecDiagnostic } from '../spec/diagnostic.js';
import { SpecSource, formatFieldPath, type FieldPath } from '../spec/source.js';
import { validateDocument } from '../spec/validate.js';
import {
  ModelScriptSchema,
  type ModelScriptInput,
  type ScriptReply,
  type ScriptToolCall,
  type ScriptUsage,
} from './script-schema.js';

/** A pattern from the script: a regular expression, or (for model names) an exact string. */
export interface CompiledMatch {
  readonly api?: 'chat' | 'responses';
  readonly model?: string | RegExp;
  readonly message?: RegExp;
  readonly last_message?: RegExp;
  readonly tool?: string;
  readonly stream?: boolean;
}

/** One reply, ready to serve. */
export interface CompiledReply {
  /** 0-based position in the script. */
  readonly index: number;
  /** `name` if given, else `#N` (1-based). */
  readonly label: string;
  readonly match: CompiledMatch;
  /** How many requests it may answer; Infinity for `times: always`. */
  readonly times: number;
  readonly model?: string;
  readonly content?: string;
  readonly toolCalls: readonly ScriptToolCall[];
  readonly finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** Absent: estimated from the request and reply; null: the reply reports no usage at all. */
  readonly usage?: ScriptUsage | null;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly error?: { readonly message?: string; readonly type?: string; readonly code?: string | null };
  readonly delayMs: number;
  readonly chunkDelayMs: number;
  readonly cutAfterChunks?: number;
}

export interface ModelScript {
  /** Where it came from, as shown in messages. */
  readonly file: string;
  /** What `/v1/models` lists: `models`, else every model a reply names. */
  readonly models: readonly string[];
  readonly apiKey?: string;
  readonly replies: readonly CompiledReply[];
}

/** A script that cannot be served; `diagnostics` has every problem. */
export class ModelScriptError extends Error {
  readonly code = 'CODEX_FLEET_MODEL_SCRIPT_INVALID';
  constructor(readonly diagnostics: readonly SpecDiagnostic[]) {
    super(`Invalid model script:\n${diagnostics.map((d) => `  ${d.toString()}`).join('\n')}`);
    this.name = 'ModelScriptError';
  }
}

/** `/a.b/i` → RegExp; anything else is not a regex literal. */
function regexLiteral(text: string): { source: string; flags: string } | undefined {
  const m = /^\/(.*)\/([dgimsuvy]*)$/s.exec(text);
  return m ? { source: m[1] ?? '', flags: m[2] ?? '' } : undefined;
}

function compileRegex(source: SpecSource, path: FieldPath, text: string, diagnostics: SpecDiagnostic[]): RegExp | undefined {
  const literal = regexLiteral(text);
  try {
    // Matching is a yes/no test: drop the flags that make RegExp.test stateful.
    return literal ? new RegExp(literal.source, literal.flags.replace(/[gy]/g, '')) : new RegExp(text);
  } catch (error) {
    diagnostics.push(source.at(path, `"${formatFieldPath(path)}" is not a valid regular expression: ${(error as Error).message}`));
    return undefined;
  }
}

function compileReply(source: SpecSource, reply: ScriptReply, index: number, diagnostics: SpecDiagnostic[]): CompiledReply {
  const at = (...rest: (string | number)[]): FieldPath => ['replies', index, ...rest];
  // A pattern that failed to compile is left undefined; its diagnostic stops the script from loading.
  const match: { -readonly [K in keyof CompiledMatch]?: CompiledMatch[K] | undefined } = {};
  const m = reply.match ?? {};
  if (m.api) match.api = m.api;
  if (m.model !== undefined) {
    match.model = regexLiteral(m.model) ? compileRegex(source, at('match', 'model'), m.model, diagnostics) : m.model;
  }
  if (m.message !== undefined) match.message = compileRegex(source, at('match', 'message'), m.message, diagnostics);
  if (m.last_message !== undefined) {
    match.last_message = compileRegex(source, at('match', 'last_message'), m.last_message, diagnostics);
  }
  if (m.tool !== undefined) match.tool = m.tool;
  if (m.stream !== undefined) match.stream = m.stream;

  const status = reply.status ?? 200;
  if (status >= 300 && (reply.content !== undefined || reply.tool_calls !== undefined)) {
    diagnostics.push(source.at(at('status'), `"${formatFieldPath(at('status'))}" is ${status}, an error, but the reply also has "content" or "tool_calls": an error reply carries only "error" and "headers"`));
  }
  if (status < 300 && reply.error !== undefined) {
    diagnostics.push(source.at(at('error'), `"${formatFieldPath(at('error'))}" needs an error status: give the reply a "status" >= 400 (it is ${status})`));
  }
  for (const [i, call] of (reply.tool_calls ?? []).entries()) {
    if (typeof call.arguments !== 'string') continue;
    try {
      JSON.parse(call.arguments);
    } catch {
      diagnostics.push(source.at(at('tool_calls', i, 'arguments'), `"${formatFieldPath(at('tool_calls', i, 'arguments'))}" must be JSON text or a mapping`));
    }
  }
  const usage = reply.usage;
  if (usage && (usage.cached_input_tokens ?? 0) > usage.input_tokens) {
    diagnostics.push(source.at(at('usage', 'cached_input_tokens'), `"${formatFieldPath(at('usage', 'cached_input_tokens'))}" must not exceed "input_tokens" (${usage.input_tokens}): cached tokens are part of the input`));
  }
  if (usage && (usage.reasoning_tokens ?? 0) > usage.output_tokens) {
    diagnostics.push(source.at(at('usage', 'reasoning_tokens'), `"${formatFieldPath(at('usage', 'reasoning_tokens'))}" must not exceed "output_tokens" (${usage.output_tokens}): reasoning tokens are part of the output`));
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = String(value);

  return Object.freeze({
    index,
    label: reply.name ?? `#${index + 1}`,
    match: Object.freeze(match) as CompiledMatch,
    times: reply.times === 'always' ? Infinity : (reply.times ?? 1),
    ...(reply.model !== undefined && { model: reply.model }),
    ...(reply.content !== undefined && { content: reply.content }),
    toolCalls: Object.freeze([...(reply.tool_calls ?? [])]),
    ...(reply.finish_reason !== undefined && { finishReason: reply.finish_reason }),
    ...(reply.usage !== undefined && { usage: reply.usage }),
    status,
    headers: Object.freeze(headers),
    ...(reply.error !== undefined && { error: reply.error }),
    delayMs: reply.delay_ms ?? 0,
    chunkDelayMs: reply.chunk_delay_ms ?? 0,
    ...(reply.cut_after_chunks !== undefined && { cutAfterChunks: reply.cut_after_chunks }),
  });
}

function compile(source: SpecSource): ModelScript {
  const data = source.data();
  const diagnostics = validateDocument(source, data, ModelScriptSchema, {
    topFields: ['models', 'api_key', 'replies'],
    what: 'a mapping with "replies" (and optionally "models", "api_key")',
  });
  if (diagnostics.length > 0) throw new ModelScriptError(diagnostics);
  const input = data as ModelScriptInput;
  const replies = input.replies.map((reply, index) => compileReply(source, reply, index, diagnostics));
  if (diagnostics.length > 0) throw new ModelScriptError(diagnostics.sort((a, b) => a.line - b.line || a.col - b.col));
  const named = replies.flatMap((r) => [r.model, typeof r.match.model === 'string' ? r.match.model : undefined]);
  const models = input.models ?? [...new Set(named.filter((m): m is string => m !== undefined))];
  return Object.freeze({
    file: source.displayPath,
    models: Object.freeze([...models]),
    ...(input.api_key !== undefined && { apiKey: input.api_key }),
    replies: Object.freeze(replies),
  });
}

/** Reads and checks a script file. Throws {@link ModelScriptError} with every problem. */
export async function loadModelScript(path: string, cwd = process.cwd()): Promise<ModelScript> {
  const absolute = resolve(cwd, path);
  const rel = relative(cwd, absolute);
  const source = await SpecSource.read(absolute, rel.startsWith('..') || rel === '' ? absolute : rel);
  if (Array.isArray(source)) throw new ModelScriptError(source);
  return compile(source);
}

/** Checks a script given as data (tests write them inline). Throws {@link ModelScriptError}. */
export function modelScriptFrom(input: ModelScriptInput | Record<string, unknown>, name = '<inline script>'): ModelScript {
  const source = SpecSource.parse(JSON.stringify(input, null, 2), name, name);
  if (Array.isArray(source)) throw new ModelScriptError(source);
  return compile(source);
}
