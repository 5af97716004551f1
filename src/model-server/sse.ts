/** One server-sent event as the OpenAI APIs write them. */
export interface SseEvent {
  /** The `event:` line (the Responses API names every event; Chat Completions names none). */
  readonly event?: string;
  /** The `data:` line: JSON text, or `[DONE]`. */
  readonly data: string;
}

export function encodeSse(event: SseEvent): string {
  return `${event.event !== undefined ? `event: ${event.event}\n` : ''}data: ${event.data}\n\n`;
}
