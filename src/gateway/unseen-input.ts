/**
 * Requests that would make the provider add input the gateway cannot see, and so cannot bound: a
 * `previous_response_id` or a stored `conversation` (the provider replays earlier turns and bills them),
 * and hosted tools (web search, file search, code interpreter…), which add retrieved text and per-call
 * fees. The gateway never builds such a request; this check runs on every body it sends, so a change that
 * would build one fails loudly instead of overspending quietly.
 *
 * @example
 * ```ts
 * unseenInput({ model: 'm', input: [], previous_response_id: 'resp_1' });
 * // 'previous_response_id makes the provider replay earlier turns the budget cannot see'
 * ```
 */

/** Why the body would add unseen input, or undefined when it does not. */
export function unseenInput(body: Record<string, unknown>): string | undefined {
  if (body['previous_response_id'] !== undefined && body['previous_response_id'] !== null) {
    return 'previous_response_id makes the provider replay earlier turns the budget cannot see';
  }
  if (body['conversation'] !== undefined && body['conversation'] !== null) {
    return 'a stored conversation makes the provider add earlier turns the budget cannot see';
  }
  if (body['store'] === true) return 'stored responses can be replayed later as unseen input';
  if (body['prompt'] !== undefined && body['prompt'] !== null) return 'a stored prompt template adds text the budget cannot see';
  const tools = body['tools'];
  if (Array.isArray(tools)) {
    for (const tool of tools as { type?: unknown }[]) {
      if (tool.type !== 'function') {
        return `the hosted tool "${String(tool.type)}" adds retrieved input and per-call fees the catalog does not price`;
      }
    }
  }
  return undefined;
}
