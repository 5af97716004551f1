/**
 * Errors a tool answers with (`isError: true`): each says what went wrong in words a model can act on,
 * with the next step. Everything the control socket can answer is mapped here.
 */
import { NoFleetError } from '../control/client.js';
import { ControlErrorCodes } from '../control/methods.js';
import { ErrorCodes } from '../protocol/error-codes.js';
import { ConnectionClosedError, RpcError } from '../rpc/errors.js';

/** A tool call that cannot be done, with the message the model gets. */
export class ToolFailure extends Error {
  readonly code = 'CODEX_FLEET_MCP_TOOL';
  constructor(message: string) {
    super(message);
    this.name = 'ToolFailure';
  }
}

export function noFleetMessage(stateDir: string): string {
  return (
    `No codex fleet is running for this project (state directory ${stateDir}). Ask the user to start one in the ` +
    `project's directory with "npx codex fleet start" (it runs the agents in agents/), or to start this MCP server ` +
    `with "codex fleet mcp --start" so it runs the fleet itself. Then call the tool again.`
  );
}

/**
 * The message for an error from the control socket. `agents` lists the fleet's agents for an unknown
 * agent's message (looked up by the caller, since the failed request cannot).
 */
export function describeControlError(error: unknown, context: { stateDir: string; agents?: readonly string[] }): string {
  if (error instanceof ToolFailure) return error.message;
  if (error instanceof NoFleetError) return noFleetMessage(context.stateDir);
  if (error instanceof ConnectionClosedError) {
    return `The fleet closed the connection (it stopped or restarted): ${error.message}. Call fleet_status to see whether it is back.`;
  }
  if (error instanceof RpcError) {
    switch (error.code) {
      case ControlErrorCodes.UnknownAgent:
        return `${error.message}. Agents in this fleet: ${(context.agents ?? []).join(', ') || 'none'}. Call list_agents for their roles.`;
      case ControlErrorCodes.UnknownTask:
        return `${error.message}. Use the id that submit_task returned.`;
      case ControlErrorCodes.AgentUnavailable:
        return `${error.message}. The task was not submitted; the user must fix that, meanwhile give the task to another agent (list_agents).`;
      case ControlErrorCodes.TooLarge:
        return `${error.message}. Send a smaller input: name files in the repository instead of pasting them.`;
      case ControlErrorCodes.NotAccepting:
        return `The fleet is stopping and takes no new tasks. Ask the user to start it again ("npx codex fleet start").`;
      case ErrorCodes.InvalidParams: {
        const data = error.data as { path?: unknown; message?: unknown } | undefined;
        if (data && typeof data.path === 'string') {
          // The control API names the path inside its params; the tool's arguments are the same fields.
          const path = data.path.replace(/^\/params/, '') || '/';
          return `Invalid arguments at ${path}: ${String(data.message ?? error.message)}. Fix that value and call the tool again.`;
        }
        return `Invalid arguments: ${error.message}`;
      }
      default:
        return `The fleet answered with error ${error.code}: ${error.message}`;
    }
  }
  return `Unexpected error talking to the fleet: ${error instanceof Error ? error.message : String(error)}`;
}
