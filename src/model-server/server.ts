/**
 * A local OpenAI-compatible HTTP server that answers from a script of recorded replies:
 * `/v1/chat/completions`, `/v1/responses` (streaming or not) and `/v1/models`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chatChunks, chatCompletion } from './chat.js';
import { errorBody, scriptedError, type ApiError } from './errors.js';
import { RequestLog, type LoggedRequest, type Outcome } from './log.js';
import { ReplyPicker } from './match.js';
import { BadRequest, readRequest, type Api, type ModelRequest } from './request.js';
import { responseBody, responseEvents } from './responses.js';
import { loadModelScript, modelScriptFrom, type CompiledReply, type ModelScript } from './script.js';
import type { ModelScriptInput } from './script-schema.js';
import { encodeSse, type SseEvent } from './sse.js';
import { resolveTurn } from './turn.js';
import type { Usage } from './usage.js';

export interface ModelServerOptions {
  /** A script file (YAML or JSON), a script as data, or one already loaded. */
  readonly script: string | ModelScriptInput | ModelScript;
  /** Default 0: any free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Where to write one JSON line per request (the file is emptied at start). */
  readonly logFile?: string;
  /** Relative script paths are resolved from here. Default: process.cwd(). */
  readonly cwd?: string;
}

export interface ModelServer {
  /** The base URL to give an OpenAI client, `/v1` included, e.g. `http://127.0.0.1:43121/v1`. */
  readonly url: string;
  readonly port: number;
  readonly script: ModelScript;
  /** Every request answered so far, with the usage it was sent. */
  requests(): LoggedRequest[];
  /** Labels of replies that have not answered any request yet (a test can assert its script was used up). */
  unusedReplies(): string[];
  /** Stops listening and drops open connections (requests in flight end as "aborted"). */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

function isLoaded(script: ModelServerOptions['script']): script is ModelScript {
  return typeof script === 'object' && 'file' in script && Array.isArray((script as ModelScript).replies) && 'models' in script;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Resolves after `ms`, or early (false) when the client goes away. */
function wait(ms: number, res: ServerResponse): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!res.destroyed);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

class Exchange {
  api: Api | null = null;
  model: string | null = null;
  stream = false;
  reply: CompiledReply | null = null;
  body: unknown = null;
  private readonly time = new Date().toISOString();

  constructor(
    readonly seq: number,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly log: RequestLog,
  ) {}

  record(status: number, outcome: Outcome, fields: { usage?: Usage | null; events?: number; error?: string } = {}): void {
    const entry: LoggedRequest = {
      seq: this.seq,
      time: this.time,
      method: this.req.method ?? '',
      path: (this.req.url ?? '').split('?')[0] ?? '',
      api: this.api,
      model: this.model,
      stream: this.stream,
      reply: this.reply?.label ?? null,
      reply_index: this.reply?.index ?? null,
      status,
      outcome,
      usage: fields.usage ?? null,
      events: fields.events ?? null,
      error: fields.error ?? null,
      body: this.body,
    };
    this.log.add(entry);
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { 'x-request-id': `req_${this.seq}`, 'openai-processing-ms': '1', ...extra };
  }

  sendJson(status: number, body: unknown, extra: Record<string, string> = {}): void {
    this.res.writeHead(status, this.headers({ 'content-type': 'application/json', ...extra }));
    this.res.end(JSON.stringify(body));
  }

  fail(status: number, outcome: Outcome, error: ApiError, extra: Record<string, string> = {}): void {
    this.record(status, outcome, { error: error.message });
    this.sendJson(status, errorBody(error), extra);
  }
}

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const script = isLoaded(options.script)
    ? options.script
    : typeof options.script === 'string'
      ? await loadModelScript(options.script, options.cwd)
      : modelScriptFrom(options.script);
  const log = new RequestLog(options.logFile);
  const picker = new ReplyPicker(script);
  let seq = 0;

  async function serveTurn(x: Exchange, request: ModelRequest, reply: CompiledReply): Promise<void> {
    const turn = resolveTurn(reply, request, x.seq, Date.now());
    if (!request.stream) {
      const body = request.api === 'chat' ? chatCompletion(turn) : responseBody(turn, request);
      x.record(reply.status, 'ok', { usage: turn.usage });
      x.sendJson(reply.status, body, reply.headers);
      return;
    }
    const events: SseEvent[] = request.api === 'chat' ? chatChunks(turn, request) : responseEvents(turn, request);
    // The event that carries usage: chat's usage chunk (only when asked for), or responses' last event.
    const usageAt =
      turn.usage === null
        ? -1
        : request.api === 'chat'
          ? request.includeUsage
            ? events.length - 2
            : -1
          : events.length - 1;
    const limit = Math.min(events.length, reply.cutAfterChunks ?? Infinity);
    const cut = limit < events.length;
    x.res.writeHead(reply.status, x.headers({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...reply.headers }));
    x.res.flushHeaders();
    for (let i = 0; i < limit; i++) {
      if (i > 0 && !(await wait(reply.chunkDelayMs, x.res))) {
        x.record(reply.status, 'aborted', { usage: usageAt >= 0 && usageAt < i ? turn.usage : null, events: i });
        return;
      }
      if (i === limit - 1) {
        // Record before the last byte leaves, so a client holding the whole reply can read the log.
        const sent = usageAt >= 0 && usageAt <= i;
        x.record(reply.status, cut ? 'cut' : 'ok', { usage: sent ? turn.usage : null, events: limit });
      }
      const written = new Promise<void>((resolve) => x.res.write(encodeSse(events[i] as SseEvent), () => resolve()));
      // A cut must not discard what was already written: let the last event reach the socket first.
      if (cut && i === limit - 1) await written;
    }
    if (cut) x.res.destroy();
    else x.res.end();
  }

  async function handle(x: Exchange): Promise<void> {
    const { req } = x;
    const path = (req.url ?? '').split('?')[0] ?? '';
    let text: string;
    try {
      text = await readBody(req);
    } catch (error) {
      x.fail(400, 'bad_request', { message: (error as Error).message, type: 'invalid_request_error', param: null, code: null });
      return;
    }
    if (text !== '') {
      try {
        x.body = JSON.parse(text);
      } catch {
        x.body = text;
      }
    }
    if (script.apiKey !== undefined && req.headers.authorization !== `Bearer ${script.apiKey}`) {
      x.fail(401, 'unauthorized', {
        message: 'Incorrect API key provided: the script requires the key in its "api_key".',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      });
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      x.record(200, 'ok');
      x.sendJson(200, { object: 'list', data: script.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'codex-fleet' })) });
      return;
    }
    const modelPath = /^\/v1\/models\/(.+)$/.exec(path);
    if (req.method === 'GET' && modelPath) {
      const id = decodeURIComponent(modelPath[1] ?? '');
      if (!script.models.includes(id)) {
        x.fail(404, 'not_found', { message: `The model '${id}' does not exist (not in ${script.file}).`, type: 'invalid_request_error', param: null, code: 'model_not_found' });
        return;
      }
      x.record(200, 'ok');
      x.sendJson(200, { id, object: 'model', created: 0, owned_by: 'codex-fleet' });
      return;
    }
    const api: Api | undefined =
      req.method === 'POST' && path === '/v1/chat/completions' ? 'chat' : req.method === 'POST' && path === '/v1/responses' ? 'responses' : undefined;
    if (!api) {
      x.fail(404, 'not_found', {
        message: `Unknown request URL: ${req.method ?? ''} ${path}. This server answers POST /v1/chat/completions, POST /v1/responses and GET /v1/models.`,
        type: 'invalid_request_error',
        param: null,
        code: 'unknown_url',
      });
      return;
    }
    x.api = api;
    let request: ModelRequest;
    try {
      if (typeof x.body === 'string') throw new BadRequest('The request body is not valid JSON.');
      request = readRequest(api, x.body);
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      x.fail(400, 'bad_request', { message: error.message, type: 'invalid_request_error', param: error.param, code: null });
      return;
    }
    x.model = request.model;
    x.stream = request.stream;
    const picked = picker.pick(request);
    if ('unmatched' in picked) {
      x.fail(400, 'unmatched', { message: picked.unmatched, type: 'invalid_request_error', param: null, code: 'no_matching_reply' });
      return;
    }
    const reply = picked.reply;
    x.reply = reply;
    if (!(await wait(reply.delayMs, x.res))) {
      x.record(0, 'aborted');
      return;
    }
    if (reply.status >= 400) {
      const error = scriptedError(reply.status, reply.label, reply.error);
      x.record(reply.status, 'error', { error: error.message });
      x.sendJson(reply.status, errorBody(error), reply.headers);
      return;
    }
    await serveTurn(x, request, reply);
  }

  const server = createServer((req, res) => {
    const x = new Exchange(++seq, req, res, log);
    handle(x).catch((error: unknown) => {
      // A bug here must not take the server down: answer 500 if we still can.
      if (!res.headersSent) {
        x.fail(500, 'error', { message: `Model server bug: ${(error as Error).message}`, type: 'server_error', param: null, code: null });
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/v1`,
    port: address.port,
    script,
    requests: () => log.all(),
    unusedReplies: () => picker.unused(),
    close: () => (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
