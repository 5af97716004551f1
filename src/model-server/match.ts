/**
 * Choosing the reply for a request: the first reply in script order that still has uses left and whose
 * every `match` condition holds. A reply without conditions matches anything, so unconditioned replies
 * are served in order.
 */
import type { ModelRequest } from './request.js';
import type { CompiledReply, ModelScript } from './script.js';

const quote = (text: string, max = 80): string => JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);

/** Why `reply` does not answer `request`, or undefined when it does. */
export function mismatch(reply: CompiledReply, request: ModelRequest): string | undefined {
  const m = reply.match;
  if (m.api !== undefined && m.api !== request.api) return `needs the ${m.api} API`;
  if (m.stream !== undefined && m.stream !== request.stream) return m.stream ? 'needs a streaming request' : 'needs a non-streaming request';
  if (m.model !== undefined) {
    const ok = typeof m.model === 'string' ? m.model === request.model : m.model.test(request.model);
    if (!ok) return `needs model ${typeof m.model === 'string' ? quote(m.model) : String(m.model)}`;
  }
  if (m.tool !== undefined && !request.tools.includes(m.tool)) return `needs the tool ${quote(m.tool)} offered`;
  if (m.message !== undefined && !request.texts.some((text) => m.message?.test(text))) {
    return `needs a message matching ${String(m.message)}`;
  }
  if (m.last_message !== undefined && !m.last_message.test(request.texts[request.texts.length - 1] ?? '')) {
    return `needs the last message to match ${String(m.last_message)}`;
  }
  return undefined;
}

/** Picks replies for requests, counting how often each has been used. */
export class ReplyPicker {
  private readonly used: number[];

  constructor(private readonly script: ModelScript) {
    this.used = script.replies.map(() => 0);
  }

  /** The reply for `request` (its use counted), or a message saying why no reply fits. */
  pick(request: ModelRequest): { reply: CompiledReply } | { unmatched: string } {
    for (const reply of this.script.replies) {
      if ((this.used[reply.index] ?? 0) >= reply.times) continue;
      if (mismatch(reply, request) === undefined) {
        this.used[reply.index] = (this.used[reply.index] ?? 0) + 1;
        return { reply };
      }
    }
    return { unmatched: this.explain(request) };
  }

  /** Replies that have not answered any request yet, by label. */
  unused(): string[] {
    return this.script.replies.filter((r) => (this.used[r.index] ?? 0) === 0).map((r) => r.label);
  }

  private explain(request: ModelRequest): string {
    const last = request.texts[request.texts.length - 1] ?? '';
    const head =
      `No reply in ${this.script.file} matches this ${request.api} request ` +
      `(model ${quote(request.model)}, ${request.stream ? 'streaming' : 'not streaming'}, last message ${quote(last)})`;
    if (this.script.replies.length === 0) return `${head}: the script has no replies.`;
    const reasons = this.script.replies.map((reply) => {
      const used = this.used[reply.index] ?? 0;
      const why = used >= reply.times ? `was already used ${used} ${used === 1 ? 'time' : 'times'}` : mismatch(reply, request);
      return `reply ${reply.label.startsWith('#') ? reply.label : quote(reply.label)} ${why ?? 'matches'}`;
    });
    const shown = reasons.slice(0, 20);
    if (reasons.length > shown.length) shown.push(`and ${reasons.length - shown.length} more`);
    return `${head}: ${shown.join('; ')}.`;
  }
}
